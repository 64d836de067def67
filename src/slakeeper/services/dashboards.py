"""The console's reports page: the reports of services/reports.py shaped as charts and tables.

Every figure comes from :func:`slakeeper.services.reports.run_report` over the same tables
as ``GET /api/v1/reports/{name}``; this module only picks the reports, pivots their rows
into series (one per group, over the weeks of the period) and writes each chart's numbers
as a table too (a chart is never the only way to read them).

1. :func:`default_period` is the last 12 ISO weeks up to ``now`` (local dates).
2. :func:`build_dashboard` runs compliance, service level, times, escalations and breach
   causes for the period and the chosen grouping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from slakeeper.analytics.figures import TIME_BANDS
from slakeeper.analytics.tables import Tables
from slakeeper.core.errors import InputError, SlaError
from slakeeper.core.zones import load_zone
from slakeeper.services.reports import parse_query, run_report

__all__ = [
    "GROUPS",
    "Chart",
    "Dashboard",
    "Period",
    "build_dashboard",
    "default_period",
]

GROUPS = ("severity", "tier", "channel", "team")
NONE = "(none)"
WEEKS = 12
_BAND_LABELS = {"lt_1h": "< 1h", "1h_2h": "1-2h", "2h_4h": "2-4h", "4h_8h": "4-8h",
                "8h_24h": "8-24h", "ge_24h": "24h or more"}  # fmt: skip


@dataclass(frozen=True)
class Period:
    """What the page was asked: ``from`` and ``to`` as written, the zone, the grouping."""

    start: str
    end: str
    timezone: str = "UTC"
    group: str = "severity"
    within: str = "1h"


@dataclass
class Chart:
    """One chart's data for Chart.js (static/charts.js) and the same numbers as a table."""

    id: str
    title: str
    kind: str  # "line" or "bar"
    labels: list[str]
    series: list[dict[str, Any]]  # {"label": …, "data": [number or None, …]}
    y_title: str
    percent: bool = False
    horizontal: bool = False
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    def data(self) -> dict[str, Any]:
        """What charts.js reads (embedded as JSON, never as script)."""
        return {
            "type": self.kind,
            "labels": self.labels,
            "datasets": self.series,
            "yTitle": self.y_title,
            "percent": self.percent,
            "horizontal": self.horizontal,
        }


@dataclass
class Dashboard:
    """The page's sections, each a chart with its table, and the service-level sentences."""

    compliance: Chart
    service_level: Chart
    sentences: list[str]
    times: Chart
    trends: Chart
    causes: Chart
    weeks: list[str]


def default_period(now: int, timezone: str) -> tuple[str, str]:
    """The last 12 ISO weeks up to ``now``: Monday 11 weeks before this week's, to today."""
    try:
        today = _local_date(now, timezone)
    except SlaError as exc:
        raise InputError(exc.message, path=("timezone",)) from None
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS - 1)
    return monday.isoformat(), today.isoformat()


def _local_date(us: int, timezone: str) -> date:
    return datetime.fromtimestamp(us / 1e6, load_zone(timezone)).date()


def build_dashboard(tables: Tables, period: Period) -> Dashboard:
    """Every section of the reports page for ``period`` (errors name the parameter)."""
    if period.group not in GROUPS:
        raise InputError(f"group must be one of {', '.join(GROUPS)}", path=("group",))
    ask = _asker(tables, period)
    weekly = ask("compliance", f"week,{period.group}")
    query = _query("compliance", "week", period)
    weeks = _weeks(query.start, query.end, period.timezone)
    levels = ask("service-level", f"metric,{period.group}")
    overall = ask("service-level", "metric")
    return Dashboard(
        compliance=_compliance_chart(weekly, weeks, period.group),
        service_level=_service_level_chart(levels, period),
        sentences=[_sentence(row, period.within) for row in overall],
        times=_times_chart(ask("times", "metric")),
        trends=_trends_chart(ask("compliance", "week"), ask("escalations", "week"), weeks),
        causes=_causes_chart(ask("breach-causes", "")),
        weeks=weeks,
    )


def _query(name: str, by: str, period: Period) -> Any:
    return parse_query(name, by=by, start=period.start, end=period.end,
                       timezone=period.timezone, within=period.within, prefix="")  # fmt: skip


def _asker(tables: Tables, period: Period) -> Any:
    def ask(name: str, by: str) -> list[dict[str, Any]]:
        return run_report(name, tables, _query(name, by, period))[1]

    return ask


def _weeks(start: int | None, end: int | None, timezone: str) -> list[str]:
    """The ISO weeks from ``start`` to ``end`` (exclusive), as with_periods names them."""
    if start is None or end is None or end <= start:
        return []
    day, last = _local_date(start, timezone), _local_date(end - 1, timezone)
    day -= timedelta(days=day.weekday())
    weeks = []
    while day <= last:
        year, week, _ = day.isocalendar()
        weeks.append(f"{year}-W{week:02d}")
        day += timedelta(weeks=1)
    return weeks


def _name(value: object) -> str:
    return NONE if value is None else str(value)


def percent(value: float | None) -> float | None:
    """A ratio as a percentage for a chart (two decimals), None when undecided."""
    return None if value is None else round(value * 100, 2)


def percent_text(value: float | None) -> str:
    """A ratio as people read it in a table: ``83.3%``, or ``-`` when nothing is decided."""
    return "-" if value is None else f"{value * 100:.1f}%"


def _compliance_chart(rows: list[dict[str, Any]], weeks: list[str], group: str) -> Chart:
    groups = sorted({_name(row[group]) for row in rows})
    by_key = {(row["week"], _name(row[group])): row for row in rows}
    series = [
        {"label": name,
         "data": [percent(by_key[(w, name)]["compliance"]) if (w, name) in by_key else None
                  for w in weeks]}
        for name in groups
    ]  # fmt: skip
    table = [
        [row["week"], _name(row[group]), str(row["met"]), str(row["breached"]),
         percent_text(row["compliance"])]
        for row in rows if row["week"] is not None
    ]  # fmt: skip
    return Chart("chart-compliance", f"SLA compliance per week by {group}", "line", weeks,
                 series, "compliance (%)", percent=True,
                 columns=["Week", group.capitalize(), "Met", "Breached", "Compliance"],
                 rows=table)  # fmt: skip


def _service_level_chart(rows: list[dict[str, Any]], period: Period) -> Chart:
    groups = sorted({_name(row[period.group]) for row in rows})
    metrics = sorted({row["metric"] for row in rows})
    by_key = {(row["metric"], _name(row[period.group])): row for row in rows}
    series = [
        {"label": metric.replace("_", " "),
         "data": [percent(by_key[(metric, g)]["service_level"]) if (metric, g) in by_key
                  else None for g in groups]}
        for metric in metrics
    ]  # fmt: skip
    table = [
        [row["metric"].replace("_", " "), _name(row[period.group]), str(row["within"]),
         str(row["fulfilled"]), percent_text(row["service_level"])]
        for row in rows
    ]  # fmt: skip
    return Chart("chart-service-level", f"Share fulfilled within {period.within}, by "
                 f"{period.group}", "bar", groups, series, "within target time (%)",
                 percent=True, columns=["Metric", period.group.capitalize(), "Within",
                                        "Fulfilled", "Service level"], rows=table)  # fmt: skip


def _sentence(row: dict[str, Any], within: str) -> str:
    metric = row["metric"].replace("_", " ").capitalize()
    if row["service_level"] is None:
        return f"{metric}: nothing fulfilled in the period."
    return (f"{metric}: {percent_text(row['service_level'])} within {within} "
            f"({row['within']} of {row['fulfilled']} fulfilled).")  # fmt: skip


def _times_chart(rows: list[dict[str, Any]]) -> Chart:
    bands = [name for name, _ in TIME_BANDS]
    series = [
        {"label": row["metric"].replace("_", " "), "data": [row[band] for band in bands]}
        for row in rows
    ]
    table = [
        [row["metric"].replace("_", " "), str(row["count"]), _hours(row["median_seconds"]),
         _hours(row["p90_seconds"]), *(str(row[band]) for band in bands)]
        for row in rows
    ]  # fmt: skip
    return Chart("chart-times", "Business time to first response and to resolution", "bar",
                 [_BAND_LABELS[band] for band in bands], series, "clocks",
                 columns=["Metric", "Count", "Median", "90th percentile",
                          *(_BAND_LABELS[band] for band in bands)], rows=table)  # fmt: skip


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    return f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def _trends_chart(
    compliance: list[dict[str, Any]], escalations: list[dict[str, Any]], weeks: list[str]
) -> Chart:
    breached = {row["week"]: row for row in compliance}
    escalated = {row["week"]: row for row in escalations}
    series = [
        {"label": "breached clocks",
         "data": [breached[w]["breached"] if w in breached else 0 for w in weeks]},
        {"label": "escalated tickets",
         "data": [escalated[w]["escalated"] if w in escalated else 0 for w in weeks]},
    ]  # fmt: skip
    table = []
    for week in weeks:
        b, e = breached.get(week), escalated.get(week)
        table.append([
            week,
            str(b["breached"]) if b else "0",
            str(e["tickets"]) if e else "0",
            str(e["escalated"]) if e else "0",
            percent_text(e["escalation_rate"]) if e else "-",
            percent_text(e["breach_rate_escalated"]) if e else "-",
            percent_text(e["breach_rate_not_escalated"]) if e else "-",
        ])  # fmt: skip
    return Chart("chart-trends", "Breaches and escalations per week", "bar", weeks, series,
                 "count", columns=["Week", "Breached clocks", "Tickets", "Escalated",
                                   "Escalation rate", "Breach rate, escalated",
                                   "Breach rate, not escalated"], rows=table)  # fmt: skip


def _causes_chart(rows: list[dict[str, Any]]) -> Chart:
    labels = [f"{row['kind']}: {row['name']}" for row in rows]
    hours = [round(row["business_seconds"] / 3600, 2) for row in rows]
    table = [
        [row["kind"], row["name"], _hours(row["business_seconds"]), percent_text(row["share"])]
        for row in rows
    ]
    return Chart("chart-causes", "Where the budget of breached clocks went", "bar", labels,
                 [{"label": "business hours", "data": hours}], "business hours",
                 horizontal=True, columns=["Kind", "Name", "Business time", "Share of its kind"],
                 rows=table)  # fmt: skip
