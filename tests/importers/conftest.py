"""Importers run on real SQLite and PostgreSQL (the service suite's fixtures), and as the
real ``slakeeper import`` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from slakeeper.core.instants import parse_instant, to_us
from slakeeper.importers.jsonl import line_item, read_events
from slakeeper.services.import_workers import LineSource
from slakeeper.services.imports import import_items
from slakeeper.simulation import load_scenario, simulate
from slakeeper.store.migrate import upgrade
from slakeeper.store.session import Database, create_database
from tests.service.conftest import (  # noqa: F401 - fixtures used by this package's tests
    EXAMPLE_CONFIG,
    PG_URL,
    SIM_CONFIG,
    database,
    database_url,
    postgres_schema,
    service,
)

ROOT = Path(__file__).resolve().parents[2]
ITALIAN_LOG = Path("/work/shared/data/helpdesk-italian/helpdesk_events.csv")
ITALIAN_MAPPING = ROOT / "examples" / "mappings" / "helpdesk-italian.yaml"

# A simulated day (simulated_history) imported at its end, and the rows compared.
NOW = "2026-01-05T18:00:00Z"
TICKET_SQL = "SELECT * FROM tickets ORDER BY id"
EVENT_SQL = "SELECT id, ticket, type, at, body, received_at FROM events ORDER BY seq"


@pytest.fixture
def second_database(database_url: str, tmp_path: Path) -> Iterator[Database]:  # noqa: F811
    """Another empty database on the same backend as ``database``."""
    if database_url.startswith("sqlite"):
        db = create_database(f"sqlite:///{tmp_path / 'second.db'}")
        upgrade(db)
        yield db
        db.dispose()
        return
    with postgres_schema() as url:
        db = create_database(url)
        upgrade(db)
        yield db
        db.dispose()


def run_cli(*args: str, db_url: str, now: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m slakeeper.cli ARGS`` on the database ``db_url``; never a traceback."""
    env = {key: value for key, value in os.environ.items() if key != "SLAKEEPER_DEBUG"}
    env["SLAKEEPER_DATABASE_URL"] = db_url
    if now is not None:
        env["SLAKEEPER_FIXED_NOW"] = now
    result = subprocess.run(
        [sys.executable, "-m", "slakeeper.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    return result


def write_jsonl(path: Path, lines: list[dict[str, Any] | str]) -> Path:
    """Events (or raw text lines) as a JSONL file."""
    path.write_bytes(
        b"".join(
            (line.encode() if isinstance(line, str) else orjson.dumps(line)) + b"\n"
            for line in lines
        )
    )
    return path


def table_rows(db: Database, sql: str) -> list[tuple[Any, ...]]:
    """Every row a query returns, as tuples."""
    with db.read() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def count(db: Database, table: str) -> int:
    """Rows in a table."""
    return int(table_rows(db, f"SELECT count(*) FROM {table}")[0][0])


def simulated_history(tmp_path: Path) -> Path:
    """One simulated day of the default scenario as a JSONL file."""
    out = tmp_path / "sim.jsonl"
    with out.open("wb") as stream:
        simulate(load_scenario(None), days=1, seed=11, write=stream.write)
    return out


def import_file(db: Database, path: Path, now: str, **options: Any) -> Any:
    """``import_items`` over the events of a JSONL file, in this process."""
    with path.open("rb") as stream:
        return import_items(db, read_events(stream), now=to_us(parse_instant(now)), **options)


def import_with_workers(db: Database, path: Path, workers: int, **options: Any) -> Any:
    """An import whose workers read ``path`` themselves (as ``import events FILE`` does)."""
    lines = LineSource(str(path), lambda line, number: line_item(line, number, None))
    return import_file(db, path, NOW, workers=workers, lines=lines, **options)
