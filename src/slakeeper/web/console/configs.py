"""GET /config (the configuration in force, described), its versions and diffs; admins
validate, save a new version, and start an audited recompute."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

from slakeeper.core.errors import ConfigError, InputError
from slakeeper.core.zones import load_zone, local_to_utc_us
from slakeeper.services.config_summaries import describe_version, problem_list, version_diff
from slakeeper.services.configs import current_number, list_versions, store_config, validate_config
from slakeeper.services.recompute import RecomputeSelection, recompute
from slakeeper.services.users import User
from slakeeper.store.session import Database
from slakeeper.web.console.pages import ConsoleUser, redirect, render
from slakeeper.web.deps import ClockDep, DatabaseDep
from slakeeper.web.permissions import ADMIN

router = APIRouter(include_in_schema=False)

ConfigText = Annotated[str, Form(max_length=2_000_000)]
_US_PER_DAY = 86_400_000_000


def _page(
    request: Request, user: User | None, database: Database, now: int, *, status: int = 200,
    **more: Any,
) -> Response:  # fmt: skip
    """The /config page: the version in force described, and the admin's forms."""
    year = datetime.fromtimestamp(now / 1e6, load_zone("UTC")).year
    with database.read() as connection:
        number = current_number(connection)
        view = None if number is None else describe_version(connection, number, (year, year + 1))
    context = {
        "title": "Configuration",
        "view": view,
        "years": (year, year + 1),
        "is_admin": user is not None and user.role in ADMIN,
        "text": view.row.text if view is not None else "",
        "problems": [],
        "valid": False,
        "result": None,
    }
    return render(request, "config.html", context | more, status=status)


@router.get("/config")
def config_page(request: Request, user: ConsoleUser, database: DatabaseDep, clock: ClockDep
                ) -> Response:  # fmt: skip
    """Calendars as week grids, policies as target matrices, escalation paths as steps."""
    return _page(request, user, database, clock.now())


@router.post("/config/validate")
def validate(
    request: Request, user: ConsoleUser, database: DatabaseDep, clock: ClockDep, text: ConfigText
) -> Response:
    """Check the text as ``slakeeper check`` would; the problems next to the field."""
    try:
        validate_config(text)
    except ConfigError as exc:
        return _page(request, user, database, clock.now(), status=422, text=text,
                     problems=problem_list(exc))  # fmt: skip
    return _page(request, user, database, clock.now(), text=text, valid=True)


@router.post("/config")
def save(
    request: Request, user: ConsoleUser, database: DatabaseDep, clock: ClockDep, text: ConfigText
) -> Response:
    """Store the text as a new version (audited, the admin as author), then show its diff."""
    assert user is not None
    try:
        with database.write() as connection:
            stored = store_config(connection, text=text, author=f"user:{user.name}",
                                  now=clock.now())  # fmt: skip
    except ConfigError as exc:
        return _page(request, user, database, clock.now(), status=422, text=text,
                     problems=problem_list(exc))  # fmt: skip
    suffix = "?saved=1" if stored.created else "?unchanged=1"
    return redirect(request, f"/config/versions/{stored.number}{suffix}")


@router.post("/config/recompute")
def start_recompute(
    request: Request,
    user: ConsoleUser,
    database: DatabaseDep,
    clock: ClockDep,
    scope: Annotated[str, Form(pattern="^(open|since)$")] = "open",
    since: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Re-evaluate open tickets, or those created since a date, under the newest version."""
    assert user is not None
    selection = RecomputeSelection(open_only=True)
    if scope == "since":
        selection = RecomputeSelection(created_since=_date_start(since))
    now = clock.now()
    result = recompute(database, selection, actor=f"user:{user.name}", now=now)
    return _page(request, user, database, now, result=result, scope=scope, since=since)


def _date_start(text: str) -> int:
    """Midnight UTC of a ``YYYY-MM-DD`` date (the field ``since``)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(f"invalid date {text!r} (expected YYYY-MM-DD)", path=("since",)) from None
    return local_to_utc_us(load_zone("UTC"), (day - date(1970, 1, 1)).days * _US_PER_DAY)


@router.get("/config/versions")
def versions_page(
    request: Request,
    _user: ConsoleUser,
    database: DatabaseDep,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Versions newest first: number, author, time; 50 to a page."""
    with database.read() as connection:
        rows = list_versions(connection, before=before, limit=51)
    more = rows[49].number if len(rows) > 50 else None
    context = {"title": "Configuration versions", "rows": rows[:50], "older": more}
    return render(request, "config_versions.html", context)


@router.get("/config/versions/{number}")
def version_page(
    request: Request,
    number: Annotated[int, Path(ge=1, le=2**31 - 1)],
    _user: ConsoleUser,
    database: DatabaseDep,
    saved: Annotated[str | None, Query(max_length=1)] = None,
    unchanged: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    """One version: who stored it and when, and its diff against the version before."""
    with database.read() as connection:
        row, lines = version_diff(connection, number)
    context = {"title": f"Configuration version {number}", "row": row, "lines": lines,
               "saved": bool(saved), "unchanged": bool(unchanged)}  # fmt: skip
    return render(request, "config_version.html", context)
