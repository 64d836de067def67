"""Customer links: a signed, expiring, revocable read-only address for one account's page.

The token (the path is ``/c/{token}``) is ``<id>.<expiry, Unix seconds>.<signature>``:
the signature is an HMAC-SHA256, keyed by a key derived from the service's secret, over
the link's id, its expiry and its account. The table keeps the link (account, expiry,
who made it, revoked or not), never the token. Resolving a token:

1. Split it; anything that is not ``int.int.signature`` is not a link.
2. Read the link by id; an unknown id is not a link.
3. Recompute the signature over the stored id, expiry and account and compare it in
   constant time (an altered id, expiry or signature, or another account's link id in a
   token, fails here), and check the token's expiry equals the stored one.
4. Refuse a revoked link, then one whose expiry is at or before ``now``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select, update

from slakeeper.core.errors import InputError, NotFoundError
from slakeeper.services.audit import record
from slakeeper.store.links import CustomerLinkRow

__all__ = [
    "MAX_DAYS",
    "CustomerLink",
    "InvalidLinkError",
    "create_customer_link",
    "customer_link_of",
    "link_path",
    "list_customer_links",
    "resolve_customer_link",
    "revoke_customer_link",
]

MAX_DAYS = 366  # a link lives at most a year: renewals make a new one
_US_PER_SECOND = 1_000_000
_TOKEN = re.compile(r"([1-9][0-9]{0,18})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})")


class InvalidLinkError(NotFoundError):
    """A customer link that shows nothing: altered, unknown, revoked or expired."""


@dataclass(frozen=True)
class CustomerLink:
    """A resolved link: whose page it opens, until when, and whether agents are named."""

    id: int
    account: str
    expires_at: int
    show_agents: bool


def _key(secret: str) -> bytes:
    # A key of its own, derived from the service's secret: a session signature or a CSRF
    # token can never stand in for a link's.
    return hashlib.sha256(b"slakeeper.customer-link\x00" + secret.encode()).digest()


def _signature(secret: str, link_id: int, expires_s: int, account: str) -> str:
    message = f"{link_id}.{expires_s}.{account}".encode()
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _token(secret: str, link_id: int, expires_at: int, account: str) -> str:
    expires_s = expires_at // _US_PER_SECOND
    return f"{link_id}.{expires_s}.{_signature(secret, link_id, expires_s, account)}"


def link_path(token: str) -> str:
    """The console path a token opens."""
    return f"/c/{token}"


def create_customer_link(
    connection: Connection,
    *,
    account: str,
    actor: str,
    now: int,
    expires_at: int,
    show_agents: bool = False,
    secret: str,
) -> str:
    """Make a link to ``account``'s customer page that works until ``expires_at`` (UTC µs,
    after ``now``, at most MAX_DAYS ahead); the token (the path is ``/c/{token}``). Audited."""
    if not account or len(account) > 200:
        raise InputError("an account id of 1 to 200 characters is needed", path=("account",))
    if expires_at <= now:
        raise InputError("the expiry must be after now", path=("expires_at",))
    if expires_at - now > MAX_DAYS * 86_400 * _US_PER_SECOND:
        raise InputError(f"a link lives at most {MAX_DAYS} days", path=("expires_at",))
    expires_at -= expires_at % _US_PER_SECOND  # the token carries whole seconds
    result = connection.execute(
        CustomerLinkRow.__table__.insert().values(
            account=account, created_by=actor, created_at=now, expires_at=expires_at,
            show_agents=show_agents,
        )
    )  # fmt: skip
    link_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    detail = {"id": link_id, "expires_at": expires_at, "show_agents": show_agents}
    record(connection, actor=actor, action="customer_link.create", subject=account, now=now,
           detail=detail)  # fmt: skip
    return _token(secret, link_id, expires_at, account)


def revoke_customer_link(
    connection: Connection, *, link_id: int, actor: str, now: int, account: str | None = None
) -> str:
    """Revoke a live link (its page shows nothing from now on), only if it is ``account``'s
    when given; the link's account. Audited."""
    row = connection.execute(
        select(CustomerLinkRow.account).where(
            CustomerLinkRow.id == link_id, CustomerLinkRow.revoked_at.is_(None)
        )
    ).first()
    if row is None or (account is not None and row.account != account):
        raise NotFoundError(f"no live customer link {link_id}", path=("id",))
    connection.execute(
        update(CustomerLinkRow)
        .where(CustomerLinkRow.id == link_id)
        .values(revoked_at=now, revoked_by=actor)
    )
    record(connection, actor=actor, action="customer_link.revoke", subject=row.account, now=now,
           detail={"id": link_id})  # fmt: skip
    return str(row.account)


def list_customer_links(
    connection: Connection, *, account: str | None = None, secret: str
) -> list[tuple[Row[Any], str]]:
    """Links newest first (one account's, or all), each with its token."""
    query = select(CustomerLinkRow).order_by(CustomerLinkRow.id.desc())
    if account is not None:
        query = query.where(CustomerLinkRow.account == account)
    rows = connection.execute(query).all()
    return [(row, _token(secret, row.id, row.expires_at, row.account)) for row in rows]


def customer_link_of(connection: Connection, token: str, *, now: int, secret: str) -> CustomerLink:
    """The link a token names, checked (the steps of the module's docstring); raises
    :class:`InvalidLinkError` saying why it shows nothing."""
    found = _TOKEN.fullmatch(token)
    if found is None:
        raise InvalidLinkError("this link is not valid")
    link_id, expires_s, sent = int(found[1]), int(found[2]), found[3]
    row = connection.execute(select(CustomerLinkRow).where(CustomerLinkRow.id == link_id)).first()
    if row is None:
        raise InvalidLinkError("this link is not valid")
    expected = _signature(secret, row.id, row.expires_at // _US_PER_SECOND, row.account)
    if not hmac.compare_digest(expected, sent) or expires_s * _US_PER_SECOND != row.expires_at:
        raise InvalidLinkError("this link is not valid")
    if row.revoked_at is not None:
        raise InvalidLinkError("this link has been revoked")
    if row.expires_at <= now:
        raise InvalidLinkError("this link has expired")
    return CustomerLink(row.id, row.account, row.expires_at, bool(row.show_agents))


def resolve_customer_link(connection: Connection, token: str, *, now: int, secret: str) -> str:
    """The account a token opens; :class:`InvalidLinkError` when it opens nothing."""
    return customer_link_of(connection, token, now=now, secret=secret).account
