"""Offline reports (from the event file) equal database reports (after ingesting the file).

Both sources build the same tables; on the same events every report, under several
groupings, gives the same rows. Runs on SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from slakeeper.analytics.tables import Tables
from slakeeper.config import load_config
from slakeeper.core.instants import parse_instant_us
from slakeeper.services.configs import store_config
from slakeeper.services.ingest import ingest_events
from slakeeper.services.reports import (
    DOCUMENTS,
    NAMES,
    parse_query,
    run_report,
    tables_from_database,
    tables_from_file,
)
from slakeeper.store.session import Database
from tests.reports.conftest import simulated_days
from tests.reports.history import CONFIG, EVENTS, NOW
from tests.service.conftest import SIM_CONFIG

GROUPINGS = {
    "compliance": ["metric", "severity,tier,metric", "team,agent", "week,channel", "policy,month"],
    "service-level": ["metric", "severity,metric"],
    "times": ["metric", "tier"],
    "resolution-quality": ["", "severity,tier"],
    "escalations": ["", "severity"],
    "csat": ["tier", "account"],
    "backlog": ["severity", "team"],
    "breach-causes": ["metric", "severity,metric"],
}


def ingested(database: Database, config: str, events: list[dict[str, object]], now: int) -> None:
    """Store ``config`` and ingest ``events`` in batches, evaluated at ``now``."""
    with database.write() as connection:
        store_config(connection, text=config, author="test", now=0)
    for start in range(0, len(events), 500):
        ingest_events(database, events[start : start + 500], now=now)


def all_reports(tables: Tables) -> dict[tuple[str, str], list[dict[str, object]]]:
    found = {}
    for name in NAMES:
        if name in DOCUMENTS:
            continue
        for by in GROUPINGS[name]:
            found[(name, by)] = run_report(name, tables, parse_query(name, by=by))[1]
    return found


def test_every_report_is_the_same_offline_and_from_the_database(
    database: Database, offline: Tables
) -> None:
    now = parse_instant_us(NOW)
    ingested(database, CONFIG, EVENTS, now)
    with database.read() as connection:
        stored = tables_from_database(connection, now)
    assert all_reports(stored) == all_reports(offline)
    assert all_reports(offline)[("compliance", "metric")][0]["met"] == 2  # not vacuous


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two simulated days of the default scenario, as an events file."""
    return simulated_days(tmp_path_factory.mktemp("sim"), seed=5)


def test_simulated_history_reports_equal_offline_and_from_the_database(
    database: Database, simulated: Path
) -> None:
    # Ingested at the end of the history, reported a day later: clocks still running at
    # ingest that are past due by then count as breached on both sides.
    events = [orjson.loads(line) for line in simulated.read_bytes().splitlines()]
    ingest_now = max(parse_instant_us(event["at"]) for event in events)
    report_now = ingest_now + 86_400_000_000
    ingested(database, SIM_CONFIG.read_text(), events, ingest_now)
    offline, _ = tables_from_file(simulated, load_config(SIM_CONFIG), report_now)
    with database.read() as connection:
        stored = tables_from_database(connection, report_now)
    name, by = "compliance", "severity,metric"
    expected = run_report(name, offline, parse_query(name, by=by))[1]
    assert run_report(name, stored, parse_query(name, by=by))[1] == expected
    assert sum(row["breached"] for row in expected) > 0
    offline_at_ingest, _ = tables_from_file(simulated, load_config(SIM_CONFIG), ingest_now)
    with database.read() as connection:
        stored_at_ingest = tables_from_database(connection, ingest_now)
    assert all_reports(stored_at_ingest) == all_reports(offline_at_ingest)
