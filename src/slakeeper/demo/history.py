"""The demo's data: its configuration, 90 days of simulated history, and placed tickets.

The history is the demo scenario simulated up to ``now`` and imported through the history
importer (its past thresholds are historic, never notified). The placed tickets are open
Enterprise P1 tickets created in the past so that, under the demo configuration (first
response 15m, warnings at 50% and 5m before, escalation steps at 60% and 80%, breach at
100%), a warning falls due about 10 s, an escalation step about 25 s and a breach about
45 s of clock time after they are posted.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from slakeeper.core.instants import format_instant
from slakeeper.simulation.engine import DAY, US

__all__ = ["HISTORY_DAYS", "backfill", "config_text", "placed_events", "scenario_path"]

HISTORY_DAYS = 90
_FIRST_RESPONSE_S = 15 * 60  # the demo's Enterprise P1 first-response target
# (ticket, account, seconds from now to the mark, the mark as a fraction of the target)
_PLACED = (
    ("warning", "acme", 10, 0.5),  # the 50% warning
    ("escalation", "globex", 25, 0.8),  # step 2: to the webhook, handed to tier2
    ("breach", "soylent", 45, 1.0),  # the breach: email and Slack
)
_SUBJECTS = {
    "warning": "SSO login loops for every user after the IdP change",
    "escalation": "Webhook deliveries stopped for all integrations",
    "breach": "Production outage: invoices cannot be generated",
}


def scenario_path() -> Path:
    """The demo scenario shipped with the package."""
    return Path(str(files("slakeeper.demo") / "scenario.yaml"))


def config_text(*, slack_url: str, webhook_url: str) -> str:
    """The demo configuration with the local receivers' URLs in its notifiers."""
    text = (files("slakeeper.demo") / "config.yaml").read_text(encoding="utf-8")
    return text.replace("@SLACK_URL@", slack_url).replace("@WEBHOOK_URL@", webhook_url)


def backfill(database: Any, config_path: Path, out: Path, *, now: int, seed: int = 7) -> Any:
    """Simulate ``HISTORY_DAYS`` ending at ``now`` into ``out``, then import it."""
    from slakeeper.config import load_config
    from slakeeper.importers.jsonl import read_events
    from slakeeper.services.imports import import_items
    from slakeeper.simulation.engine import simulate
    from slakeeper.simulation.scenario import load_scenario

    scenario = load_scenario(scenario_path())
    configuration = load_config(config_path)
    with open(out, "wb") as stream:
        simulate(scenario, days=HISTORY_DAYS, seed=seed, write=stream.write,
                 start=now - HISTORY_DAYS * DAY, config=configuration)  # fmt: skip
    with open(out, "rb") as stream:
        return import_items(
            database,
            read_events(stream),
            now=now,
            config_text=config_path.read_text(encoding="utf-8"),
            author="demo",
        )


def placed_events(now: int, run: str) -> list[dict[str, Any]]:
    """``created`` events of the placed tickets (ids carry ``run``: each run places anew)."""
    events = []
    for name, account, ahead_s, fraction in _PLACED:
        created = now + ahead_s * US - int(fraction * _FIRST_RESPONSE_S * US)
        ticket = f"D-{run}-{name}"
        events.append({
            "id": f"{ticket}-1", "ticket": ticket, "type": "created",
            "at": format_instant(created), "severity": "P1", "account": account,
            "account_tier": "enterprise", "channel": "slack", "team": "tier1",
            "subject": _SUBJECTS[name], "product": "api",
        })  # fmt: skip
    return events
