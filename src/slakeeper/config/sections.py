"""The sections after ``calendars``: tiers, accounts, policies, escalation paths, notifiers,
triage.

Each section is checked even when another has problems; references between sections
(a policy's calendar, an account's tier, a step's notifier) are checked against the ids
the file declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slakeeper.config.accounts import load_accounts, load_tiers
from slakeeper.config.escalations import load_escalation_paths
from slakeeper.config.names import declared_names
from slakeeper.config.notifiers import load_notifiers
from slakeeper.config.policies import load_policies
from slakeeper.config.problems import Problems
from slakeeper.config.triage import load_triage
from slakeeper.core.calendars import Calendar
from slakeeper.core.configuration import Configuration

__all__ = ["load_sections"]


def load_sections(
    data: Mapping[str, Any], calendars: Mapping[str, Calendar], problems: Problems
) -> Configuration:
    """The configuration of ``data`` around its (already validated) ``calendars``."""
    names = declared_names(data, calendars)
    return Configuration(
        calendars=calendars,
        tiers=load_tiers(data.get("tiers"), problems),
        accounts=load_accounts(data.get("accounts"), names, problems),
        policies=load_policies(data.get("policies"), names, problems),
        escalation_paths=load_escalation_paths(data.get("escalation_paths"), names, problems),
        notifiers=load_notifiers(data.get("notifiers"), problems),
        triage=load_triage(data.get("triage"), problems),
    )
