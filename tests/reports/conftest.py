"""Report tests: a small hand-built history (tests/reports/history.py) and the service fixtures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from slakeeper.analytics.tables import Tables
from slakeeper.config import load_config
from slakeeper.core.instants import parse_instant_us
from slakeeper.services.reports import tables_from_file
from tests.reports.history import CONFIG, EVENTS, NOW
from tests.service.conftest import (  # noqa: F401 (fixtures)
    database,
    database_url,
    postgres_url,
    service,
)


def write_history(folder: Path, events: list[dict[str, object]] = EVENTS) -> tuple[Path, Path]:
    """The configuration and the events of the hand-built history, as files in ``folder``."""
    config = folder / "config.yaml"
    config.write_text(CONFIG)
    log = folder / "events.jsonl"
    log.write_bytes(b"\n".join(orjson.dumps(event) for event in events) + b"\n")
    return config, log


def simulated_days(folder: Path, seed: int) -> Path:
    """Two simulated days of the default scenario (``seed``), as an events file."""
    out = folder / "events.jsonl"
    command = [sys.executable, "-m", "slakeeper.cli", "simulate", "--days", "2", "--seed"]
    subprocess.run([*command, str(seed), "--out", str(out), "--no-attainment"], check=True)
    return out


@pytest.fixture
def history_files(tmp_path: Path) -> tuple[Path, Path]:
    """(config, events) files of the hand-built history."""
    return write_history(tmp_path)


@pytest.fixture
def offline(history_files: tuple[Path, Path]) -> Tables:
    """The hand-built history's report tables, evaluated offline at NOW."""
    config, log = history_files
    tables, diagnostics = tables_from_file(log, load_config(config), parse_instant_us(NOW))
    # T6's change to P3 (no targets) is the one note.
    assert [d.message for d in diagnostics] == [
        "policy 'std' has no targets for severity 'P3': the ticket has no clocks"
    ]
    return tables
