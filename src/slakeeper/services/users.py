"""Console users: created with a role and an argon2 password hash, listed, disabled; login
with a rate limit per user name and per address; the key that signs session cookies.

Login verifies the password outside any write transaction: argon2 takes tens of
milliseconds on purpose, and SQLite's single writer must not wait for it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Row, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from slakeeper.core.errors import InputError, LimitError, NotFoundError
from slakeeper.services.audit import record
from slakeeper.services.tokens import Role
from slakeeper.store.session import Database
from slakeeper.store.users import ConsoleKey, LoginFailure, UserRow

__all__ = [
    "FAILURES_PER_ADDRESS",
    "FAILURES_PER_USER",
    "FAILURE_WINDOW_US",
    "User",
    "attempt_login",
    "console_key",
    "create_user",
    "disable_user",
    "end_sessions",
    "list_users",
    "session_user",
]

FAILURE_WINDOW_US = 15 * 60 * 1_000_000  # failures older than this no longer count
FAILURES_PER_USER = 5  # a name guessed at from many addresses
FAILURES_PER_ADDRESS = 20  # one address trying many names
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,199}")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
# Verified against when the name is unknown, so that a wrong name costs as much as a wrong
# password and the answer time does not tell which names exist.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    """A signed-in person: id, name, role, and the session epoch their cookie must carry."""

    id: int
    name: str
    role: Role
    epoch: int


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(member.value for member in Role)
        raise InputError(
            f"unknown role {role!r} (expected one of {known})", path=("role",)
        ) from None


def create_user(
    connection: Connection, *, name: str, role: str, password: str, actor: str, now: int
) -> int:
    """Add a user (the name unused, the password 10 to 1024 characters); its id."""
    kind = _role(role)
    if not NAME.fullmatch(name):
        raise InputError(
            "a user name is 1 to 200 letters, digits or . _ @ - (starting with a letter or "
            f"digit), not {name!r}",
            path=("name",),
        )
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InputError(
            f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters", path=("password",)
        )
    if connection.execute(select(UserRow.id).where(UserRow.name == name)).first() is not None:
        raise InputError(f"a user named {name!r} exists already", path=("name",))
    result = connection.execute(
        UserRow.__table__.insert().values(
            name=name,
            role=kind.value,
            password_hash=_hasher.hash(password),
            created_at=now,
            created_by=actor,
            session_epoch=0,
        )
    )
    user_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    record(connection, actor=actor, action="user.create", subject=name, now=now,
           detail={"id": user_id, "role": kind.value})  # fmt: skip
    return user_id


def list_users(connection: Connection) -> list[Row[Any]]:
    """Every user by name (disabled ones included, marked)."""
    return list(connection.execute(select(UserRow).order_by(UserRow.name)).all())


def disable_user(connection: Connection, *, name: str, actor: str, now: int) -> None:
    """Disable a user: no more logins, and their open sessions end at once."""
    result = connection.execute(
        update(UserRow)
        .where(UserRow.name == name, UserRow.disabled_at.is_(None))
        .values(disabled_at=now, session_epoch=UserRow.session_epoch + 1)
    )
    if not result.rowcount:
        raise NotFoundError(f"no enabled user {name!r}", path=("name",))
    record(connection, actor=actor, action="user.disable", subject=name, now=now)


def end_sessions(connection: Connection, user_id: int) -> None:
    """Void every session of a user (logout: a copied cookie is worthless afterwards)."""
    connection.execute(
        update(UserRow).where(UserRow.id == user_id).values(session_epoch=UserRow.session_epoch + 1)
    )


def session_user(connection: Connection, user_id: int, epoch: int) -> User | None:
    """The user a session cookie names, if still enabled and the session not ended."""
    row = connection.execute(
        select(UserRow.id, UserRow.name, UserRow.role, UserRow.session_epoch).where(
            UserRow.id == user_id, UserRow.disabled_at.is_(None)
        )
    ).first()
    if row is None or row.session_epoch != epoch:
        return None
    return User(row.id, row.name, Role(row.role), row.session_epoch)


def attempt_login(
    database: Database, *, name: str, password: str, address: str, now: int
) -> User | None:
    """The user when name and password match; None (the failure recorded) otherwise.

    1. Refuse with LimitError when the name or the address has too many recent failures
       (checked first, so that a limited caller learns nothing about the password).
    2. Verify the password against the stored hash (a dummy hash for unknown or disabled
       users), outside any transaction.
    3. Record a failure, or on success clear the name's failures and note the login.
    """
    since = now - FAILURE_WINDOW_US
    with database.read() as connection:
        _check_limits(connection, name=name, address=address, since=since)
        row = connection.execute(select(UserRow).where(UserRow.name == name)).first()
    ok = _verify(row.password_hash if row else _DUMMY_HASH, password)
    ok = ok and row is not None and row.disabled_at is None
    with database.write() as connection:
        if not ok or row is None:
            connection.execute(delete(LoginFailure).where(LoginFailure.at <= since))
            connection.execute(
                LoginFailure.__table__.insert().values(at=now, name=name[:200], address=address)
            )
            return None
        connection.execute(delete(LoginFailure).where(LoginFailure.name == name))
        values: dict[str, Any] = {"last_login_at": now}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        connection.execute(update(UserRow).where(UserRow.id == row.id).values(**values))
    return User(row.id, row.name, Role(row.role), row.session_epoch)


def _check_limits(connection: Connection, *, name: str, address: str, since: int) -> None:
    for column, value, limit in (
        (LoginFailure.name, name[:200], FAILURES_PER_USER),
        (LoginFailure.address, address, FAILURES_PER_ADDRESS),
    ):
        count = connection.execute(
            select(func.count()).where(column == value, LoginFailure.at > since)
        ).scalar_one()
        if count >= limit:
            raise LimitError(
                "too many failed logins: wait a few minutes and try again",
                retry_after=FAILURE_WINDOW_US // 1_000_000,
            )


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def console_key(database: Database, now: int) -> str:
    """The stored session-signing key, made on first use (every process reads the same)."""
    with database.read() as connection:
        found = connection.execute(select(ConsoleKey.secret).where(ConsoleKey.id == 1)).first()
    if found is not None:
        return str(found[0])
    with database.write() as connection:
        # Two processes starting at once: the first insert wins, both read its key.
        insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
        statement = insert(ConsoleKey).values(
            id=1, secret=secrets.token_urlsafe(48), created_at=now
        )
        connection.execute(statement.on_conflict_do_nothing(index_elements=["id"]))
        return str(connection.execute(select(ConsoleKey.secret)).scalar_one())
