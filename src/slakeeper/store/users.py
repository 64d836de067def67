"""Console users (argon2 password hashes), failed logins (the rate limit), the session key."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from slakeeper.store.base import Base, Micros, SerialId

__all__ = ["ConsoleKey", "LoginFailure", "UserRow"]


class UserRow(Base):
    """A person who signs in to the console: name, role, password hash; disabled ones kept."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    # Every login: `WHERE name = :name` (unique index).
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[int] = mapped_column(Micros)
    created_by: Mapped[str] = mapped_column(String(200))
    disabled_at: Mapped[int | None] = mapped_column(Micros)
    # Raised at every logout and on disable: sessions signed with an older value are void.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    last_login_at: Mapped[int | None] = mapped_column(Micros)


class LoginFailure(Base):
    """One failed login, kept for the rate limit's window and then pruned."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    at: Mapped[int] = mapped_column(Micros)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        # The limit per user: `WHERE name = :name AND at > :since` (count).
        Index("ix_login_failures_name_at", "name", "at"),
        # The limit per address: `WHERE address = :address AND at > :since` (count).
        Index("ix_login_failures_address_at", "address", "at"),
        # Pruning: `DELETE … WHERE at <= :since`.
        Index("ix_login_failures_at", "at"),
    )


class ConsoleKey(Base):
    """The key that signs session cookies when SLAKEEPER_SECRET_KEY is not set: made once,
    shared by every worker and process on the database, so that sessions survive restarts."""

    __tablename__ = "console_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[int] = mapped_column(Micros)
