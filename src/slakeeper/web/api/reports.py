"""GET /api/v1/reports/{name}: the reports of ``slakeeper report`` over the stored clocks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from slakeeper.core.errors import InputError
from slakeeper.services import reports
from slakeeper.store.session import Database
from slakeeper.web.deps import ClockDep, DatabaseDep
from slakeeper.web.schemas import ExactJSONResponse, query_instant

router = APIRouter(prefix="/api/v1", tags=["reports"])

Text = Annotated[str | None, Query(max_length=200)]


@router.get("/reports/{name}")
def get_report(
    name: str,
    database: DatabaseDep,
    clock: ClockDep,
    by: Text = None,
    start: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=64)] = None,
    timezone: Annotated[str, Query(max_length=64)] = "UTC",
    now: Annotated[str | None, Query(max_length=64)] = None,
    within: Annotated[str | None, Query(max_length=32)] = None,
    time: Annotated[str, Query(max_length=16)] = "business",
    format: Annotated[str, Query(max_length=16)] = "json",
    account: Annotated[list[str] | None, Query(max_length=200)] = None,
) -> Response:
    """A report's rows (docs/reports.md): JSON (a list of objects) or CSV; the contract
    report as JSON, CSV, HTML or PDF."""
    reports.check_name(name)
    output = reports.check_format(format, prefix="", name=name)
    if output == "table":
        raise InputError("a table is for the terminal: use json or csv", path=("format",))
    if name in reports.DOCUMENTS:
        at = query_instant("now", now)
        return _contract(
            database, clock.now() if at is None else at, account, start, end, timezone, output
        )
    if account:
        raise InputError("only the contract report takes accounts", path=("account",))
    query = reports.parse_query(
        name, by=by, start=start, end=end, timezone=timezone, within=within, time=time, prefix=""
    )
    at = query_instant("now", now)
    at = clock.now() if at is None else at
    with database.read() as connection:
        tables = reports.tables_from_database(connection, at, name, query)
    columns, rows = reports.run_report(name, tables, query)
    if output == "csv":
        return Response(reports.render(columns, rows, "csv"), media_type="text/csv")
    return ExactJSONResponse(rows)


def _contract(
    database: Database,
    now: int,
    accounts: list[str] | None,
    start: str | None,
    end: str | None,
    timezone: str,
    output: str,
) -> Response:
    """The contract report in ``output``; CSV, HTML and PDF as downloads with a file name."""
    from slakeeper.services import contract, contract_documents

    report = contract.contract_report_from_database(
        database, now=now, accounts=accounts, start=start, end=end, timezone=timezone, prefix=""
    )
    if output == "json":
        return ExactJSONResponse(contract_documents.report_document(report))
    if output == "pdf":
        from slakeeper.services.contract_pdf import render_pdf

        content = render_pdf(report)
    else:
        render = {"csv": contract_documents.render_csv, "html": contract_documents.render_html}
        content = render[output](report).encode()
    name = contract_documents.file_name(report, output)
    return Response(
        content,
        media_type=contract_documents.MEDIA_TYPES[output],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
