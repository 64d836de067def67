"""The database path equals the event-file path, and reads only (SQLite and PostgreSQL).

The hand-built history is stored through ingest (its configuration as the one stored
version); ``recommend`` and ``whatif`` then run as real processes, once on the event file
and once on the database (SLAKEEPER_DATABASE_URL), and must print the same JSON, while
every table keeps exactly its rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select

from slakeeper.services.configs import store_config
from slakeeper.services.ingest import ingest_events
from slakeeper.store.models import Base
from slakeeper.store.session import Database
from tests.history.history import CURRENT, NOW, NOW_US, events


def run(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "SLAKEEPER_DEBUG"}
    if database_url is not None:
        env["SLAKEEPER_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "slakeeper.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def stored(database: Database) -> None:
    """The history's configuration stored and its events ingested, evaluated at NOW."""
    with database.write() as connection:
        store_config(connection, text=CURRENT, author="test", now=0)
    ingest_events(database, events(), now=NOW_US)


def snapshot(database: Database) -> dict[str, list[Any]]:
    """Every row of every table, sorted."""
    found = {}
    with database.read() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(select(table)).all()
            found[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return found


def both(database_url: str, files: tuple[Path, Path, Path], *args: str) -> tuple[Any, Any]:
    """The JSON of one command on the event file and on the database."""
    current, _, log = files
    common = [*args, "--now", NOW, "--format", "json"]
    offline = run(*common, "--events", str(log), "--config", str(current))
    online = run(*common, database_url=database_url)
    assert offline.returncode == 0, offline.stderr
    assert online.returncode == 0, online.stderr
    return orjson.loads(offline.stdout), orjson.loads(online.stdout)


def test_whatif_from_the_database_equals_the_event_file_and_changes_nothing(
    database: Database, database_url: str, history_files: tuple[Path, Path, Path]
) -> None:
    stored(database)
    before = snapshot(database)
    offline, online = both(
        database_url, history_files, "whatif", "--proposed", str(history_files[1])
    )
    assert online == offline
    assert offline["total"]["breaches_change"] == 5  # the proposal did something
    assert snapshot(database) == before
    assert len(before["events"]) == len(events()) and len(before["clocks"]) > 0


def test_recommend_from_the_database_equals_the_event_file_and_changes_nothing(
    database: Database, database_url: str, history_files: tuple[Path, Path, Path]
) -> None:
    stored(database)
    before = snapshot(database)
    offline, online = both(database_url, history_files, "recommend", "--min-size", "5")
    assert online == offline
    assert [row["target_minutes"] for row in offline if row["metric"] == "first_response"] == [
        96,
        None,
    ]
    assert snapshot(database) == before


def test_the_database_path_uses_a_given_configuration(
    database: Database, database_url: str, history_files: tuple[Path, Path, Path]
) -> None:
    stored(database)
    _, proposed, _ = history_files
    # Current = the proposal too: no change anywhere.
    result = run(
        "whatif",
        "--proposed",
        str(proposed),
        "--config",
        str(proposed),
        "--now",
        NOW,
        "--format",
        "json",
        database_url=database_url,
    )
    assert result.returncode == 0, result.stderr
    total = orjson.loads(result.stdout)["total"]
    assert total["current_breaches"] == total["proposed_breaches"] == 5


def test_an_empty_database_without_a_configuration_is_refused(
    database: Database, database_url: str, history_files: tuple[Path, Path, Path]
) -> None:
    result = run("whatif", "--proposed", str(history_files[1]), database_url=database_url)
    assert result.returncode == 2
    assert result.stderr == "error: --config: no configuration is stored: give one\n"
