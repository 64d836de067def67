"""Applying and checking migrations (``slakeeper db upgrade``, ``serve`` on start, ``/healthz``)."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from slakeeper.store.session import Database

__all__ = ["current_revision", "head_revision", "is_current", "upgrade"]

_LOCATION = str(Path(__file__).resolve().parent / "migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", _LOCATION)
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (idempotent; safe with several processes)."""
    with database.write() as connection:
        if database.engine.dialect.name == "postgresql":
            # Two processes starting at once: the second waits, then finds nothing to do.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7318842650)")
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@functools.cache
def head_revision() -> str | None:
    """The newest migration shipped with this version of slakeeper."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(database: Database) -> str | None:
    """The migration the database is at (None when it has none)."""
    with database.read() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_current(database: Database) -> bool:
    """True when the database is at the newest migration."""
    return current_revision(database) == head_revision()
