"""Applying and checking migrations (``slakeeper db upgrade``, ``serve`` on start, ``/healthz``).

Checking needs no Alembic: importing it costs about 0.3 s, a sixth of a one-shot command such
as ``slakeeper report`` (bench/README.md, Reports). The head is read from the migration
files' ``revision`` lines and the database's from its ``alembic_version`` table; tests check
both against Alembic's own answers.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from slakeeper.store.session import Database

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["current_revision", "head_revision", "is_current", "upgrade"]

_LOCATION = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|None)", re.M)
_VERSION_TABLE = "alembic_version"


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_LOCATION))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (idempotent; safe with several processes)."""
    from alembic import command

    with database.write() as connection:
        if database.engine.dialect.name == "postgresql":
            # Two processes starting at once: the second waits, then finds nothing to do.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7318842650)")
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@functools.cache
def head_revision() -> str | None:
    """The newest migration shipped with this version of slakeeper: the one revision no
    other revises (a single line of history, as Alembic's ``get_current_head`` requires)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (_LOCATION / "versions").glob("*.py"):
        for key, double, single in _REVISION.findall(path.read_text(encoding="utf-8")):
            value = double or single
            if value:
                (revisions if key == "revision" else revised).add(value)
    heads = revisions - revised
    if len(heads) > 1:
        raise RuntimeError(f"migrations have several heads: {sorted(heads)}")
    return next(iter(heads), None)


def current_revision(database: Database) -> str | None:
    """The migration the database is at (None when it has none)."""
    with database.read() as connection:
        if not inspect(connection).has_table(_VERSION_TABLE):
            return None
        versions = connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}")).all()
    if len(versions) > 1:
        raise RuntimeError(f"the database is at several migrations: {sorted(versions)}")
    return versions[0][0] if versions else None


def is_current(database: Database) -> bool:
    """True when the database is at the newest migration."""
    return current_revision(database) == head_revision()
