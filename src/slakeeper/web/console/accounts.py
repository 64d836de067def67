"""GET /accounts (every account, riskiest first), GET /accounts/{account} (terms, compliance,
12-week trend, open tickets, and for admins its customer links), POST to make and revoke
customer links (admins; CSRF-checked like every console form)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

from slakeeper.services.accounts import SORTS, AccountDetail, list_accounts, read_account
from slakeeper.services.customer_links import (
    create_customer_link,
    link_path,
    list_customer_links,
    revoke_customer_link,
)
from slakeeper.services.tickets import (
    QueueFilters,
    clock_badge,
    is_at_risk,
    is_breached,
    read_queue,
)
from slakeeper.settings import Settings
from slakeeper.web.console.customer import link_secret
from slakeeper.web.console.pages import ConsoleUser, redirect, render
from slakeeper.web.deps import ClockDep, DatabaseDep, SettingsDep
from slakeeper.web.permissions import ADMIN

router = APIRouter(include_in_schema=False)

Zone = Annotated[str, Query(max_length=64)]
LinkId = Annotated[int, Path(ge=1, le=2**62)]
LINK_DAYS = (7, 30, 90, 365)
TICKETS = 100  # open tickets shown on an account's page, most urgent first
_US_PER_DAY = 86_400_000_000


@router.get("/accounts")
def accounts_page(
    request: Request,
    _user: ConsoleUser,
    database: DatabaseDep,
    clock: ClockDep,
    tz: Zone = "UTC",
    sort: Annotated[str, Query(max_length=20)] = "risk",
) -> Response:
    """Every account with its compliance against commitment, credits and open risk."""
    now = clock.now()
    with database.read() as connection:
        accounts = list_accounts(connection, now, timezone=tz, sort=sort)
    context = {"title": "Accounts", "accounts": accounts, "now": now, "tz": tz, "sort": sort,
               "sorts": SORTS}  # fmt: skip
    return render(request, "accounts.html", context)


@router.get("/accounts/{account}")
def account_page(
    request: Request,
    account: str,
    user: ConsoleUser,
    database: DatabaseDep,
    clock: ClockDep,
    settings: SettingsDep,
    tz: Zone = "UTC",
) -> Response:
    """One account: terms, this period, the weekly trend (a chart), open tickets, links."""
    now = clock.now()
    is_admin = user is not None and user.role in ADMIN
    secret = link_secret(request) if is_admin else ""  # before the read: it may store the key
    with database.read() as connection:
        detail = read_account(connection, account, now, timezone=tz)
        queue = read_queue(connection, QueueFilters(account=account), now, cursor=None,
                           limit=TICKETS)  # fmt: skip
        links = []
        if is_admin:
            links = list_customer_links(connection, account=account, secret=secret)
    rows = [
        {"ticket": row, "at_risk": is_at_risk(row, now), "breached": is_breached(row, now),
         "badges": [b for c in queue.clocks[row.id] if (b := clock_badge(row, c, now))]}
        for row in queue.tickets
    ]  # fmt: skip
    context = {
        "title": f"Account {account}",
        "detail": detail,
        "summary": detail.summary,
        "chart": _chart(detail),
        "rows": rows,
        "more": queue.next_cursor is not None,
        "now": now,
        "tz": tz,
        "is_admin": is_admin,
        "links": [(row, _url(settings, token)) for row, token in links],
        "link_days": LINK_DAYS,
    }
    return render(request, "account.html", context)


def _url(settings: Settings, token: str) -> str:
    return settings.public_url.rstrip("/") + link_path(token)


def _chart(detail: AccountDetail) -> dict[str, object]:
    """The trend as the chart script reads it (percentages; null where nothing decided)."""
    commitment = detail.summary.commitment
    return {
        "labels": [point.label for point in detail.trend],
        "compliance": [
            None if point.compliance is None else round(100 * point.compliance, 2)
            for point in detail.trend
        ],
        "commitment": None if commitment is None else round(100 * commitment, 2),
    }


@router.post("/accounts/{account}/links")
def create_link(
    request: Request,
    account: str,
    user: ConsoleUser,
    database: DatabaseDep,
    clock: ClockDep,
    days: Annotated[int, Form(ge=1, le=366)] = 30,
    show_agents: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Make a customer link for the account, valid ``days`` days."""
    assert user is not None
    now = clock.now()
    secret = link_secret(request)
    with database.write() as connection:
        create_customer_link(
            connection, account=account, actor=f"user:{user.name}", now=now,
            expires_at=now + days * _US_PER_DAY, show_agents=show_agents == "yes",
            secret=secret,
        )  # fmt: skip
    return redirect(request, f"/accounts/{_quoted(account)}#links")


@router.post("/accounts/{account}/links/{link_id}/revoke")
def revoke_link(
    request: Request,
    account: str,
    link_id: LinkId,
    user: ConsoleUser,
    database: DatabaseDep,
    clock: ClockDep,
) -> Response:
    """Revoke one of the account's customer links."""
    assert user is not None
    with database.write() as connection:
        revoke_customer_link(
            connection, link_id=link_id, account=account, actor=f"user:{user.name}",
            now=clock.now(),
        )  # fmt: skip
    return redirect(request, f"/accounts/{_quoted(account)}#links")


def _quoted(account: str) -> str:
    return quote(account, safe="")
