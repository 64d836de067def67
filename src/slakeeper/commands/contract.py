"""``slakeeper report contract``: the contract report (docs/reports.md).

Called by :func:`slakeeper.cli.report_command` for the report named ``contract``; reads an
event file (``--events`` under ``--config``) or the database, and writes a Rich table,
JSON, CSV, one self-contained HTML file or a PDF to stdout or ``--output``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from slakeeper.core.errors import InputError

__all__ = ["print_contract", "run_contract", "write_output"]


def run_contract(
    *,
    config: Path | None,
    events: Path | None,
    now: int,
    accounts: list[str] | None,
    start: str | None,
    end: str | None,
    timezone: str,
    output: str,
    path: Path | None,
) -> None:
    """Build the contract report and write it in format ``output``."""
    from slakeeper.config import load_config
    from slakeeper.services import contract

    _check_output(output, path)
    if events is not None:
        if config is None:
            raise InputError("needed with --events", path=("--config",))
        report = contract.contract_report_from_file(
            events, load_config(config), now=now, accounts=accounts, start=start, end=end,
            timezone=timezone,
        )  # fmt: skip
        for line in report.diagnostics:
            typer.echo(line, err=True)
        if report.later:  # normal when reporting on the past: one line, not one per event
            typer.echo(f"note: {report.later} events after --now ignored", err=True)
    else:
        from slakeeper.commands.service import open_database

        database = open_database()
        try:
            report = contract.contract_report_from_database(
                database, now=now, accounts=accounts, start=start, end=end, timezone=timezone,
                config=load_config(config) if config is not None else None,
            )  # fmt: skip
        finally:
            database.dispose()
    if output == "table":
        print_contract(report, path)
        return
    write_output(_rendered(report, output), path)


def _check_output(output: str, path: Path | None) -> None:
    """A PDF goes to a file, or to stdout only when that is not a terminal."""
    if output == "pdf" and path is None and sys.stdout.isatty():
        raise InputError("a PDF is not written to a terminal: give a file", path=("--output",))


def _rendered(report: Any, output: str) -> bytes:
    from slakeeper.services import contract_documents as documents

    if output == "pdf":
        from slakeeper.services.contract_pdf import render_pdf

        return render_pdf(report)
    render = {"json": documents.render_json, "csv": documents.render_csv}
    return render.get(output, documents.render_html)(report).encode()


def write_output(content: bytes, path: Path | None) -> None:
    """Write ``content`` whole to ``path`` (replaced only once written), else to stdout."""
    if path is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(content)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(
            f"cannot write {path}: {exc.strerror or exc}", path=("--output",)
        ) from None


def print_contract(report: Any, path: Path | None = None) -> None:
    """The report as Rich tables: terms, compliance per metric, credits, breaches, pauses."""
    import io

    from rich.console import Console

    from slakeeper.services.contract_documents import report_document

    buffer = io.StringIO() if path is not None else None
    console = Console(width=160, file=buffer)
    for section in report_document(report)["accounts"]:
        for part in _section_tables(section):
            console.print(part)
    if buffer is not None:
        write_output(buffer.getvalue().encode(), path)


def _section_tables(section: dict[str, Any]) -> list[Any]:
    from rich.markup import escape
    from rich.table import Table

    from slakeeper.services.contract_documents import (
        minutes,
        money,
        percent,
        short_instant,
        verdict,
    )

    period, contract = section["period"], section["contract"]
    rows = "; ".join(
        f"below {percent(r['below'])}: {percent(r['credit'])}" for r in contract["credits"]
    )
    head = (
        f"[bold]{escape(section['name'])}[/bold] ({escape(section['account'])}, "
        f"tier {escape(section['tier'] or '-')}): "
        f"{period['first_day']} to {period['last_day']} in {period['timezone']}\n"
        f"commitment {percent(contract['commitment'])}, monthly fee "
        f"{money(contract['monthly_fee'])}, credit rows {rows or 'none'} (rows do not stack)"
    )
    metrics = Table("metric", "met", "breached", "running", "met %", "commitment", "result",
                    title="Compliance per metric")  # fmt: skip
    for row in [*section["metrics"], section["overall"] | {"metric": "all metrics"}]:
        metrics.add_row(row["metric"], str(row["met"]), str(row["breached"]), str(row["running"]),
                        percent(row["compliance"]), percent(contract["commitment"]),
                        verdict(row["meets_commitment"]))  # fmt: skip
    credits = Table("month", "met", "breached", "compliance", "result", "row applied", "share",
                    "amount", title="Service credits, month by month")  # fmt: skip
    for credit in section["credits"]:
        row = credit["row"]
        credits.add_row(
            credit["month"], str(credit["met"]), str(credit["breached"]),
            percent(credit["compliance"]), verdict(credit["meets_commitment"]),
            f"below {percent(row['below'])}: {percent(row['credit'])}" if row else "none",
            percent(credit["share"]), money(credit["amount"]),
        )  # fmt: skip
    credits.add_row("total", "", "", "", "", "", "", money(section["credit_total"]))
    breaches = Table("ticket", "severity", "metric", "cycle", "started", "due/breached",
                     "fulfilled", "target", "over target", title="Breaches")  # fmt: skip
    for row in section["breaches"]:
        breaches.add_row(
            row["ticket"], row["severity"] or "-", _metric(row), str(row["cycle"]),
            short_instant(row["started_at"]), short_instant(row["breached_at"]),
            short_instant(row["fulfilled_at"]) if row["fulfilled_at"] else "not yet",
            minutes(row["target_minutes"]), minutes(row["over_target_minutes"]),
        )  # fmt: skip
    paused = Table("ticket", "metric", "cycle", "clock", "paused", "by status",
                   title="Paused time (business)")  # fmt: skip
    for row in section["paused"]:
        statuses = ", ".join(f"{k} {minutes(v)}" for k, v in row["statuses"].items())
        paused.add_row(row["ticket"], _metric(row), str(row["cycle"]), row["status"],
                       minutes(row["paused_minutes"]), statuses)  # fmt: skip
    return [head, metrics, credits, breaches, paused]


def _metric(row: dict[str, Any]) -> str:
    return row["metric"] + (f"[{row['team']}]" if row["team"] else "")
