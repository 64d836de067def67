"""The contract report as JSON, CSV and one self-contained HTML file (docs/reports.md).

:func:`report_document` is the structured object every format is written from; the PDF
is written by services/contract_pdf.py from the same object.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict
from importlib import resources
from typing import Any

from slakeeper.analytics.contract import AccountSection, Count
from slakeeper.core.instants import format_instant, from_us
from slakeeper.core.zones import load_zone
from slakeeper.services.contract import ContractReport
from slakeeper.services.evaluations import dumps

__all__ = [
    "CSV_COLUMNS",
    "MEDIA_TYPES",
    "file_name",
    "minutes",
    "money",
    "percent",
    "render_csv",
    "render_html",
    "render_json",
    "report_document",
    "short_instant",
    "verdict",
]

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
CHART_JS = "chart-4.6.1.umd.min.js"  # vendored under web/static/vendor (MIT)


def report_document(report: ContractReport) -> dict[str, Any]:
    """The report as one JSON-ready object: ``{"now", "accounts": [section, …]}``."""
    return {"now": format_instant(report.now), "accounts": [_section(s) for s in report.sections]}


def _section(section: AccountSection) -> dict[str, Any]:
    account, period, contract = section.account, section.period, section.account.contract
    assert contract is not None
    overall = _counts(section.overall) | {"meets_commitment": section.passes(_c(section.overall))}
    return {
        "account": account.id,
        "name": account.name or account.id,
        "tier": account.tier,
        "period": {
            "from": format_instant(period.start),
            "to": format_instant(period.end),
            "timezone": period.timezone,
            "first_day": _local_day(period.start, period.timezone),
            "last_day": _local_day(period.end - 1, period.timezone),
            "months": list(period.months),
        },
        "contract": {
            "commitment": contract.commitment,
            "monthly_fee": contract.monthly_fee,
            "credits": [{"below": row.below, "credit": row.credit} for row in contract.credits],
        },
        "metrics": [
            {"metric": metric} | _counts(count) | {"meets_commitment": section.passes(_c(count))}
            for metric, count in section.metrics.items()
        ],
        "overall": overall,
        "credits": [_credit(section, credit) for credit in section.credits],
        "credit_total": section.credit_total,
        "weeks": [{"week": week} | _counts(count) for week, count in section.weeks.items()],
        "breaches": [_with_instants(asdict(row)) for row in section.breaches],
        "paused": [asdict(row) for row in section.paused],
        "clocks": [_with_instants(asdict(row)) for row in section.clocks],
    }


def _local_day(us: int, timezone: str) -> str:
    return from_us(us).astimezone(load_zone(timezone)).date().isoformat()


def _c(count: Count) -> float | None:
    return count.compliance


def _counts(count: Count) -> dict[str, Any]:
    return {
        "met": count.met,
        "breached": count.breached,
        "running": count.running,
        "compliance": count.compliance,
    }


def _credit(section: AccountSection, credit: Any) -> dict[str, Any]:
    contract = section.account.contract
    assert contract is not None
    row = None if credit.compliance is None else contract.credit_row(credit.compliance)
    return {
        "month": credit.period,
        "met": credit.met,
        "breached": credit.breached,
        "running": section.months[credit.period].running,
        "compliance": credit.compliance,
        "meets_commitment": section.passes(credit.compliance),
        "row": None if row is None else {"below": row.below, "credit": row.credit},
        "share": credit.share,
        "amount": credit.amount,
    }


def _with_instants(row: dict[str, Any]) -> dict[str, Any]:
    names = ("started_at", "due_at", "breached_at", "fulfilled_at")
    return {k: format_instant(v) if k in names and v is not None else v for k, v in row.items()}


def file_name(report: ContractReport, output: str) -> str:
    """A download's file name: ``contract-ACCOUNT[-ACCOUNT…]-MONTH[_MONTH].EXT`` (safe
    characters only)."""
    accounts = "-".join(section.account.id for section in report.sections)[:80]
    months = sorted({m for section in report.sections for m in section.period.months})
    span = months[0] if len(months) == 1 else f"{months[0]}_{months[-1]}" if months else ""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"contract-{accounts}-{span}")
    return f"{stem}.{output}"


def render_json(report: ContractReport) -> str:
    """The report object as one line of JSON."""
    return dumps(report_document(report)).decode() + "\n"


# ---- CSV ---------------------------------------------------------------------------------

CSV_COLUMNS = (
    "record", "account", "account_name", "month",
    "met", "breached", "running", "compliance", "commitment", "meets_commitment",
    "credit_below", "credit_share", "credit_amount",
    "ticket", "severity", "metric", "team", "cycle", "status",
    "started_at", "due_at", "fulfilled_at", "breached_at",
    "target_minutes", "elapsed_minutes", "over_target_minutes",
    "paused_minutes", "paused_statuses",
)  # fmt: skip


def render_csv(report: ContractReport) -> str:
    """One flat table: a ``month`` record per account and month (compliance and credit),
    then a ``clock`` record per clock of the account in the period (docs/reports.md)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for section in report_document(report)["accounts"]:
        head = {"account": section["account"], "account_name": section["name"]}
        commitment = section["contract"]["commitment"]
        for credit in section["credits"]:
            row = credit["row"] or {}
            writer.writerow(_cells(head | {
                "record": "month", "month": credit["month"], "met": credit["met"],
                "breached": credit["breached"], "running": credit["running"],
                "compliance": credit["compliance"], "commitment": commitment,
                "meets_commitment": credit["meets_commitment"], "credit_below": row.get("below"),
                "credit_share": credit["share"], "credit_amount": credit["amount"],
            }))  # fmt: skip
        for clock in section["clocks"]:
            statuses = ";".join(f"{k}={v:g}" for k, v in clock.pop("paused_statuses").items())
            writer.writerow(_cells(head | {"record": "clock"} | clock | {
                "paused_statuses": statuses}))  # fmt: skip
    return buffer.getvalue()


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    """Null as an empty cell; booleans as yes/no (what a spreadsheet reads as text)."""
    cells = {}
    for key, value in row.items():
        if value is None:
            value = ""
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        cells[key] = value
    return cells


# ---- HTML --------------------------------------------------------------------------------


def render_html(report: ContractReport) -> str:
    """One self-contained HTML file: styles, data and the vendored Chart.js inlined."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(
        loader=PackageLoader("slakeeper.services", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    environment.filters["percent"] = percent
    environment.filters["minutes"] = minutes
    environment.filters["money"] = money
    environment.filters["verdict"] = verdict
    environment.filters["instant"] = short_instant
    document = report_document(report)
    charts = [_chart_data(section) for section in document["accounts"]]
    chart_js = resources.files("slakeeper.web").joinpath("static", "vendor", CHART_JS).read_text()
    return environment.get_template("contract_report.html").render(
        report=document,
        charts=dumps(charts).decode().replace("</", "<\\/"),  # safe inside <script>
        chart_js=chart_js.replace("</script", "<\\/script"),
    )


def _chart_data(section: dict[str, Any]) -> dict[str, Any]:
    """What the two charts of a section draw: compliance per metric, per ISO week."""
    commitment = section["contract"]["commitment"]
    return {
        "commitment": commitment,
        "metrics": {
            "labels": [row["metric"] for row in section["metrics"]],
            "values": [_share(row["compliance"]) for row in section["metrics"]],
        },
        "weeks": {
            "labels": [row["week"] for row in section["weeks"]],
            "values": [_share(row["compliance"]) for row in section["weeks"]],
        },
    }


def _share(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 2)


def percent(value: float | None) -> str:
    """A share as a percentage to one decimal; ``-`` for none."""
    return "-" if value is None else f"{100 * value:.1f}%"


def minutes(value: float | None) -> str:
    """Minutes as ``1h 05m`` (rounded to the minute); ``-`` for none."""
    if value is None:
        return "-"
    hours, minutes = divmod(round(value), 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def money(value: float | None) -> str:
    """An amount with thousands separators and two decimals; ``-`` for none."""
    return "-" if value is None else f"{value:,.2f}"


def verdict(value: bool | None) -> str:
    """PASS, FAIL or n/a: a result said in words, never by colour alone."""
    return {True: "PASS", False: "FAIL", None: "n/a"}[value]


def short_instant(value: str | None) -> str:
    """``2026-03-02T17:00:05.25Z`` shown to the minute: ``2026-03-02 17:00Z`` (the HTML,
    PDF and table; JSON and CSV keep the exact instant)."""
    return "-" if value is None else f"{value[:10]} {value[11:16]}Z"
