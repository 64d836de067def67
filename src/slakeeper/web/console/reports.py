"""GET /reports (charts and tables over a period), the contract report's downloads, and
the what-if comparison of a proposed configuration (admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from slakeeper.core.errors import ConfigError, InputError
from slakeeper.services.config_summaries import problem_list
from slakeeper.services.configs import (
    configuration_of,
    current_number,
    get_version,
    validate_config,
)
from slakeeper.services.dashboards import (
    GROUPS,
    Period,
    build_dashboard,
    default_period,
    percent_text,
)
from slakeeper.services.histories import Window
from slakeeper.services.reports import parse_query, tables_from_database
from slakeeper.services.whatif import compare_stored
from slakeeper.store.session import Database
from slakeeper.web.console.pages import ConsoleUser, render, templates
from slakeeper.web.deps import ClockDep, DatabaseDep
from slakeeper.web.permissions import ADMIN

router = APIRouter(include_in_schema=False)

CONTRACT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
                  "csv": "text/csv; charset=utf-8"}  # fmt: skip
MAX_WHATIF_DAYS = 366  # a what-if replays history: the period bounds what it counts

templates.env.filters["pct"] = percent_text
templates.env.filters["pct_change"] = lambda v: "-" if v is None else f"{v * 100:+.1f} points"


@router.get("/reports")
def reports_page(
    request: Request,
    user: ConsoleUser,
    database: DatabaseDep,
    clock: ClockDep,
    start: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=64)] = None,
    timezone: Annotated[str, Query(max_length=64)] = "UTC",
    group: Annotated[str, Query(max_length=16)] = "severity",
    within: Annotated[str, Query(max_length=16)] = "1h",
) -> Response:
    """Compliance, service level, times, trends and breach causes over a period."""
    now = clock.now()
    first, last = default_period(now, timezone)
    period = Period(start or first, end or last, timezone, group, within)
    with database.read() as connection:
        tables = tables_from_database(connection, now)
        accounts = _accounts(connection)
    dashboard = build_dashboard(tables, period)
    context = {
        "title": "Reports",
        "period": period,
        "groups": GROUPS,
        "board": dashboard,
        "accounts": accounts,
        "can_whatif": user is not None and user.role in ADMIN,
    }
    return render(request, "reports.html", context)


def _accounts(connection: Connection) -> list[tuple[str, str]]:
    """The accounts of the configuration in force (id, name) for the contract form."""
    config = configuration_of(connection, current_number(connection))
    return [(a.id, a.name or a.id) for a in sorted(config.accounts.values(), key=lambda a: a.id)]


def contract_download(
    database: Database, *, account: str, start: str, end: str, timezone: str, fmt: str,
    now: int,
) -> tuple[bytes | str, str]:  # fmt: skip
    """An account's contract report (services/contract.py) in ``fmt``: the content and the
    file name. Errors name the query parameter (``account``, ``from``, ``to``, ...)."""
    from slakeeper.services import contract, contract_documents

    report = contract.contract_report_from_database(
        database, now=now, accounts=account, start=start, end=end, timezone=timezone, prefix=""
    )
    if fmt == "pdf":
        from slakeeper.services.contract_pdf import render_pdf

        body: bytes | str = render_pdf(report)
    elif fmt == "html":
        body = contract_documents.render_html(report)
    else:
        body = contract_documents.render_csv(report)
    return body, contract_documents.file_name(report, fmt)


@router.get("/reports/contract.{fmt}")
async def contract_file(
    request: Request,
    fmt: str,
    _user: ConsoleUser,
    database: DatabaseDep,
    clock: ClockDep,
    account: Annotated[str, Query(min_length=1, max_length=200)],
    start: Annotated[str, Query(alias="from", max_length=64)],
    end: Annotated[str, Query(alias="to", max_length=64)],
    timezone: Annotated[str, Query(max_length=64)] = "UTC",
) -> Response:
    """An account's contract report as a download (HTML, PDF or CSV)."""
    if fmt not in CONTRACT_TYPES:
        raise InputError(f"format must be html, pdf or csv, not {fmt!r}", path=("format",))
    body, name = await run_in_threadpool(
        contract_download, database, account=account, start=start, end=end,
        timezone=timezone, fmt=fmt, now=clock.now(),
    )  # fmt: skip
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=CONTRACT_TYPES[fmt], headers=disposition)


@router.get("/reports/whatif")
def whatif_page(request: Request, _user: ConsoleUser, database: DatabaseDep, clock: ClockDep
                ) -> Response:  # fmt: skip
    """The what-if form, filled with the configuration in force and the last 12 weeks."""
    first, last = default_period(clock.now(), "UTC")
    with database.read() as connection:
        number = current_number(connection)
        text = "" if number is None else get_version(connection, number).text
    form = {"proposed": text, "from": first, "to": last, "timezone": "UTC"}
    return render(request, "whatif.html", _whatif_context(form))


def _whatif_context(form: dict[str, str], **more: Any) -> dict[str, Any]:
    return {"title": "What-if", "form": form, "problems": [], "comparison": None} | more


@router.post("/reports/whatif")
async def whatif_compare(
    request: Request, _user: ConsoleUser, database: DatabaseDep, clock: ClockDep
) -> Response:
    """Validate the proposal, then replay the stored history under both configurations."""
    form = await request.form()
    fields = {key: _field(form.get(key)) for key in ("proposed", "from", "to", "timezone")}
    fields["timezone"] = fields["timezone"] or "UTC"
    upload = form.get("upload")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            fields["proposed"] = (await upload.read()).decode("utf-8")
        except UnicodeDecodeError:
            problems = problem_list(ConfigError([f"{upload.filename}: not UTF-8 text"]))
            context = _whatif_context(fields, problems=problems)
            return render(request, "whatif.html", context, status=422)
    window = _window(fields["from"], fields["to"], fields["timezone"])
    try:
        proposed = await run_in_threadpool(_validated, fields["proposed"])
    except ConfigError as exc:
        context = _whatif_context(fields, problems=problem_list(exc))
        return render(request, "whatif.html", context, status=422)
    comparison, done = await run_in_threadpool(
        compare_stored, database, proposed, clock.now(), window
    )
    context = _whatif_context(fields, comparison=comparison, notes=done.diagnostics[:20])
    return render(request, "whatif.html", context)


def _field(value: object) -> str:
    return value if isinstance(value, str) else ""


def _validated(text: str) -> Any:
    return validate_config(text, "proposed")[0]


def _window(start: str, end: str, timezone: str) -> Window:
    """The what-if's period: both bounds required, at most MAX_WHATIF_DAYS long."""
    for name, value in (("from", start), ("to", end)):
        if not value:
            raise InputError("a what-if needs a period: give a date", path=(name,))
    query = parse_query("compliance", start=start, end=end, timezone=timezone, prefix="")
    assert query.start is not None and query.end is not None
    if query.end <= query.start:
        raise InputError("must be after from", path=("to",))
    if query.end - query.start > MAX_WHATIF_DAYS * 86_400_000_000:
        raise InputError(f"a what-if covers at most {MAX_WHATIF_DAYS} days", path=("to",))
    return Window(query.start, query.end, timezone)
