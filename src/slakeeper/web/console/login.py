"""GET and POST /login (name, password, CSRF token; rate-limited), POST /logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from slakeeper.services.users import attempt_login, end_sessions
from slakeeper.web.console.pages import ConsoleUser, redirect, render
from slakeeper.web.console.sessions import new_session
from slakeeper.web.deps import ClockDep, DatabaseDep

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """A local path to return to after login (never another site: no ``//`` or scheme)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


@router.get("/login")
def login_page(request: Request, user: ConsoleUser, next: str | None = None) -> Response:
    """The login form (a signed-in user goes straight on)."""
    if user is not None:
        return redirect(request, safe_next(next))
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
async def login(
    request: Request,
    _user: ConsoleUser,
    database: DatabaseDep,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check name and password; on success a new session (a new nonce) and on to ``next``."""
    address = request.client.host if request.client else "unknown"
    found = await run_in_threadpool(
        attempt_login, database, name=username, password=password, address=address,
        now=clock.now(),
    )  # fmt: skip
    if found is None:
        context = {"next": safe_next(next), "error": "Unknown user name or wrong password.",
                   "username": username}  # fmt: skip
        return render(request, "login.html", context, status=401)
    return redirect(request, safe_next(next), new_session(found.id, found.epoch))


@router.post("/logout")
def logout(request: Request, user: ConsoleUser, database: DatabaseDep) -> Response:
    """End every session of the user and show the login page."""
    assert user is not None  # the route accepts any signed-in user, never a signed-out one
    with database.write() as connection:
        end_sessions(connection, user.id)
    return redirect(request, "/login", new_session())
