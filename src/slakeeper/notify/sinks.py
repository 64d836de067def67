"""The sink for a configured notifier (DESIGN.md section 5: slack, teams, email, webhook)."""

from __future__ import annotations

from slakeeper.core.configuration import Notifier
from slakeeper.notify.email import EmailSink
from slakeeper.notify.protocol import Sink
from slakeeper.notify.slack import SlackSink
from slakeeper.notify.teams import TeamsSink
from slakeeper.notify.webhook import WebhookSink

__all__ = ["sink_for"]


def sink_for(notifier: Notifier) -> Sink:
    """A sink that delivers to ``notifier``."""
    if notifier.type == "slack":
        return SlackSink(str(notifier.url))
    if notifier.type == "teams":
        return TeamsSink(str(notifier.url))
    if notifier.type == "email":
        return EmailSink(notifier.to)
    return WebhookSink(str(notifier.url), notifier.secret_env)
