"""``slakeeper report``: formats, the database path, and bad input (exit 2, one line)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from slakeeper.core.instants import parse_instant_us
from slakeeper.store.session import Database
from tests.reports.history import CONFIG, EVENTS, NOW
from tests.reports.test_sources import ingested


def report(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "slakeeper.cli", "report", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def offline(files: tuple[Path, Path], *args: str) -> subprocess.CompletedProcess[str]:
    config, events = files
    return report(*args, "--config", str(config), "--events", str(events), "--now", NOW)


def test_compliance_json_is_a_list_with_the_by_keys_and_counts(
    history_files: tuple[Path, Path],
) -> None:
    done = offline(history_files, "compliance", "--by", "severity,metric", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = orjson.loads(done.stdout)
    first = rows[0]
    assert list(first)[:7] == [
        "severity", "metric", "met", "breached", "running", "cancelled", "compliance",
    ]  # fmt: skip
    assert (first["severity"], first["metric"], first["met"], first["breached"]) == (
        "P1", "first_response", 1, 2,
    )  # fmt: skip
    assert [row["compliance"] for row in rows if row["severity"] == "P3"] == [None, None]


def test_csv_has_a_header_and_empty_cells_for_null(history_files: tuple[Path, Path]) -> None:
    done = offline(history_files, "compliance", "--by", "severity", "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [row["severity"] for row in rows] == ["P1", "P2", "P3"]
    assert rows[2]["compliance"] == ""


def test_the_table_shows_each_group(history_files: tuple[Path, Path]) -> None:
    done = offline(history_files, "backlog")
    assert done.returncode == 0, done.stderr
    assert "severity" in done.stdout and "P3" in done.stdout


def test_weeks_group_in_the_report_time_zone(history_files: tuple[Path, Path]) -> None:
    done = offline(
        history_files, "compliance", "--by", "week", "--timezone", "Asia/Tokyo", "--format", "json"
    )
    assert [row["week"] for row in orjson.loads(done.stdout)] == ["2026-W10"]


def test_without_events_the_report_reads_the_database(
    database: Database, database_url: str, history_files: tuple[Path, Path]
) -> None:
    ingested(database, CONFIG, EVENTS, parse_instant_us(NOW))
    env = os.environ | {"SLAKEEPER_DATABASE_URL": database_url}
    stored = report(
        "compliance", "--by", "severity,metric", "--now", NOW, "--format", "json", env=env
    )
    assert stored.returncode == 0, stored.stderr
    from_file = offline(history_files, "compliance", "--by", "severity,metric", "--format", "json")
    assert orjson.loads(stored.stdout) == orjson.loads(from_file.stdout)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["compliance", "--by", "severity,colour"], "--by"),
        (["backlog", "--by", "metric"], "--by"),
        (["compliance", "--from", "2026-13-01"], "--from"),
        (["compliance", "--to", "yesterday"], "--to"),
        (["compliance", "--timezone", "Mars/Olympus"], "--timezone"),
        (["service-level", "--within", "-1h"], "--within"),
        (["compliance", "--format", "html"], "--format"),
        (["compliance", "--format", "pdf"], "--format"),
        (["contract"], "--account"),  # this history has no contract
        (["compliance", "--account", "acme"], "--account"),
        (["compliance", "--now", "2026-03-06T00:00:00"], "--now"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_option(
    history_files: tuple[Path, Path], args: list[str], named: str
) -> None:
    done = offline(history_files, *args) if "--now" not in args else report(*args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], lines


def test_html_and_pdf_are_the_contract_reports_only(history_files: tuple[Path, Path]) -> None:
    done = offline(history_files, "compliance", "--format", "pdf")
    assert done.returncode == 2
    assert "--format" in done.stderr and "contract report" in done.stderr


def test_an_unknown_report_exits_2_listing_the_reports(history_files: tuple[Path, Path]) -> None:
    done = offline(history_files, "sla-magic")
    assert done.returncode == 2
    assert "compliance" in done.stderr and "sla-magic" in done.stderr


def test_events_without_a_config_exits_2(history_files: tuple[Path, Path]) -> None:
    done = report("compliance", "--events", str(history_files[1]))
    assert done.returncode == 2 and "--config" in done.stderr
