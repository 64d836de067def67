"""Customer links: signed, expiring, revocable read-only links to one account's page."""

from __future__ import annotations

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from slakeeper.store.base import Base, Micros, SerialId

__all__ = ["CustomerLinkRow"]


class CustomerLinkRow(Base):
    """One link made by an admin: the token is its id and expiry, signed (never stored)."""

    __tablename__ = "customer_links"

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[int] = mapped_column(Micros)
    expires_at: Mapped[int] = mapped_column(Micros)
    revoked_at: Mapped[int | None] = mapped_column(Micros)
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    show_agents: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        # /accounts/{id} and `slakeeper link list ACCOUNT`: an account's links, newest first.
        Index("ix_customer_links_account", "account", "id"),
    )
