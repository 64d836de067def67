"""`slakeeper user create|list|disable` as a person runs them, on each database."""

from __future__ import annotations

from sqlalchemy import select

from slakeeper.store.session import create_database
from slakeeper.store.users import UserRow
from tests.service.conftest import database_url  # noqa: F401  (fixture)
from tests.service.test_operations import _cli


def test_user_commands_create_list_and_disable(database_url: str) -> None:  # noqa: F811
    made = _cli("user", "create", "ana", "--role", "agent", "--password-stdin",
                url=database_url, stdin="a long enough secret\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "'ana' (agent) created" in made.stdout
    listed = _cli("user", "list", url=database_url).stdout
    assert "\tana\tagent\t" in listed and "last login never" in listed and "enabled" in listed
    database = create_database(database_url)
    with database.read() as connection:
        stored = connection.execute(select(UserRow.password_hash)).scalar_one()
    database.dispose()
    assert stored.startswith("$argon2id$") and "a long enough secret" not in stored
    assert _cli("user", "disable", "ana", url=database_url).returncode == 0
    assert "disabled" in _cli("user", "list", url=database_url).stdout
    again = _cli("user", "disable", "ana", url=database_url)
    assert again.returncode == 2 and "no enabled user 'ana'" in again.stderr


def test_user_create_refuses_bad_input_naming_the_field(database_url: str) -> None:  # noqa: F811
    short = _cli("user", "create", "bo", "--role", "agent", "--password-stdin",
                 url=database_url, stdin="short\n")  # fmt: skip
    assert short.returncode == 2 and "password: a password needs 10" in short.stderr
    role = _cli("user", "create", "bo", "--role", "root", "--password-stdin",
                url=database_url, stdin="a long enough secret\n")  # fmt: skip
    assert role.returncode == 2 and "role: unknown role 'root'" in role.stderr
    name = _cli("user", "create", "has space", "--role", "agent", "--password-stdin",
                url=database_url, stdin="a long enough secret\n")  # fmt: skip
    assert name.returncode == 2 and "name: a user name is" in name.stderr
    assert _cli("user", "list", url=database_url).stdout == ""
