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
