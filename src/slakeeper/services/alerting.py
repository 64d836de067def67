"""From reached marks to alert rows: historic or live, lateness, words, and recipients.

Who hears about an alert follows the ticket's escalation path (DESIGN.md section 5):

- an escalation step's alert goes to the step's ``notify`` list;
- a warning or a missed objective goes to the recipients of the latest step already
  reached in that cycle (the people answerable now), or of the first step before any;
- a breach goes to the recipients of the path's ``breach`` step, or of its last step;
- a correction goes to whoever the corrected breach went to;
- at one instant one recipient gets one message: the most serious alert of that cycle.

The built-in recipients resolve through notifiers named after them: ``assignee`` is the
notifier whose id is the ticket's agent, ``team`` the notifier whose id is its team.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from slakeeper.core.configuration import Configuration
from slakeeper.core.evaluation import TicketResult
from slakeeper.core.policies import EscalationPath
from slakeeper.services.marks import AlertKind, Reached

__all__ = [
    "NewAlert",
    "build_alerts",
    "escalation_path_of",
    "learnt_at",
    "message_for",
    "recipients_for",
]

HISTORIC_AFTER_US = 10 * 60 * 1_000_000  # learnt more than 10 minutes late: not delivered
_RANK = {
    AlertKind.WARNING: 0,
    AlertKind.OBJECTIVE_MISSED: 1,
    AlertKind.ESCALATION: 2,
    AlertKind.BREACH: 3,
    AlertKind.CORRECTION: 4,
}
_METRIC_WORDS = {
    "first_response": "first response",
    "next_response": "next response",
    "periodic_update": "periodic update",
    "resolution": "resolution",
    "team_ownership": "team ownership",
}


@dataclass(frozen=True)
class NewAlert:
    """An alert to write, and the notifiers to deliver it to (none when historic)."""

    reached: Reached
    account: str | None
    created_at: int
    historic: bool
    message: str
    detail: dict[str, Any]
    notifiers: tuple[str, ...]

    def row(self) -> tuple[Any, ...]:
        """The row in ALERT_COLUMNS order."""
        mark = self.reached
        late = max(self.created_at - mark.at, 0)
        return (
            mark.key, mark.ticket, self.account, mark.metric, mark.team, mark.cycle, mark.kind,
            mark.mark, mark.at, self.created_at, late, self.historic, self.message,
            orjson.dumps(self.detail).decode(),
        )  # fmt: skip


def learnt_at(mark_at: int, events_at: Sequence[int], received: Sequence[int]) -> int:
    """When the service learnt of a mark: the last arrival among the events up to it."""
    known = [arrival for at, arrival in zip(events_at, received, strict=True) if at <= mark_at]
    return max(known, default=mark_at)


def build_alerts(
    result: TicketResult,
    marks: Sequence[Reached],
    config: Configuration,
    *,
    now: int,
    learnt: Mapping[str, int],
) -> list[NewAlert]:
    """The alerts for ``marks`` (new ones) of one ticket, with their recipients.

    ``learnt`` gives, per mark key, when the service learnt of it; a mark learnt more than
    10 minutes after it was reached is historic (written, never delivered). A correction
    is historic when the breach it corrects was (``learnt`` 0).
    """
    path = escalation_path_of(result, config)
    alerts: list[NewAlert] = []
    for mark in marks:
        historic = learnt.get(mark.key, mark.at) - mark.at > HISTORIC_AFTER_US
        if mark.kind is AlertKind.CORRECTION:  # to whoever heard of the breach
            historic = learnt.get(mark.key, mark.at) == 0
            breach = Reached(mark.ticket, mark.metric, mark.team, mark.cycle, AlertKind.BREACH,
                             mark.mark, mark.at)  # fmt: skip
            people = recipients_for(breach, path, result, config)
        else:
            people = recipients_for(mark, path, result, config)
        alerts.append(
            NewAlert(
                reached=mark,
                account=_text(result.fields.get("account")),
                created_at=now,
                historic=historic,
                message=message_for(mark, result, config, path),
                detail=_detail(result),
                notifiers=() if historic else people,
            )
        )
    return _one_message_per_instant(alerts)


def recipients_for(
    mark: Reached, path: EscalationPath | None, result: TicketResult, config: Configuration
) -> tuple[str, ...]:
    """The notifier ids an alert goes to (see the module docstring)."""
    if path is None or not path.steps:
        return ()
    steps = path.steps
    if mark.kind is AlertKind.ESCALATION and mark.step is not None:
        names = steps[mark.step].notify
    elif mark.kind is AlertKind.BREACH:
        at_breach = [s for s in steps if s.at.fraction is None and s.at.lead is None]
        names = (at_breach[-1] if at_breach else steps[-1]).notify
    else:
        reached = _steps_reached(result, mark)
        names = steps[max(reached)].notify if reached else steps[0].notify
    return _resolve(names, result, config)


def _steps_reached(result: TicketResult, mark: Reached) -> list[int]:
    for cycle in result.cycles:
        if (cycle.metric.value, cycle.team or "", cycle.number) == (
            mark.metric,
            mark.team,
            mark.cycle,
        ):
            return [step for step, at in cycle.escalations if at <= mark.at]
    return []


def _resolve(names: Sequence[str], result: TicketResult, config: Configuration) -> tuple[str, ...]:
    found: list[str] = []
    for name in names:
        if name == "assignee":
            name = _text(result.fields.get("agent")) or ""
        elif name == "team":
            name = _text(result.fields.get("team")) or ""
        if name in config.notifiers and name not in found:
            found.append(name)
    return tuple(found)


def _one_message_per_instant(alerts: list[NewAlert]) -> list[NewAlert]:
    """Keep, per cycle, instant and notifier, the delivery of the most serious alert."""
    best: dict[tuple[str, str, int, int, str], NewAlert] = {}
    for alert in alerts:
        mark = alert.reached
        for notifier in alert.notifiers:
            slot = (mark.metric, mark.team, mark.cycle, mark.at, notifier)
            held = best.get(slot)
            if held is None or _RANK[mark.kind] > _RANK[held.reached.kind]:
                best[slot] = alert
    kept = []
    for alert in alerts:
        mark = alert.reached
        mine = tuple(
            n for n in alert.notifiers
            if best[(mark.metric, mark.team, mark.cycle, mark.at, n)] is alert
        )  # fmt: skip
        kept.append(alert if mine == alert.notifiers else _with(alert, mine))
    return kept


def _with(alert: NewAlert, notifiers: tuple[str, ...]) -> NewAlert:
    return NewAlert(alert.reached, alert.account, alert.created_at, alert.historic,
                    alert.message, alert.detail, notifiers)  # fmt: skip


def message_for(
    mark: Reached, result: TicketResult, config: Configuration, path: EscalationPath | None
) -> str:
    """What happened, in words a support lead reads at a glance.

    ``P1 · Acme Corp · first response breaches in 5 min · assigned to ana``
    """
    fields = result.fields
    parts = [_text(fields.get("severity")) or "no severity", _account_name(result, config)]
    metric = _METRIC_WORDS.get(mark.metric, mark.metric)
    if mark.team:
        metric += f" ({mark.team})"
    parts.append(_what(mark, metric, result, path))
    agent = _text(fields.get("agent"))
    parts.append(f"assigned to {agent}" if agent else "unassigned")
    return " · ".join(parts)


def _what(mark: Reached, metric: str, result: TicketResult, path: EscalationPath | None) -> str:
    due = _due(result, mark)
    left = f" in {_minutes(due - mark.at)}" if due is not None and due > mark.at else ""
    if mark.kind is AlertKind.WARNING:
        return f"{metric} breaches{left} (warning at {mark.mark})"
    if mark.kind is AlertKind.OBJECTIVE_MISSED:
        return f"{metric} missed its internal objective; SLA due{left}"
    if mark.kind is AlertKind.BREACH:
        return f"{metric} breached"
    if mark.kind is AlertKind.CORRECTION:
        return f"{metric}: correction, it was met in time (the breach is withdrawn)"
    step = path.steps[mark.step] if path is not None and mark.step is not None else None
    handed = f", handed to {step.assign_team}" if step is not None and step.assign_team else ""
    return f"{metric} escalated (step {mark.mark}{handed}); breaches{left}"


def _due(result: TicketResult, mark: Reached) -> int | None:
    for cycle in result.cycles:
        if (cycle.metric.value, cycle.team or "", cycle.number) == (
            mark.metric,
            mark.team,
            mark.cycle,
        ):
            return cycle.due_at()
    return None


def _minutes(us: int) -> str:
    minutes = -(-us // 60_000_000)
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def escalation_path_of(result: TicketResult, config: Configuration) -> EscalationPath | None:
    """The escalation path of the ticket's policy, if it has one."""
    policy = next((p for p in config.policies if p.id == result.policy), None)
    if policy is None or policy.escalation is None:
        return None
    return config.escalation_paths.get(policy.escalation)


def _account_name(result: TicketResult, config: Configuration) -> str:
    account = _text(result.fields.get("account"))
    if account is None:
        return "no account"
    found = config.accounts.get(account)
    return found.name if found is not None and found.name else account


def _detail(result: TicketResult) -> dict[str, Any]:
    fields = result.fields
    return {key: _text(fields.get(key)) for key in ("severity", "agent", "team", "channel")}


def _text(value: object) -> str | None:
    return None if value is None else str(value)
