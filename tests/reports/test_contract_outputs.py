"""The contract report through ``slakeeper report contract`` and GET /api/v1/reports/contract:
each format, files and downloads, bad input; and its HTML drawing its charts in Chromium."""

from __future__ import annotations

import csv
import io
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from slakeeper.config import load_config
from slakeeper.core.instants import parse_instant_us
from slakeeper.services.contract import contract_report_from_file
from slakeeper.services.contract_documents import render_html, report_document
from slakeeper.services.tokens import Role
from slakeeper.store.session import Database
from tests.console.browser import launch, needs_chromium
from tests.reports.contract_history import CONFIG, EVENTS, NOW
from tests.reports.test_contract import pdf_text
from tests.reports.test_sources import ingested
from tests.service.conftest import Service

AT = parse_instant_us(NOW)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"\n".join(orjson.dumps(event) for event in EVENTS) + b"\n")
    return config, log


def contract(files: tuple[Path, Path], *args: str, **run: Any) -> subprocess.CompletedProcess[Any]:
    config, log = files
    command = [sys.executable, "-m", "slakeeper.cli", "report", "contract", "--config",
               str(config), "--events", str(log), "--now", NOW, *args]  # fmt: skip
    return subprocess.run(command, capture_output="stdout" not in run, check=False, **run)


def expected(files: tuple[Path, Path], **options: Any) -> dict[str, Any]:
    config, log = files
    report = contract_report_from_file(log, load_config(config), now=AT, **options)
    return report_document(report)


# ---- CLI ---------------------------------------------------------------------------------


def test_json_on_stdout_is_the_report_object(files: tuple[Path, Path]) -> None:
    done = contract(files, "--format", "json", "--account", "acme")
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout) == expected(files)


def test_the_table_names_the_account_the_verdicts_and_the_credit(files: tuple[Path, Path]) -> None:
    done = contract(files, text=True)
    assert done.returncode == 0, done.stderr
    for words in ("Acme Corp", "FAIL", "below 80.0%: 5.0%", "500.00", "on_hold 4h 00m"):
        assert words in done.stdout, words


def test_output_writes_the_file_and_nothing_on_stdout(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    target = tmp_path / "march.html"
    done = contract(files, "--format", "html", "--output", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    assert target.read_text().startswith("<!DOCTYPE html>")
    csv_file = tmp_path / "march.csv"
    assert contract(files, "--format", "csv", "--output", str(csv_file)).returncode == 0
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text())))
    assert rows[0]["record"] == "month" and rows[0]["credit_amount"] == "500.0"


def test_a_pdf_goes_to_stdout_only_when_it_is_not_a_terminal(files: tuple[Path, Path]) -> None:
    piped = contract(files, "--format", "pdf")
    assert piped.returncode == 0 and piped.stdout.startswith(b"%PDF-")
    leader, follower = pty.openpty()
    try:
        done = contract(files, "--format", "pdf", stdout=follower, stderr=subprocess.PIPE)
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2
    assert done.stderr.decode().strip().startswith("error: --output: a PDF is not written")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--account", "acme,beta"], "--account"),
        (["--account", "nobody"], "--account"),
        (["--from", "2026-03-32"], "--from"),
        (["--to", "noon"], "--to"),
        (["--from", "2026-03-05", "--to", "2026-03-01"], "--to"),
        (["--timezone", "Mars/Olympus"], "--timezone"),
        (["--format", "docx"], "--format"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_option(
    files: tuple[Path, Path], args: list[str], named: str
) -> None:
    done = contract(files, *args, text=True)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {named}:"), lines


def test_a_failed_output_leaves_no_file(files: tuple[Path, Path], tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    done = contract(files, "--format", "pdf", "--account", "beta", "--output", str(target))
    assert done.returncode == 2
    assert list(tmp_path.glob("report.pdf*")) == [] and list(tmp_path.glob(".report*")) == []


def test_without_events_the_contract_report_reads_the_database(
    database: Database, database_url: str, files: tuple[Path, Path]
) -> None:
    ingested(database, CONFIG, EVENTS, AT)
    env = os.environ | {"SLAKEEPER_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "slakeeper.cli", "report", "contract", "--now", NOW,
               "--from", "2026-02-01", "--to", "2026-03-31", "--format", "json"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout) == expected(files, start="2026-02-01", end="2026-03-31")


# ---- API ---------------------------------------------------------------------------------


def test_the_api_serves_each_format_with_its_media_type(
    service: Service, files: tuple[Path, Path]
) -> None:
    ingested(service.database, CONFIG, EVENTS, AT)
    params = {"account": "acme", "now": NOW}
    answer = service.get("/api/v1/reports/contract", Role.VIEWER, **params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == expected(files)
    for output, media in (("csv", "text/csv"), ("html", "text/html"), ("pdf", "application/pdf")):
        answer = service.get("/api/v1/reports/contract", format=output, **params)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith(media)
        disposition = answer.headers["content-disposition"]
        assert disposition == f'attachment; filename="contract-acme-2026-03.{output}"'
    assert b"(Contract report: Acme Corp)" in pdf_text(answer.content)


def test_the_api_takes_a_period_and_repeated_accounts(
    service: Service, files: tuple[Path, Path]
) -> None:
    ingested(service.database, CONFIG, EVENTS, AT)
    answer = service.client.get(
        "/api/v1/reports/contract?account=acme&account=acme&from=2026-02-01&to=2026-03-31"
        f"&now={NOW}",
        headers=service.headers(),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == expected(files, start="2026-02-01", end="2026-03-31")
    assert answer.json()["accounts"][0]["credit_total"] == 1500


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"account": "beta"}, "account"),
        ({"account": "nobody"}, "account"),
        ({"from": "2026-02-30"}, "from"),
        ({"to": "2026-03-01T00:00:00"}, "to"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"format": "table"}, "format"),
        ({"now": "noon"}, "now"),
    ],
)
def test_bad_api_input_is_422_naming_the_field(
    service: Service, params: dict[str, str], field: str
) -> None:
    ingested(service.database, CONFIG, EVENTS, AT)
    answer = service.get("/api/v1/reports/contract", **params)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


def test_accounts_are_for_the_contract_report_only(service: Service) -> None:
    answer = service.get("/api/v1/reports/compliance", account="acme")
    assert answer.status_code == 422 and answer.json()["field"] == "account"


# ---- the HTML in a browser ---------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright, chromium = launch()
    yield chromium
    chromium.close()
    playwright.stop()


INK = """(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return {painted, width: canvas.width, height: canvas.height};
}"""


@pytest.mark.browser
@needs_chromium
def test_the_html_draws_its_charts_offline(
    browser: Any, files: tuple[Path, Path], tmp_path: Path
) -> None:
    config, log = files
    report = contract_report_from_file(log, load_config(config), now=AT, start="2026-02-01")
    target = tmp_path / "report.html"
    target.write_text(render_html(report))
    context = browser.new_context(offline=True)  # no network: it must not need one
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(target.as_uri())
    page.wait_for_load_state("load")
    for chart in ("metrics-0", "weeks-0"):
        ink = page.evaluate(INK, chart)
        assert ink["width"] > 100 and ink["height"] > 100, ink
        assert ink["painted"] > 1000, (chart, ink)  # bars, lines, axes: not a blank canvas
    assert errors == [] and failed == []
    assert page.get_by_role("heading", name="Acme Corp").count() == 1
    context.close()
