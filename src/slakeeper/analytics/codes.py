"""A ticket's clocks judged as one small integer each, kept on its row for the reports.

A report of clocks judges each clock at its ``now``: its metric, its status and objective
status at ``now``, whether it was fulfilled by then (analytics/tables.py says how). The
reports read that as one integer per clock, the *judged code*, computed in SQL from the
stored clock (services/reports.py)::

    code = (first letter of the metric - "a") * 32 + fulfilled by now * 16
           + status * 4 + objective status

(status: 0 running, 1 met, 2 breached, 3 cancelled; objective status: 0 running, 1 met,
2 missed, 3 none). Reading a million tickets' clocks one row each costs a database driver
far more than the figures do, so each ticket's row also keeps its clocks' codes as judged
when it was evaluated, with the span of instants over which they hold
(:func:`ticket_codes`): a code changes only at one of its clock's instants (its start, a
due instant passing, a fulfilment, a breach, a cancellation). A report at a ``now``
within that span counts the tickets' codes in SQL, grouped with the ticket fields it
groups by, and reads only the clocks of the other tickets (services/reports.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from slakeeper.core.policies import METRICS

__all__ = [
    "BY_LETTER",
    "CODED_COLUMNS",
    "EARLIEST",
    "LATEST",
    "LENGTH",
    "LETTER",
    "OBJECTIVES",
    "STATUSES",
    "judged_code",
    "ticket_codes",
]

STATUSES = ("running", "met", "breached", "cancelled")
OBJECTIVES = ("running", "met", "missed", None)  # 3: no objective
# Each metric by the first letter of its name (distinct, a to z: checked below).
LETTER = {metric.value: ord(metric.value[0]) - ord("a") for metric in METRICS}
# SQL tells objective statuses apart by their length (cheaper for a database than
# comparing strings).
LENGTH = {name: len(name) for name in OBJECTIVES if name is not None}
BY_LETTER = [next((m for m, code in LETTER.items() if code == n), None) for n in range(26)]
assert len(set(LETTER.values())) == len(LETTER), "metrics must start with distinct letters"
assert all(0 <= code < 26 for code in LETTER.values()), "metrics start with a-z"
assert len(set(LENGTH.values())) == len(LENGTH), "objective statuses of distinct lengths"
# The stored clock columns ticket_codes reads, in its order.
CODED_COLUMNS = (
    "metric", "started_at", "fulfilled_at", "breached_at", "cancelled_at", "due_at",
    "objective_status", "objective_due_at",
)  # fmt: skip
EARLIEST = -(2**62)  # codes that hold from the beginning of time
LATEST = 2**62  # codes that hold for ever


def judged_code(
    metric: str,
    fulfilled_at: int | None,
    breached_at: int | None,
    cancelled_at: int | None,
    due_at: int | None,
    objective_status: str | None,
    objective_due_at: int | None,
    now: int,
) -> int:
    """The judged code of a stored clock at ``now`` (the module docstring), as the SQL of
    services/reports.py computes it."""

    def by(instant: int | None) -> bool:
        return instant is not None and instant <= now

    if by(cancelled_at):
        status = 3
    elif by(breached_at):
        status = 2
    elif by(fulfilled_at):
        status = 1
    else:
        status = 2 if by(due_at) else 0
    if objective_status == "running":
        objective = 2 if by(objective_due_at) else 0
    elif objective_status is None:
        objective = 3
    else:
        objective = OBJECTIVES.index(objective_status)
    return LETTER[metric] * 32 + (16 if by(fulfilled_at) else 0) + status * 4 + objective


def ticket_codes(clocks: Iterable[Sequence[Any]], now: int) -> tuple[str, int, int]:
    """A ticket's clocks judged at ``now``: their codes (sorted, separated by spaces; the
    clocks started by ``now``), and the span ``[from, until)`` of instants at which a
    report judges them the same. Each clock has the values of CODED_COLUMNS."""
    codes: list[int] = []
    since, until = EARLIEST, LATEST
    for metric, started, fulfilled, breached, cancelled, due, objective, objective_due in clocks:
        instants = [started, fulfilled, breached, cancelled, due]
        if objective == "running":
            instants.append(objective_due)
        for instant in instants:  # a code turns when ``now`` reaches one of these
            if instant is None:
                continue
            if instant <= now:
                since = max(since, instant)
            else:
                until = min(until, instant)
        if started <= now:
            code = judged_code(
                metric, fulfilled, breached, cancelled, due, objective, objective_due, now
            )
            codes.append(code)
    return " ".join(str(code) for code in sorted(codes)), since, until
