"""GET /c/{token}: one account's read-only page for its customer, opened by a signed link.

No session, no navigation, no cookie: the signature is the only key (services/
customer_links.py). The page shows the account's terms, its compliance this period and
its open tickets' SLA state; agent names only when the link was made to show them. A link
that is altered, unknown, revoked or expired shows a page that says so, and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from slakeeper.services.customer_links import InvalidLinkError, customer_link_of
from slakeeper.services.customer_pages import read_customer_page
from slakeeper.services.users import console_key
from slakeeper.settings import Settings
from slakeeper.web.console.pages import SECURITY_HEADERS, templates
from slakeeper.web.deps import ClockDep, DatabaseDep

router = APIRouter(include_in_schema=False)

# Not for search engines, and the token never leaves in a Referer header.
CUSTOMER_HEADERS = SECURITY_HEADERS | {"X-Robots-Tag": "noindex, nofollow",
                                       "Referrer-Policy": "no-referrer"}  # fmt: skip


def link_secret(request: Request) -> str:
    """The service's secret (as the session cookie's): SLAKEEPER_SECRET_KEY, else the key
    kept in the database."""
    state = request.app.state
    secret: str | None = getattr(state, "link_secret", None)
    if secret is None:
        settings: Settings = state.settings
        secret = settings.secret_key or console_key(state.database, state.clock.now())
        state.link_secret = secret
    return secret


def _page(request: Request, template: str, context: Mapping[str, Any], status: int) -> Response:
    response: HTMLResponse = templates.TemplateResponse(
        request, template, dict(context), status_code=status
    )
    response.headers.update(CUSTOMER_HEADERS)
    return response


@router.get("/c/{token}")
def customer_page(request: Request, token: str, database: DatabaseDep, clock: ClockDep) -> Response:
    """The account's page when the link is good; a 404 page saying why not otherwise."""
    now = clock.now()
    secret = link_secret(request)  # before the read: the first use may store the key
    with database.read() as connection:
        try:
            link = customer_link_of(connection, token, now=now, secret=secret)
        except InvalidLinkError as exc:
            refusal = {"title": "Link not valid", "message": str(exc)}
            return _page(request, "customer_invalid.html", refusal, 404)
        page = read_customer_page(connection, link, now)
    title = page.summary.name or page.summary.id
    context: dict[str, Any] = {"title": title, "page": page, "now": now, "link": link}
    return _page(request, "customer.html", context, 200)
