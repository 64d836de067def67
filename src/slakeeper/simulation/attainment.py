"""The attainment table of a simulated history, computed by the core's own evaluation.

The simulator never judges a clock itself: the generated events are replayed through
``slakeeper.core.evaluation`` (the same path as ``slakeeper evaluate``) and the table only
counts the verdicts. Compliance is met / (met + breached); clocks still running or
cancelled at the end of the history count in neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from slakeeper.core.configuration import Configuration
from slakeeper.core.evaluation import Diagnostic, TicketResult, iter_evaluate
from slakeeper.core.instants import US_PER_SECOND as US
from slakeeper.services.evaluations import read_events

__all__ = ["Attainment", "Tally", "attainment_of_lines", "format_attainment"]

METRICS = ("first_response", "resolution", "team_ownership")


@dataclass
class Tally:
    """Met and breached clocks of one row."""

    met: int = 0
    breached: int = 0

    @property
    def compliance(self) -> float | None:
        """met / (met + breached), or None when no clock finished."""
        total = self.met + self.breached
        return self.met / total if total else None


@dataclass
class Attainment:
    """Tallies by (row label, metric): tiers, then P1 in bursts and P1 created at a weekend."""

    rows: dict[tuple[str, str], Tally] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def tally(self, row: str, metric: str) -> Tally:
        """The tally of a row and metric (zero when absent)."""
        return self.rows.get((row, metric), Tally())

    def add(self, result: TicketResult, zones: dict[str, ZoneInfo]) -> None:
        """Count the finished clocks of one ticket into its rows."""
        labels = [result.policy or "(no policy)"]
        if result.fields.get("severity") == "P1":
            if "incident" in (result.fields.get("tags") or ()):
                labels.append("P1 in bursts")
            if _weekend(result.created_at, zones.get(str(result.fields.get("account")))):
                labels.append("P1 at weekends")
            labels.append("P1 all")
        for cycle in result.cycles:
            if cycle.breached_at is not None:
                breached = True
            elif cycle.fulfilled_at is not None:
                breached = False
            else:
                continue
            metric = str(cycle.metric)
            for label in labels:
                tally = self.rows.setdefault((label, metric), Tally())
                if breached:
                    tally.breached += 1
                else:
                    tally.met += 1


def attainment_of_lines(lines: Iterable[bytes], config: Configuration, now: int) -> Attainment:
    """Evaluate JSONL event lines under the configuration and count the verdicts at ``now``."""
    table = Attainment()
    zones = {
        account_id: ZoneInfo(account.timezone)
        for account_id, account in config.accounts.items()
        if account.timezone
    }
    events = read_events(lines, table.diagnostics)
    for result in iter_evaluate(events, config, now, table.diagnostics):
        table.add(result, zones)
    return table


def _weekend(at: int, zone: ZoneInfo | None) -> bool:
    moment = datetime.fromtimestamp(at / US, UTC)
    return (moment.astimezone(zone) if zone else moment).weekday() >= 5


def format_attainment(table: Attainment) -> str:
    """The table as aligned text: one line per row and metric."""
    lines = [f"{'row':<16} {'metric':<16} {'met':>8} {'breached':>8} {'compliance':>10}"]
    order = sorted({row for row, _ in table.rows}, key=_row_order)
    for row in order:
        for metric in METRICS:
            tally = table.rows.get((row, metric))
            if tally is None:
                continue
            share = tally.compliance
            shown = "-" if share is None else f"{share * 100:.1f}%"
            lines.append(f"{row:<16} {metric:<16} {tally.met:>8} {tally.breached:>8} {shown:>10}")
    return "\n".join(lines) + "\n"


def _row_order(row: str) -> tuple[int, str]:
    return (1 if row.startswith("P1 ") else 0, row)
