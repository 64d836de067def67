"""The contract report as a PDF (ReportLab: platypus tables, reportlab.graphics charts).

Written from the same object as the JSON and HTML (services/contract_documents.py); the
charts are ReportLab's own vector bar and line charts, one page section per account.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from slakeeper.services.contract import ContractReport
from slakeeper.services.contract_documents import (
    minutes,
    money,
    percent,
    report_document,
    short_instant,
    verdict,
)

__all__ = ["render_pdf"]

_INK = colors.HexColor("#1d2433")
_MUTED = colors.HexColor("#5b6475")
_BAND = colors.HexColor("#f4f6fa")
_LINE = colors.HexColor("#d8dde6")
_BLUE = colors.HexColor("#3b6fb6")
_RED = colors.HexColor("#a3261f")
_GREEN = colors.HexColor("#1b6e3a")
_WIDTH = A4[0] - 30 * mm
_HEADROOM = 35 * mm  # a heading with less room than this below it starts a new page


def render_pdf(report: ContractReport) -> bytes:
    """The report as PDF bytes: one section per account, starting on a new page."""
    buffer = io.BytesIO()
    content = report_document(report)
    names = [section["name"] for section in content["accounts"]]
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title="Contract report: " + ", ".join(names),
        author="slakeeper",
        invariant=True,  # the same report gives the same bytes
    )
    styles = _styles()
    story: list[Any] = []
    for index, section in enumerate(content["accounts"]):
        if index:
            story.append(PageBreak())
        story += _section(section, content["now"], styles)
    document.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()


def _styles() -> dict[str, ParagraphStyle]:
    sample = getSampleStyleSheet()
    base = ParagraphStyle("base", parent=sample["BodyText"], fontSize=9, leading=12)
    return {
        "title": ParagraphStyle("title", parent=sample["Title"], alignment=0, fontSize=18),
        "h2": ParagraphStyle("h2", parent=sample["Heading2"], fontSize=12, spaceBefore=10),
        "body": base,
        "muted": ParagraphStyle("muted", parent=base, textColor=_MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
    }


def _footer(canvas: Any, document: Any) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 7)
    canvas.setFillColor(_MUTED)
    canvas.drawString(15 * mm, 8 * mm, "Contract report - slakeeper")
    canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"page {document.page}")
    canvas.restoreState()


def _section(section: dict[str, Any], now: str, styles: dict[str, ParagraphStyle]) -> list[Any]:
    period, contract = section["period"], section["contract"]
    tier = f", tier {section['tier']}" if section["tier"] else ""
    story: list[Any] = [
        Paragraph(f"Contract report: {_x(section['name'])}", styles["title"]),
        Paragraph(
            f"Account {_x(section['account'])}{_x(tier)}. Period {period['first_day']} to "
            f"{period['last_day']} in {period['timezone']} (clocks that started in it). "
            f"Clocks judged at {short_instant(now)} (UTC).",
            styles["muted"],
        ),
        Spacer(1, 4 * mm),
        _summary(section),
        CondPageBreak(_HEADROOM),
        Paragraph("Contract terms", styles["h2"]),
        _terms(contract, styles),
        CondPageBreak(_HEADROOM),
        Paragraph("Compliance per metric", styles["h2"]),
        _metrics(section),
        Spacer(1, 3 * mm),
        _charts(section, styles),
        CondPageBreak(_HEADROOM),
        Paragraph("Service credits, month by month", styles["h2"]),
        _credits(section),
        CondPageBreak(_HEADROOM),
        Paragraph(f"Breaches ({len(section['breaches'])})", styles["h2"]),
        _breaches(section, styles),
        CondPageBreak(_HEADROOM),
        Paragraph(f"Paused time ({len(section['paused'])} clocks)", styles["h2"]),
        _paused(section, styles),
        Spacer(1, 4 * mm),
        Paragraph(
            "Met % = met / (met + breached); running and paused clocks are not decided yet; "
            "cancelled clocks are not counted. Over target: business minutes past the target "
            "at fulfilment, else at the report's instant. Credit rows do not stack: the lowest "
            "row the month's compliance is under applies.",
            styles["muted"],
        ),
    ]
    return story


def _x(text: str) -> str:
    """Text escaped for a ReportLab paragraph (its markup is XML-like)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(rows: list[list[Any]], widths: list[float], *, numeric: int = 0, foot: bool = False,
           verdicts: tuple[int, ...] = ()) -> Table:  # fmt: skip
    """A table with a banded header; columns from ``numeric`` on align right, except
    the ``verdicts`` columns (PASS/FAIL in bold, coloured as well as written)."""
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("BACKGROUND", (0, 0), (-1, 0), _BAND),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, _LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TEXTCOLOR", (0, 0), (-1, -1), _INK),
    ]
    if numeric:
        style.append(("ALIGN", (numeric, 0), (-1, -1), "RIGHT"))
    if foot:
        style += [("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8),
                  ("LINEABOVE", (0, -1), (-1, -1), 1, _INK)]  # fmt: skip
    for column in verdicts:
        style.append(("ALIGN", (column, 0), (column, -1), "LEFT"))
        for row, cells in enumerate(rows[1:], start=1):
            colour = {"PASS": _GREEN, "FAIL": _RED}.get(cells[column], _MUTED)
            style += [("TEXTCOLOR", (column, row), (column, row), colour),
                      ("FONT", (column, row), (column, row), "Helvetica-Bold", 8)]  # fmt: skip
    table.setStyle(TableStyle(style))
    return table


def _summary(section: dict[str, Any]) -> Table:
    overall, contract = section["overall"], section["contract"]
    decided = overall["met"] + overall["breached"]
    cells = [
        ["Compliance (all metrics)", "Met / decided", "Breaches", "Service credit"],
        [
            f"{percent(overall['compliance'])}  {verdict(overall['meets_commitment'])}",
            f"{overall['met']} / {decided}",
            str(len(section["breaches"])),
            money(section["credit_total"]),
        ],
        [
            f"vs {percent(contract['commitment'])} committed",
            f"{overall['running']} still running",
            "",
            f"of {money(contract['monthly_fee'])} a month",
        ],
    ]
    table = Table(cells, colWidths=[_WIDTH / 4] * 4)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica", 7),
        ("TEXTCOLOR", (0, 0), (-1, 0), _MUTED),
        ("FONT", (0, 1), (-1, 1), "Helvetica-Bold", 14),
        ("LEADING", (0, 1), (-1, 1), 17),
        ("FONT", (0, 2), (-1, 2), "Helvetica", 7),
        ("TEXTCOLOR", (0, 2), (-1, 2), _MUTED),
        ("BACKGROUND", (0, 0), (-1, -1), _BAND),
        ("BOX", (0, 0), (-1, -1), 0.5, _LINE),
        ("LINEAFTER", (0, 0), (-2, -1), 0.5, _LINE),
    ]))  # fmt: skip
    return table


def _terms(contract: dict[str, Any], styles: dict[str, ParagraphStyle]) -> Table:
    rows = "; ".join(
        f"below {percent(row['below'])}: {percent(row['credit'])} of the fee"
        for row in contract["credits"]
    )
    cells = [
        ["Committed compliance", f"{percent(contract['commitment'])} of decided clocks met, "
                                 "all metrics pooled"],
        ["Monthly fee", money(contract["monthly_fee"])],
        ["Credit rows", Paragraph((rows or "none") + " (rows do not stack)", styles["cell"])],
    ]  # fmt: skip
    table = Table(cells, colWidths=[40 * mm, _WIDTH - 40 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("TEXTCOLOR", (0, 0), (0, -1), _MUTED),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))  # fmt: skip
    return table


def _metrics(section: dict[str, Any]) -> Table:
    commitment = percent(section["contract"]["commitment"])
    rows = [["Metric", "Met", "Breached", "Running", "Met %", "Commitment", "Result"]]
    for row in [*section["metrics"], section["overall"] | {"metric": "All metrics"}]:
        rows.append([
            row["metric"], row["met"], row["breached"], row["running"],
            percent(row["compliance"]), commitment, verdict(row["meets_commitment"]),
        ])  # fmt: skip
    widths = [50 * mm] + [(_WIDTH - 50 * mm) / 6] * 6
    return _table(rows, widths, numeric=1, foot=True, verdicts=(6,))


def _credits(section: dict[str, Any]) -> Table:
    rows = [["Month", "Met", "Breached", "Compliance", "Result", "Row applied", "Share", "Amount"]]
    for credit in section["credits"]:
        row = credit["row"]
        applied = f"below {percent(row['below'])}: {percent(row['credit'])}" if row else "none"
        rows.append([
            credit["month"], credit["met"], credit["breached"], percent(credit["compliance"]),
            verdict(credit["meets_commitment"]), applied, percent(credit["share"]),
            money(credit["amount"]),
        ])  # fmt: skip
    rows.append(["Total credit owed", "", "", "", "", "", "", money(section["credit_total"])])
    widths = [34 * mm, 14 * mm, 18 * mm, 22 * mm, 16 * mm, 36 * mm, 16 * mm]
    widths.append(_WIDTH - sum(widths))
    table = _table(rows, widths, numeric=1, foot=True, verdicts=(4,))
    table.setStyle(TableStyle([("ALIGN", (5, 0), (5, -1), "LEFT")]))
    return table


def _breaches(section: dict[str, Any], styles: dict[str, ParagraphStyle]) -> Any:
    if not section["breaches"]:
        return Paragraph("No breach in the period.", styles["muted"])
    rows = [["Ticket", "Sev.", "Metric", "Cycle", "Started", "Due / breached", "Fulfilled",
             "Target", "Over target"]]  # fmt: skip
    for row in section["breaches"]:
        metric = row["metric"] + (f" [{row['team']}]" if row["team"] else "")
        fulfilled = short_instant(row["fulfilled_at"]) if row["fulfilled_at"] else "not yet"
        rows.append([
            Paragraph(_x(row["ticket"]), styles["cell"]), row["severity"] or "-", metric,
            row["cycle"], short_instant(row["started_at"]), short_instant(row["breached_at"]),
            fulfilled,
            minutes(row["target_minutes"]), minutes(row["over_target_minutes"]),
        ])  # fmt: skip
    widths = [20 * mm, 10 * mm, 26 * mm, 10 * mm, 27 * mm, 27 * mm, 27 * mm, 15 * mm]
    widths.append(_WIDTH - sum(widths))
    table = _table(rows, widths)
    table.setStyle(TableStyle([("ALIGN", (7, 0), (-1, -1), "RIGHT"),
                               ("ALIGN", (3, 0), (3, -1), "RIGHT")]))  # fmt: skip
    return table


def _paused(section: dict[str, Any], styles: dict[str, ParagraphStyle]) -> Any:
    if not section["paused"]:
        return Paragraph("No clock was paused.", styles["muted"])
    rows = [["Ticket", "Metric", "Cycle", "Clock", "Paused (business)", "Paused by status"]]
    for row in section["paused"]:
        statuses = ", ".join(f"{k} {minutes(v)}" for k, v in row["statuses"].items())
        metric = row["metric"] + (f" [{row['team']}]" if row["team"] else "")
        rows.append([
            Paragraph(_x(row["ticket"]), styles["cell"]), metric, row["cycle"], row["status"],
            minutes(row["paused_minutes"]), Paragraph(_x(statuses), styles["cell"]),
        ])  # fmt: skip
    widths = [24 * mm, 32 * mm, 14 * mm, 20 * mm, 30 * mm]
    widths.append(_WIDTH - sum(widths))
    table = _table(rows, widths)
    table.setStyle(TableStyle([("ALIGN", (2, 0), (2, -1), "RIGHT"),
                               ("ALIGN", (4, 0), (4, -1), "RIGHT")]))  # fmt: skip
    return table


def _charts(section: dict[str, Any], styles: dict[str, ParagraphStyle]) -> Any:
    """The two charts; a line saying why there are none when no clock started."""
    if not section["metrics"]:
        return Paragraph("No clock started in the period: nothing to chart.", styles["muted"])
    return KeepTogether([_metric_chart(section), Spacer(1, 2 * mm), _week_chart(section)])


def _values(rows: list[dict[str, Any]]) -> list[float | None]:
    return [None if r["compliance"] is None else 100 * r["compliance"] for r in rows]


def _metric_chart(section: dict[str, Any]) -> Drawing:
    """Met % per metric beside the commitment, as grouped bars (ReportLab's bar chart)."""
    commitment = section["contract"]["commitment"]
    rows = section["metrics"]
    data = [[value or 0.0 for value in _values(rows)]]
    if commitment is not None:
        data.append([100 * commitment] * len(rows))
    drawing = Drawing(_WIDTH, 54 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 18 * mm, 7 * mm, _WIDTH - 70 * mm, 36 * mm
    chart.data = data
    chart.categoryAxis.categoryNames = [row["metric"] for row in rows]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.bars[0].fillColor = _BLUE
    if len(data) > 1:
        chart.bars[1].fillColor = colors.HexColor("#e8b4b0")
        chart.bars[1].strokeColor = _RED
    chart.barLabelFormat = "%.1f%%"
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontSize = 7
    drawing.add(chart)
    drawing.add(String(18 * mm, 50 * mm, "Met % per metric", fontName="Helvetica-Bold",
                       fontSize=9))  # fmt: skip
    names = ["Met %"] + ([f"Commitment {percent(commitment)}"] if commitment is not None else [])
    drawing.add(_legend(_WIDTH - 48 * mm, 36 * mm, [_BLUE, colors.HexColor("#e8b4b0")], names))
    return drawing


def _week_chart(section: dict[str, Any]) -> Drawing:
    """Met % per ISO week against the commitment (ReportLab's line chart)."""
    commitment = section["contract"]["commitment"]
    rows = section["weeks"]
    values = _values(rows)
    data: list[list[float | None]] = [values]
    if commitment is not None:
        data.append([100 * commitment] * len(rows))
    drawing = Drawing(_WIDTH, 54 * mm)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 18 * mm, 7 * mm, _WIDTH - 70 * mm, 36 * mm
    chart.data = data
    chart.categoryAxis.categoryNames = [row["week"] for row in rows]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.lines[0].strokeColor = _BLUE
    chart.lines[0].strokeWidth = 2
    chart.joinedLines = True
    from reportlab.graphics.widgets.markers import makeMarker

    chart.lines[0].symbol = makeMarker("FilledCircle", size=4, fillColor=_BLUE)
    if len(data) > 1:
        chart.lines[1].strokeColor = _RED
        chart.lines[1].strokeDashArray = [4, 3]
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontSize = 7
    drawing.add(chart)
    drawing.add(String(18 * mm, 50 * mm, "Met % per week (ISO)", fontName="Helvetica-Bold",
                       fontSize=9))  # fmt: skip
    names = ["Met %"] + ([f"Commitment {percent(commitment)}"] if commitment is not None else [])
    drawing.add(_legend(_WIDTH - 48 * mm, 36 * mm, [_BLUE, _RED], names))
    return drawing


def _legend(x: float, y: float, swatches: list[Any], names: list[str]) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontSize = 8
    legend.alignment = "right"
    legend.colorNamePairs = list(zip(swatches, names, strict=False))
    return legend
