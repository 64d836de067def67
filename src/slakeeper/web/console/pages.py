"""What every console page shares: the templates, the signed-in user (checked against
web/permissions.py), CSRF on every POST, and the answers for refused requests.

A signed-out visitor is sent to ``/login?next=…``; a role the route does not accept gets
a 403 page that says so; a POST without its CSRF token gets a 403 page too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from slakeeper.core.instants import format_instant
from slakeeper.services.tokens import Role
from slakeeper.services.users import User, session_user
from slakeeper.store.session import Database
from slakeeper.web.console.sessions import (
    Session,
    csrf_token,
    is_csrf_valid,
    load_session,
    new_session,
    write_session,
)
from slakeeper.web.permissions import OPEN, READERS, ROUTE_ROLES

__all__ = [
    "NAV",
    "STATIC",
    "ConsoleUser",
    "Refused",
    "install_console_handlers",
    "render",
    "templates",
]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"
templates = Jinja2Templates(directory=TEMPLATES)
templates.env.auto_reload = False  # templates are part of the package: no stat per render


def duration_text(us: int | None) -> str:
    """A duration as people read it: ``2d 4h``, ``1h 05m``, ``12m 30s``, ``45s``."""
    if us is None:
        return "-"
    seconds = abs(us) // 1_000_000
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def when_text(us: int | None) -> str:
    """An instant for people: UTC to the second (``2026-01-05 04:17:20Z``)."""
    return "-" if us is None else format_instant(us - us % 1_000_000).replace("T", " ")


def field_text(value: object) -> str:
    """A ticket field's value as text: strings as they are, anything else as JSON."""
    if value is None:
        return "-"
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _with_cursor(query: dict[str, str], cursor: str | None) -> dict[str, str]:
    return query | ({"cursor": cursor} if cursor else {})


templates.env.filters["instant"] = lambda us: "" if us is None else format_instant(us)
templates.env.filters["duration"] = duration_text
templates.env.filters["when"] = when_text
templates.env.filters["field"] = field_text
templates.env.filters["metric_label"] = lambda metric: str(metric).replace("_", " ").capitalize()
templates.env.filters["combine_cursor"] = _with_cursor

# Strict: scripts and styles only from /static (no inline code), no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class NavItem:
    """A link of the navigation bar, shown to the roles that may open it."""

    path: str
    label: str
    roles: frozenset[Role]


def _nav() -> tuple[NavItem, ...]:
    # One entry per page, in the order of the navigation bar.
    pages = (
        ("/", "Queue"),
        ("/risk", "At risk"),
        ("/accounts", "Accounts"),
        ("/alerts", "Alerts"),
        ("/reports", "Reports"),
        ("/config", "Config"),
        ("/deliveries", "Deliveries"),
        ("/users", "Users"),
    )
    items = []
    for path, label in pages:
        rule = ROUTE_ROLES[("GET", path)]
        items.append(NavItem(path, label, rule if isinstance(rule, frozenset) else READERS))
    return tuple(items)


NAV = _nav()


class Refused(Exception):
    """A console request refused: ``status`` 303 (sign in first) or 403 (with a reason)."""

    def __init__(self, status: int, message: str, *, next_url: str = "/") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.next_url = next_url


def _lookup(database: Database, session: Session) -> User | None:
    if session.user_id is None:
        return None
    with database.lookup() as connection:
        return session_user(connection, session.user_id, session.epoch)


async def console_user(request: Request) -> User | None:
    """The signed-in user, checked against the route's roles (and CSRF on a POST)."""
    route = request.scope.get("route")
    rule = ROUTE_ROLES.get((request.method, getattr(route, "path", "")))
    if rule is None:  # a route missing from the table is closed, never open by mistake
        raise Refused(403, "This page is open to no role.")
    session = load_session(request)
    request.state.session = session or new_session()
    request.state.session_is_new = session is None
    if request.method not in ("GET", "HEAD"):
        form = await request.form()
        sent = form.get("csrf_token") or request.headers.get("x-csrf-token")
        if not is_csrf_valid(request, session, sent if isinstance(sent, str) else None):
            raise Refused(403, "The form was refused: its CSRF token is missing or stale. "
                          "Reload the page and try again.")  # fmt: skip
    user = await _user_of(request, request.state.session)
    request.state.user = user
    if rule == OPEN:
        return user
    if user is None:
        raise Refused(303, "Sign in first.", next_url=_here(request))
    if not isinstance(rule, frozenset) or user.role not in rule:
        raise Refused(403, f"Your role ({user.role.value}) may not open this page.")
    return user


async def _user_of(request: Request, session: Session) -> User | None:
    database: Database = request.app.state.database
    if database.is_sqlite:  # one indexed read of a local file: cheaper than a thread hop
        return _lookup(database, session)
    return await run_in_threadpool(_lookup, database, session)


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


ConsoleUser = Annotated[User | None, Depends(console_user)]


def render(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """A page: the template with the user, CSRF token and navigation; the cookie when new."""
    session: Session = getattr(request.state, "session", None) or new_session()
    user: User | None = getattr(request.state, "user", None)
    base = {
        "user": user,
        "csrf_token": csrf_token(request, session),
        "nav": [item for item in NAV if user is not None and user.role in item.roles],
        "path": request.url.path,
    }
    response = templates.TemplateResponse(request, template, base | context, status_code=status)
    _finish(request, response, session, write=getattr(request.state, "session_is_new", True))
    return response


def _finish(request: Request, response: Response, session: Session, *, write: bool) -> None:
    response.headers.update(SECURITY_HEADERS)
    if write:
        write_session(request, response, session)


def redirect(request: Request, url: str, session: Session | None = None) -> Response:
    """A 303 to ``url`` (after a POST), writing ``session`` (a new one) when given."""
    response = RedirectResponse(url, status_code=303)
    _finish(request, response, session or new_session(), write=session is not None)
    return response


def refused_page(request: Request, status: int, title: str, message: str) -> Response:
    """A page that says why a request was refused (403, 404, 422, 429)."""
    return render(request, "refused.html", {"title": title, "message": message}, status=status)


def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    if exc.status == 303:
        session = request.state.session if request.state.session_is_new else None
        return redirect(request, "/login?next=" + quote(exc.next_url, safe=""), session)
    return refused_page(request, exc.status, "Not allowed", exc.message)


def install_console_handlers(app: FastAPI) -> None:
    """Register the refusal handler on ``app``."""
    app.add_exception_handler(Refused, _refused)
