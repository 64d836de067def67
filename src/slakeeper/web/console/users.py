"""GET /users: who may sign in to the console, with their roles (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from slakeeper.services.users import list_users
from slakeeper.web.console.pages import ConsoleUser, render
from slakeeper.web.deps import DatabaseDep

router = APIRouter(include_in_schema=False)


@router.get("/users")
def users_page(request: Request, _user: ConsoleUser, database: DatabaseDep) -> Response:
    """Every user (created and disabled with `slakeeper user …`)."""
    with database.read() as connection:
        users = list_users(connection)
    return render(request, "users.html", {"title": "Users", "users": users})
