"""A staffing plan as a table, CSV, a week heat-map (PNG with matplotlib) and HTML."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plan_csv", "plan_html", "plan_png", "print_plan", "shifts_csv"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _rows(plan: Any, shifts: Any = None) -> list[list[Any]]:
    rows = []
    for slot in range(plan.grid.per_week):
        row = [
            slot,
            plan.grid.label(slot),
            round(float(plan.tickets[slot]), 3),
            round(float(plan.work[slot] * plan.aht_seconds / (plan.grid.slot_minutes * 60)), 3),
            int(plan.erlang[slot]),
            round(float(plan.erlang_simulated.attainment[slot]), 4),
            int(plan.planned[slot]),
            round(float(plan.simulated.attainment[slot]), 4),
            int(plan.simulated.decided[slot]),
        ]
        if shifts is not None:
            row.append(int(shifts.coverage[slot]))
        rows.append(row)
    return rows


HEADER = [
    "slot",
    "start",
    "forecast_tickets",
    "offered_load",
    "erlang_agents",
    "erlang_simulated_attainment",
    "planned_agents",
    "simulated_attainment",
    "clocks",
]


def plan_csv(plan: Any, shifts: Any = None) -> str:
    """One row per slot of the week."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER + (["shift_coverage"] if shifts is not None else []))
    writer.writerows(_rows(plan, shifts))
    return out.getvalue()


def summary_lines(plan: Any, shifts: Any = None) -> list[str]:
    """The plan in a few sentences."""
    share = plan.target.share
    erlang_fail = plan.erlang_simulated.failing(share).size
    lines = [
        f"team {plan.team}, week of {plan.week_start} ({plan.grid.timezone}, "
        f"{plan.grid.slot_minutes}-minute slots), target: {plan.target}",
        f"forecast {plan.tickets.sum():.0f} tickets, {plan.work.sum():.0f} touches; "
        f"handling {plan.aht_seconds / 60:.1f} min ({plan.aht_source})",
        f"Erlang C: {plan.agent_hours(plan.erlang):.1f} agent-hours; simulated, "
        f"{erlang_fail} of {plan.grid.per_week} slots miss the target",
        f"plan: {plan.agent_hours(plan.planned):.1f} agent-hours after {len(plan.rounds)} "
        f"simulations; {plan.simulated.failing(share).size} slots miss the target; lowest "
        f"slot attainment {plan.simulated.attainment.min():.1%}",
    ]
    if shifts is not None:
        over = (shifts.coverage - plan.planned).clip(min=0).sum() * plan.grid.slot_minutes / 60
        lines.append(
            f"shifts ({shifts.status}): {len(shifts.shifts)} kinds, {shifts.agent_hours:.1f} "
            f"agent-hours, {over:.1f} above the plan, every slot covered: "
            f"{bool((shifts.coverage >= plan.planned).all())}"
        )
    return lines


def shifts_csv(shifts: Any, slot_minutes: int, timezone: str) -> str:
    """The chosen shifts: day, local start, length and head count, one row each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "start", "hours", "agents", "timezone"])
    for day, start, length, agents in sorted(shifts.shifts):
        minutes = start * slot_minutes
        clock = f"{minutes // 60:02d}:{minutes % 60:02d}"
        writer.writerow([_DAYS[day], clock, length * slot_minutes / 60, agents, timezone])
    return out.getvalue()


def print_plan(plan: Any, shifts: Any = None) -> None:
    """A summary and the planned head count per hour of each day."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    for line in summary_lines(plan, shifts):
        console.print(line)
    per_day = plan.grid.per_day
    table = Table(
        "day", *(f"{h:02d}" for h in range(0, 24, 2)), title="planned agents (max over 2 hours)"
    )
    counts = plan.planned.reshape(7, per_day)
    step = per_day // 12
    for day in range(7):
        table.add_row(
            _DAYS[day], *(str(counts[day, i : i + step].max()) for i in range(0, per_day, step))
        )
    console.print(table)
    if shifts is not None:
        zone = shifts.timezone or plan.grid.timezone
        rows = shifts_csv(shifts, plan.grid.slot_minutes, zone).splitlines()[1:]
        console.print(
            f"shifts ({zone}): "
            + "; ".join(
                f"{d} {t} {float(h):g}h x{n}" for d, t, h, n, _ in (r.split(",") for r in rows)
            )
        )


def plan_png(plan: Any, path: Path) -> None:
    """Heat-map of planned agents per slot (days x time), with the lowest attainments marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per_day = plan.grid.per_day
    counts = plan.planned.reshape(7, per_day)
    figure, axes = plt.subplots(figsize=(14, 4.2))
    image = axes.imshow(counts, aspect="auto", cmap="YlOrRd", interpolation="nearest")
    axes.set_yticks(range(7), _DAYS)
    hours = range(0, per_day, per_day // 24 * 2)
    axes.set_xticks(list(hours), [f"{h * plan.grid.slot_minutes // 60:02d}" for h in hours])
    axes.set_xlabel(f"hour ({plan.grid.timezone})")
    attainment = plan.simulated.attainment.reshape(7, per_day)
    for day, index in zip(*np.nonzero(attainment < plan.target.share + 0.02), strict=True):
        axes.text(index, day, "•", ha="center", va="center", fontsize=8, color="black")
    axes.set_title(
        f"{plan.team}: planned agents per {plan.grid.slot_minutes}-minute slot, week of "
        f"{plan.week_start} ({plan.agent_hours(plan.planned):.0f} agent-hours; • = attainment "
        f"within 2 points of {plan.target.share:.0%})"
    )
    figure.colorbar(image, ax=axes, label="agents")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plan_html(plan: Any, shifts: Any = None) -> str:
    """A self-contained page: summary and a heat-map table (agents, attainment on hover)."""
    per_day = plan.grid.per_day
    top = max(int(plan.planned.max()), 1)
    cells = []
    for day in range(7):
        row = [f"<th>{_DAYS[day]}</th>"]
        for index in range(per_day):
            slot = day * per_day + index
            n = int(plan.planned[slot])
            heat = int(255 - 200 * n / top)
            tip = (
                f"{plan.grid.label(slot)}: {n} agents (Erlang C {int(plan.erlang[slot])}), "
                f"{plan.tickets[slot]:.1f} tickets, "
                f"attainment {plan.simulated.attainment[slot]:.0%}"
                f" of {int(plan.simulated.decided[slot])} clocks"
            )
            row.append(
                f'<td style="background:rgb(255,{heat},{heat // 2})" '
                f'title="{html.escape(tip)}">{n}</td>'
            )
        cells.append("<tr>" + "".join(row) + "</tr>")
    heads = "".join(
        f"<th>{plan.grid.label(i)[4:] if i % 2 == 0 else ''}</th>" for i in range(per_day)
    )
    summary = "".join(f"<li>{html.escape(line)}</li>" for line in summary_lines(plan, shifts))
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>slakeeper staffing plan</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse;font-size:11px}"
        "td,th{border:1px solid #ddd;padding:2px 3px;text-align:center}</style></head><body>"
        f"<h1>Staffing plan: {html.escape(plan.team)}</h1><ul>{summary}</ul>"
        f"<table><tr><th></th>{heads}</tr>{''.join(cells)}</table></body></html>\n"
    )
