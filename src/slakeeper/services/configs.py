"""Configuration versions: validate, store when changed, load a version, list and diff.

A configuration is stored as the author wrote it (YAML or JSON) and as canonical JSON
(sorted keys); a change is a new version only when the canonical form differs from the
newest version's. Versions never change once stored, so each is parsed once per process.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlalchemy import Connection, Row, select

from slakeeper.config.documents import parse_document
from slakeeper.config.loading import load_config_document
from slakeeper.core.configuration import Configuration
from slakeeper.core.errors import ConfigError, NotFoundError
from slakeeper.services.audit import record
from slakeeper.store import queries
from slakeeper.store.configs import ConfigVersion

__all__ = [
    "EMPTY",
    "StoredConfig",
    "configuration_of",
    "configurations_of",
    "current_number",
    "get_version",
    "list_versions",
    "parse_version",
    "store_config",
    "validate_config",
]

EMPTY = Configuration(version=None)  # in force until a configuration is stored
_PARSED: dict[tuple[int, str], Configuration] = {}  # (number, digest) → parsed, per process


@dataclass(frozen=True)
class StoredConfig:
    """The outcome of storing a configuration."""

    number: int
    created: bool  # False when it equalled the newest version


def validate_config(text: str, source: str = "<config>") -> tuple[Configuration, str]:
    """Parse and validate configuration text: the configuration and its canonical JSON.

    Raises :class:`ConfigError` with the problems ``slakeeper check`` would print.
    """
    document = parse_document(text, source)
    configuration = load_config_document(document)
    if not isinstance(document.data, dict):
        raise ConfigError([f"{source}: expected a mapping at the top level"])
    return configuration, _canonical(document.data)


def _canonical(data: Any) -> str:
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2).decode()


def store_config(connection: Connection, *, text: str, author: str, now: int) -> StoredConfig:
    """Validate ``text`` and store it as a new version when it differs from the newest."""
    _, canonical = validate_config(text)
    if connection.dialect.name == "postgresql":  # two authors at once: one after the other
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7318842651)")
    newest = connection.execute(
        select(ConfigVersion).order_by(ConfigVersion.number.desc()).limit(1)
    ).first()
    if newest is not None and newest.canonical == canonical:
        return StoredConfig(newest.number, created=False)
    number = 1 if newest is None else newest.number + 1
    before = "" if newest is None else newest.canonical
    diff = "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            canonical.splitlines(keepends=True),
            fromfile=f"version {number - 1}" if newest is not None else "(none)",
            tofile=f"version {number}",
        )
    )
    connection.execute(
        ConfigVersion.__table__.insert().values(
            number=number,
            text=text,
            canonical=canonical,
            digest=hashlib.sha256(canonical.encode()).hexdigest(),
            author=author,
            created_at=now,
            diff=diff,
        )
    )
    record(connection, actor=author, action="config.version", subject=str(number), now=now)
    return StoredConfig(number, created=True)


def current_number(connection: Connection) -> int | None:
    """The newest version's number (None before any configuration is stored)."""
    return queries.newest_config(connection)


def get_version(connection: Connection, number: int) -> Row[Any]:
    """One stored version; :class:`NotFoundError` when there is none."""
    found = connection.execute(select(ConfigVersion).where(ConfigVersion.number == number)).first()
    if found is None:
        raise NotFoundError(f"no configuration version {number}", path=("version",))
    return found


def list_versions(connection: Connection, *, before: int | None, limit: int) -> list[Row[Any]]:
    """Versions newest first, ``limit`` of them, below ``before`` when given."""
    query = select(ConfigVersion).order_by(ConfigVersion.number.desc()).limit(limit)
    if before is not None:
        query = query.where(ConfigVersion.number < before)
    return list(connection.execute(query).all())


def configuration_of(connection: Connection, number: int | None) -> Configuration:
    """The parsed configuration of version ``number`` (the empty one for None)."""
    return configurations_of(connection, {number})[number]


def configurations_of(
    connection: Connection, numbers: set[int | None]
) -> dict[int | None, Configuration]:
    """The parsed configuration of each version in ``numbers`` (one query of digests)."""
    found: dict[int | None, Configuration] = {None: EMPTY}
    wanted = sorted(number for number in numbers if number is not None)
    if not wanted:
        return found
    digests = queries.config_digests(connection, wanted)
    for number in wanted:
        if number not in digests:
            raise NotFoundError(f"no configuration version {number}", path=("version",))
        key = (number, digests[number])
        parsed = _PARSED.get(key)
        if parsed is None:
            parsed = _PARSED[key] = parse_version(number, queries.config_text(connection, number))
        found[number] = parsed
    return found


def parse_version(number: int, text: str) -> Configuration:
    """The configuration of stored version ``number`` from its text."""
    configuration, _ = validate_config(text, f"config version {number}")
    return replace(configuration, version=str(number))
