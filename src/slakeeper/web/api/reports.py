"""GET /api/v1/reports/{name}: the reports of ``slakeeper report`` over the stored clocks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from slakeeper.core.errors import InputError
from slakeeper.services import reports
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
) -> Response:
    """A report's rows (docs/reports.md): JSON (a list of objects) or CSV."""
    output = reports.check_format(format, prefix="")
    if output == "table":
        raise InputError("a table is for the terminal: use json or csv", path=("format",))
    query = reports.parse_query(
        name, by=by, start=start, end=end, timezone=timezone, within=within, time=time, prefix=""
    )
    at = query_instant("now", now)
    at = clock.now() if at is None else at
    with database.read() as connection:
        tables = reports.tables_from_database(connection, at)
    columns, rows = reports.run_report(name, tables, query)
    if output == "csv":
        return Response(reports.render(columns, rows, "csv"), media_type="text/csv")
    return ExactJSONResponse(rows)
