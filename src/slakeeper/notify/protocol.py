"""What every sink takes (a :class:`Message`) and answers (an :class:`Outcome`).

::

    Sink.send(message) -> Outcome
        ok          delivered
        permanent   never worth retrying (400, 401, 403, 404, 410, 422, a bad address)
        otherwise   retried with backoff (408, 429 with Retry-After, 5xx, network, timeout)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["Message", "Outcome", "Sink"]


@dataclass(frozen=True)
class Message:
    """One alert, as every sink renders it."""

    alert_id: int
    kind: str  # warning, objective_missed, escalation, breach, correction
    ticket: str
    account: str | None
    severity: str | None
    metric: str
    text: str  # "P1 · Acme · first response breaches in 5 min · assigned to ana"
    at: str  # when the mark was reached (UTC …Z)
    link: str  # the ticket in the console
    late_seconds: float = 0.0


@dataclass(frozen=True)
class Outcome:
    """How one attempt went."""

    ok: bool
    status: int | None = None  # HTTP status or SMTP reply code
    error: str | None = None
    permanent: bool = False
    retry_after: float | None = None  # seconds the receiver asked us to wait


class Sink(Protocol):
    """Something that delivers messages: Slack, Teams, email, a webhook, memory."""

    def send(self, message: Message) -> Outcome:
        """Deliver one message; never raises for a delivery failure."""
        ...
