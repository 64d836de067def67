"""The contract report on the hand-built history of tests/reports/contract_history.py.

Every figure is worked out by hand from the events (see that module's docstring); the
file and the database (SQLite, and PostgreSQL when configured) give the same report.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import zlib
from pathlib import Path

import orjson
import pytest

from slakeeper.config import load_config
from slakeeper.core.errors import InputError
from slakeeper.core.instants import parse_instant_us
from slakeeper.services.contract import (
    ContractReport,
    contract_report_from_database,
    contract_report_from_file,
)
from slakeeper.services.contract_documents import (
    CSV_COLUMNS,
    render_csv,
    render_html,
    report_document,
)
from slakeeper.services.contract_pdf import render_pdf
from slakeeper.store.session import Database
from tests.reports.contract_history import CONFIG, EVENTS, NOW
from tests.reports.test_sources import ingested

FEE = 10_000
AT = parse_instant_us(NOW)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"\n".join(orjson.dumps(event) for event in EVENTS) + b"\n")
    return config, log


def offline(files: tuple[Path, Path], **options: str) -> ContractReport:
    config, log = files
    return contract_report_from_file(log, load_config(config), now=AT, **options)  # type: ignore[arg-type]


def test_the_default_period_is_the_accounts_current_month(files: tuple[Path, Path]) -> None:
    report = offline(files)
    [section] = report_document(report)["accounts"]  # beta has no contract: not reported
    assert section["account"] == "acme" and section["name"] == "Acme Corp"
    # March in Europe/Berlin: from 1 March 00:00 CET (= 28 Feb 23:00Z) to 1 April 00:00 CEST.
    assert section["period"]["from"] == "2026-02-28T23:00:00Z"
    assert section["period"]["to"] == "2026-03-31T22:00:00Z"
    assert section["period"]["months"] == ["2026-03"]


def test_met_breached_and_running_per_metric_and_pooled(files: tuple[Path, Path]) -> None:
    section = report_document(offline(files))["accounts"][0]
    metrics = {row["metric"]: row for row in section["metrics"]}
    # First response: met A1 A3 A5, breached A2 A4. Resolution: met A1, A2 (exactly at its
    # due instant), breached A3, running A4 and A5 (paused). A0 is February's.
    assert [metrics["first_response"][k] for k in ("met", "breached", "running")] == [3, 2, 0]
    assert [metrics["resolution"][k] for k in ("met", "breached", "running")] == [2, 1, 2]
    assert metrics["first_response"]["compliance"] == pytest.approx(3 / 5)
    assert metrics["resolution"]["compliance"] == pytest.approx(2 / 3)
    overall = section["overall"]
    assert (overall["met"], overall["breached"], overall["running"]) == (5, 3, 2)
    assert overall["compliance"] == pytest.approx(5 / 8)
    assert overall["meets_commitment"] is False  # 62.5% < 80%
    assert metrics["resolution"]["meets_commitment"] is False


def test_credit_rows_do_not_stack_and_below_is_strict(files: tuple[Path, Path]) -> None:
    march = report_document(offline(files))["accounts"][0]
    # 5/8 = 0.625 is under 0.8 but not under 0.625: the 5% row, not 10%.
    [credit] = march["credits"]
    assert credit["row"] == {"below": 0.8, "credit": 0.05}
    assert credit["amount"] == pytest.approx(0.05 * FEE) == march["credit_total"]
    # Wed 4 - Thu 5 March: met A3 and A5 (first response); breached A4 (first response) and
    # A3 (resolution): 2/4 = 0.5, under 0.8 and 0.625 but not under 0.5: the lowest row
    # it is under alone gives the credit, 10% (stacked rows would give 15%).
    days = report_document(offline(files, start="2026-03-04", end="2026-03-05"))["accounts"][0]
    [credit] = days["credits"]
    assert (credit["met"], credit["breached"]) == (2, 2)
    assert credit["row"] == {"below": 0.625, "credit": 0.10}
    assert days["credit_total"] == pytest.approx(0.10 * FEE)


def test_a_period_over_two_months_owes_each_months_credit(files: tuple[Path, Path]) -> None:
    section = report_document(offline(files, start="2026-02-01", end="2026-03-31"))["accounts"][0]
    credits = {credit["month"]: credit for credit in section["credits"]}
    # February: A0 met resolution, breached first response: 0.5 -> 10%. March: 5% as above.
    assert (credits["2026-02"]["met"], credits["2026-02"]["breached"]) == (1, 1)
    assert credits["2026-02"]["amount"] == pytest.approx(0.10 * FEE)
    assert credits["2026-03"]["amount"] == pytest.approx(0.05 * FEE)
    # Month by month: 1,500, not the 1,000 that pooling the 6/10 of both months would give.
    assert section["credit_total"] == pytest.approx(0.15 * FEE)
    assert section["overall"]["compliance"] == pytest.approx(6 / 10)


def test_each_breach_with_business_minutes_over_target(files: tuple[Path, Path]) -> None:
    section = report_document(offline(files))["accounts"][0]
    found = [
        (b["ticket"], b["metric"], b["breached_at"], b["fulfilled_at"], b["over_target_minutes"])
        for b in section["breaches"]
    ]
    assert found == [
        # 16:00-17:00 Monday reaches the 1h target at closing time; the reply at Tuesday
        # 10:00 adds 09:00-10:00: 60 minutes over.
        ("A2", "first_response", "2026-03-02T17:00:00Z", "2026-03-03T10:00:00Z", 60),
        # Wed 09:00-17:00 and Thu 09:00-12:00 (NOW) = 660 minutes against 240.
        ("A3", "resolution", "2026-03-04T13:00:00Z", None, 660 - 240),
        # Thu 10:00 to NOW 12:00 = 120 minutes against 60.
        ("A4", "first_response", "2026-03-05T11:00:00Z", None, 120 - 60),
    ]


def test_paused_time_per_clock_with_the_statuses_that_paused_it(
    files: tuple[Path, Path],
) -> None:
    section = report_document(offline(files))["accounts"][0]
    paused = {(row["ticket"], row["metric"]): row for row in section["paused"]}
    assert set(paused) == {("A1", "resolution"), ("A2", "resolution"), ("A5", "resolution")}
    assert paused[("A2", "resolution")]["statuses"] == {"on_hold": 240}  # Tue 10:30-14:30
    assert paused[("A1", "resolution")]["statuses"] == {"pending": 60}  # Mon 10:00-11:00
    assert paused[("A5", "resolution")]["statuses"] == {"pending": 10}  # Thu 11:50-12:00
    for row in section["paused"]:
        assert sum(row["statuses"].values()) == row["paused_minutes"]


def test_the_solved_spell_before_a_reopen_counts_as_paused_by_solved(tmp_path: Path) -> None:
    events = [
        {"id": "R-c", "ticket": "R", "type": "created", "at": "2026-03-02T09:00:00Z",
         "severity": "P1", "account": "acme", "channel": "email"},
        {"id": "R-1", "ticket": "R", "type": "status", "at": "2026-03-02T10:00:00Z",
         "status": "solved"},
        {"id": "R-2", "ticket": "R", "type": "status", "at": "2026-03-02T10:45:00Z",
         "status": "open"},
        {"id": "R-3", "ticket": "R", "type": "status", "at": "2026-03-02T11:00:00Z",
         "status": "solved"},
    ]  # fmt: skip
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"\n".join(orjson.dumps(event) for event in events))
    report = contract_report_from_file(log, load_config(config), now=AT)
    [row] = report_document(report)["accounts"][0]["paused"]
    assert (row["metric"], row["statuses"], row["paused_minutes"]) == (
        "resolution", {"solved": 45}, 45,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("options", "option", "words"),
    [
        ({"accounts": "beta"}, "--account", "has no contract"),
        ({"accounts": ["acme", "zed"]}, "--account", "unknown account 'zed'"),
        ({"start": "2026-02-30"}, "--from", "invalid date"),
        ({"end": "2026-03-01T00:00:00"}, "--to", "offset"),
        ({"start": "2026-03-10", "end": "2026-03-09"}, "--to", "after --from"),
        ({"timezone": "Mars/Olympus"}, "--timezone", "Mars/Olympus"),
        ({"end": "9999-12-31"}, "--to", "out of the range of dates"),
        ({"start": "1900-01-01", "end": "2100-01-01"}, "--to", "at most 100 years"),
    ],
)
def test_bad_input_names_the_option(
    files: tuple[Path, Path], options: dict[str, object], option: str, words: str
) -> None:
    with pytest.raises(InputError) as caught:
        offline(files, **options)  # type: ignore[arg-type]
    assert caught.value.path == (option,)
    assert words in caught.value.message


def test_the_database_gives_the_same_report_as_the_file(
    files: tuple[Path, Path], database: Database
) -> None:
    ingested(database, CONFIG, EVENTS, AT)
    for period in ({}, {"start": "2026-02-01", "end": "2026-03-31"}):
        stored = contract_report_from_database(database, now=AT, **period)  # type: ignore[arg-type]
        assert report_document(stored) == report_document(offline(files, **period))
    assert report_document(stored)["accounts"][0]["credit_total"] == pytest.approx(0.15 * FEE)
    # Judged earlier than the events go: A3-A5 do not exist yet, A2's resolution runs.
    config, log = files
    early = parse_instant_us("2026-03-03T00:00:00Z")
    stored = contract_report_from_database(database, now=early)
    assert report_document(stored) == report_document(
        contract_report_from_file(log, load_config(config), now=early)
    )
    overall = report_document(stored)["accounts"][0]["overall"]
    assert (overall["met"], overall["breached"], overall["running"]) == (2, 1, 1)


def test_the_csv_has_a_month_record_and_a_record_per_clock(files: tuple[Path, Path]) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(offline(files)))))
    assert tuple(rows[0]) == CSV_COLUMNS
    months = [row for row in rows if row["record"] == "month"]
    clocks = [row for row in rows if row["record"] == "clock"]
    assert [(m["month"], m["compliance"], m["credit_amount"]) for m in months] == [
        ("2026-03", "0.625", "500.0")
    ]
    assert len(clocks) == 10  # A1-A5, two clocks each
    statuses = [clock["status"] for clock in clocks]
    assert (statuses.count("met"), statuses.count("breached")) == (5, 3)
    a2 = next(c for c in clocks if c["ticket"] == "A2" and c["metric"] == "resolution")
    assert (a2["paused_minutes"], a2["paused_statuses"]) == ("240.0", "on_hold=240")


def test_the_html_is_one_file_with_no_external_reference(files: tuple[Path, Path]) -> None:
    page = render_html(offline(files))
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert not re.search(r"""<(script|link|img)[^>]*(src|href)=""", page)
    assert "Chart.js v4.6.1" in page  # the vendored library, inlined
    assert "Acme Corp" in page and "500.00" in page
    assert "FAIL" in page  # the result in words, not in colour alone


def pdf_text(data: bytes) -> bytes:
    """The page content of a ReportLab PDF: its streams, ASCII85 and Flate decoded."""
    found = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", data, re.S):
        head, body = match.group(1), match.group(2)
        if b"ASCII85Decode" in head:
            body = base64.a85decode(body.strip().removesuffix(b"~>"))
        if b"FlateDecode" in head:
            body = zlib.decompress(body)
        found.append(body)
    return b"\n".join(found)


def test_the_pdf_has_the_account_the_credit_and_the_breaches(files: tuple[Path, Path]) -> None:
    data = render_pdf(offline(files, start="2026-02-01", end="2026-03-31"))
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page[^s]", data)) >= 1
    text = pdf_text(data)
    assert b"(Contract report: Acme Corp)" in text
    assert b"(1,500.00)" in text  # the total credit
    assert b"(7h 00m)" in text  # A3's 420 minutes over target
    assert b"(on_hold 4h 00m)" in text


BARE = CONFIG.replace(
    "  beta: {name: Beta, tier: standard}",
    "  beta: {name: 'Beta <b>&</b>', contract: {credits: [{below: 0.9, credit: 0.1}]}}",
)


def test_a_period_without_clocks_and_a_contract_without_fee_still_render(
    files: tuple[Path, Path],
) -> None:
    config, log = files
    config.write_text(BARE)
    report = contract_report_from_file(
        log, load_config(config), now=AT, start="2026-04-01", end="2026-04-30"
    )
    acme, beta = report_document(report)["accounts"]
    assert acme["metrics"] == [] and acme["overall"]["compliance"] is None
    assert acme["credit_total"] == 0  # no decided clock: no credit
    assert beta["credit_total"] is None and beta["overall"]["meets_commitment"] is None
    assert b"No clock started in the period" in pdf_text(render_pdf(report))
    page = render_html(report)
    assert "Beta &lt;b&gt;&amp;&lt;/b&gt;" in page and "<b>&</b>" not in page
    assert list(csv.DictReader(io.StringIO(render_csv(report))))[1]["credit_amount"] == ""
