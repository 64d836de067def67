"""Triage suggestions for the service and the CLI: load a model once, suggest per ticket.

The ingest service calls :meth:`Triage.suggest` for a ``created`` event without a severity
(or team), with the event's subject, description and fields; the suggestion carries the
label, its calibrated confidence, the runners-up, whether to abstain (leave it to a human)
and the words that weighed most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slakeeper.core.errors import InputError

__all__ = ["FROM_DB_LABELS", "Suggestion", "Triage", "stored_tickets", "ticket_text"]


@dataclass(frozen=True)
class Suggestion:
    """What triage suggests for one ticket."""

    label: str
    confidence: float
    top: list[tuple[str, float]]
    abstain: bool
    why: list[str]

    def document(self) -> dict[str, Any]:
        """The JSON form: ``{"label", "confidence", "top", "abstain", "why"}``."""
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "top": [[label, round(p, 4)] for label, p in self.top],
            "abstain": self.abstain,
            "why": self.why,
        }


class Triage:
    """A loaded triage model and the threshold under which it abstains."""

    def __init__(self, path: Path | str, threshold: float | None = None, top: int = 3) -> None:
        from slakeeper.triage.files import read_model

        self.path = Path(path)
        self.header, payload = read_model(self.path)
        self._model = payload["model"]
        self.threshold = 0.5 if threshold is None else threshold
        if not 0 <= self.threshold <= 1:
            raise InputError(f"threshold: expected a number between 0 and 1, got {threshold}")
        self._top = top

    @property
    def labels(self) -> list[str]:
        """The labels the model knows (``other`` included when rare labels were grouped)."""
        return list(self._model.classes)

    def suggest(
        self, subject: str, description: str = "", fields: Mapping[str, Any] | None = None
    ) -> Suggestion:
        """The suggestion for one ticket (subject first, as in training's text columns)."""
        text = f"{subject} \n {description}" if description else subject
        return self.suggest_many([text], [dict(fields or {})])[0]

    def suggest_many(
        self, texts: Sequence[str], fields: Sequence[Mapping[str, Any]] | None = None
    ) -> list[Suggestion]:
        """Suggestions for many tickets at once (one sparse product: the fast way)."""
        rows = [dict(each) for each in fields] if fields is not None else [{} for _ in texts]
        model = self._model
        x = model.features(list(texts), rows)
        probs = model.probabilities(x)
        found = []
        for i, row in enumerate(probs):
            order = row.argsort()[::-1][: self._top]
            label = model.classes[order[0]]
            confidence = float(row[order[0]])
            found.append(
                Suggestion(
                    label=label,
                    confidence=confidence,
                    top=[(model.classes[k], float(row[k])) for k in order],
                    abstain=confidence < self.threshold,
                    why=model.why(x[i], label),
                )
            )
        return found


FROM_DB_LABELS = ("severity", "team", "product")


def ticket_text(subject: object, body: dict[str, Any]) -> str:
    """What triage reads of a ``created`` event: its subject, then its description (a
    top-level ``description`` or ``custom.description``; not a ticket field), as training
    joins its text columns."""
    from slakeeper.triage.cleaning import join_text

    custom = body.get("custom") if isinstance(body.get("custom"), dict) else {}
    description = body.get("description") or custom.get("description") or ""
    return join_text([str(subject or ""), str(description)])


def stored_tickets(database: Any, label: str, fields: Sequence[str] = ()) -> Any:
    """The store's solved tickets as training data (``triage train|evaluate --from-db``).

    Text: the ``created`` event's subject, then its description (a top-level
    ``description`` or ``custom.description``). Label: the field as it stood when the
    ticket was last solved (or closed), i.e. after the humans who worked it corrected it;
    a ticket never solved, or solved without the field, teaches nothing and is left out. Time: the
    created instant, so that ``evaluate --from-db`` trains on the past and tests on the
    most recent share. ``fields``: categorical ticket fields (account, channel, …) as of
    the created event.
    """
    import orjson

    from slakeeper.core.errors import SlaError
    from slakeeper.core.events import EventType, parse_event
    from slakeeper.core.policies import Status
    from slakeeper.store import queries
    from slakeeper.triage.data import Tickets

    if label not in FROM_DB_LABELS:
        known = ", ".join(FROM_DB_LABELS)
        raise InputError(f"--label: with --from-db, one of {known}; got {label!r}")
    start: dict[str, tuple[str, dict[str, Any], float]] = {}  # ticket -> text, fields, time
    current: dict[str, Any] = {}  # ticket -> the label's value now
    solved: dict[str, str] = {}  # ticket -> the label at its last solve
    last: tuple[int, int] | None = None
    with database.read() as connection:
        while True:
            rows = queries.events_after(connection, last, 10_000)
            for at, seq, body in rows:
                last = (at, seq)
                try:
                    raw = orjson.loads(body)
                    event = parse_event(raw)
                except (orjson.JSONDecodeError, SlaError):
                    continue
                ticket = event.ticket
                if event.type is EventType.CREATED:
                    if ticket in start:
                        continue
                    text = ticket_text(event.fields.get("subject"), raw)
                    categorical = {name: str(event.fields.get(name) or "") for name in fields}
                    start[ticket] = (text, categorical, event.at / 1_000_000)
                    current[ticket] = event.team if label == "team" else event.fields.get(label)
                elif label == "team" and event.type is EventType.ASSIGN and event.team:
                    current[ticket] = event.team
                elif event.type is EventType.UPDATE and event.fields.get(label) is not None:
                    current[ticket] = event.fields[label]
                elif event.type is EventType.STATUS and not (event.status or Status.OPEN).is_open:
                    value = current.get(ticket)
                    if value not in (None, "") and ticket in start:
                        solved[ticket] = str(value)
            if len(rows) < 10_000:
                break
    tickets = Tickets([], [], [], [])
    for ticket, value in solved.items():
        text, categorical, time = start[ticket]
        tickets.texts.append(text)
        tickets.fields.append(categorical)
        tickets.labels.append(value)
        assert tickets.times is not None
        tickets.times.append(time)
    if not tickets.labels:
        raise InputError(f"--from-db: no solved ticket with a {label} in the store")
    return tickets
