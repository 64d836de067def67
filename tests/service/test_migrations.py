"""Migrations: they build exactly the tables the models describe, and apply idempotently."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from slakeeper.store.migrate import current_revision, head_revision, is_current, upgrade
from slakeeper.store.models import Base
from slakeeper.store.session import Database


def test_the_migrated_schema_equals_the_models(database: Database) -> None:
    with database.read() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_upgrading_twice_changes_nothing_and_reports_current(database: Database) -> None:
    upgrade(database)
    assert current_revision(database) == head_revision()
    assert is_current(database)


def test_the_head_and_current_revisions_are_alembics(database: Database) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from slakeeper.store.migrate import _config

    assert head_revision() == ScriptDirectory.from_config(_config()).get_current_head()
    assert head_revision() is not None
    with database.write() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    with database.read() as connection:
        assert (
            current_revision(database)
            == MigrationContext.configure(connection).get_current_revision()
        )
    assert current_revision(database) == "0006"
    assert not is_current(database)
    upgrade(database)
    assert is_current(database)


def test_a_database_never_migrated_has_no_revision(tmp_path: object) -> None:
    from slakeeper.store.session import create_database

    empty = create_database(f"sqlite:///{tmp_path}/empty.db")
    try:
        assert current_revision(empty) is None
        assert not is_current(empty)
    finally:
        empty.dispose()
