"""/reports and the what-if over HTTP: the page's figures are those of run_report, on the
hand-built history of tests/reports (ingested through the API), on each database."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from slakeeper.config.documents import parse_document
from slakeeper.config.loading import load_config_document
from slakeeper.core.instants import parse_instant, to_us
from slakeeper.services.histories import Window
from slakeeper.services.reports import parse_query, run_report, tables_from_database
from slakeeper.services.whatif import compare_stored
from tests.console.conftest import Console, csrf_of
from tests.reports import contract_history
from tests.reports.history import CONFIG, EVENTS, NOW

PERIOD = {"from": "2026-03-02", "to": "2026-03-05", "timezone": "UTC"}


def chart_data(html: str, chart: str) -> dict[str, Any]:
    """The JSON a chart is drawn from (embedded as data, never as script)."""
    found = re.search(rf'<script type="application/json" id="{chart}-data">(.*?)</script>', html)
    assert found is not None, f"no data for {chart}"
    return orjson.loads(found.group(1))  # type: ignore[no-any-return]


def table_rows(html: str, chart: str) -> list[list[str]]:
    """The cells of the table that carries a chart's numbers."""
    table = re.search(rf'<table class="figures" data-chart="{chart}">(.*?)</table>', html, re.S)
    assert table is not None
    body = table.group(1).split("<tbody>")[1]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


@pytest.fixture
def history(console: Console) -> Console:
    service = console.service
    assert service.put_config(CONFIG).status_code == 201
    service.clock.set(NOW)  # the service evaluates what it ingests at its clock
    assert service.post_events(EVENTS).status_code == 200
    return console


def expected(console: Console, name: str, by: str) -> list[dict[str, Any]]:
    with console.service.database.read() as connection:
        tables = tables_from_database(connection, to_us(parse_instant(NOW)))
    query = parse_query(name, by=by, start=PERIOD["from"], end=PERIOD["to"], prefix="")
    return run_report(name, tables, query)[1]


def test_compliance_per_week_is_the_report_of_the_service(history: Console) -> None:
    history.login("viewer")
    page = history.client.get("/reports", params=PERIOD | {"group": "severity"})
    assert page.status_code == 200
    data = chart_data(page.text, "chart-compliance")
    assert data["labels"] == ["2026-W10"]
    rows = expected(history, "compliance", "week,severity")
    series = {s["label"]: s["data"] for s in data["datasets"]}
    assert series == {
        row["severity"]: [None if row["compliance"] is None else round(row["compliance"] * 100, 2)]
        for row in rows
    }
    # By hand (tests/reports/history.py): P1 met 2 of 6 decided clocks, P2 2 of 4, P3 none.
    assert series == {"P1": [33.33], "P2": [50.0], "P3": [None]}
    assert table_rows(page.text, "chart-compliance") == [
        ["2026-W10", "P1", "2", "4", "33.3%"],
        ["2026-W10", "P2", "2", "2", "50.0%"],
        ["2026-W10", "P3", "0", "0", "-"],
    ]


def test_service_level_times_trends_and_causes_match_their_reports(history: Console) -> None:
    history.login("agent")
    page = history.client.get("/reports", params=PERIOD | {"within": "3h", "group": "tier"})
    html = page.text
    query = parse_query("service-level", by="metric", start=PERIOD["from"], end=PERIOD["to"],
                        within="3h", prefix="")  # fmt: skip
    with history.service.database.read() as connection:
        tables = tables_from_database(connection, to_us(parse_instant(NOW)))
    for row in run_report("service-level", tables, query)[1]:
        share = f"{row['service_level'] * 100:.1f}%"
        metric = row["metric"].replace("_", " ").capitalize()
        assert f"{metric}: {share} within 3h ({row['within']} of {row['fulfilled']}" in html
    times = chart_data(html, "chart-times")
    bands = ["lt_1h", "1h_2h", "2h_4h", "4h_8h", "8h_24h", "ge_24h"]
    assert {s["label"]: s["data"] for s in times["datasets"]} == {
        row["metric"].replace("_", " "): [row[band] for band in bands]
        for row in expected(history, "times", "metric")
    }
    trends = chart_data(html, "chart-trends")
    escalated = {row["week"]: row["escalated"] for row in expected(history, "escalations", "week")}
    assert trends["datasets"][1]["data"] == [escalated["2026-W10"]] == [1]  # T3 only
    causes = chart_data(html, "chart-causes")
    rows = expected(history, "breach-causes", "")
    assert causes["labels"] == [f"{r['kind']}: {r['name']}" for r in rows]
    assert causes["datasets"][0]["data"] == [round(r["business_seconds"] / 3600, 2) for r in rows]


def test_the_period_defaults_to_the_last_twelve_weeks(history: Console) -> None:
    history.login("viewer")
    page = history.client.get("/reports")
    assert 'name="from" value="2025-12-15"' in page.text  # Monday of the week 11 weeks back
    assert 'name="to" value="2026-03-06"' in page.text
    labels = chart_data(page.text, "chart-compliance")["labels"]
    assert labels[0] == "2025-W51" and labels[-1] == "2026-W10" and len(labels) == 12


def test_a_bad_period_is_a_page_naming_the_parameter(history: Console) -> None:
    history.login("viewer")
    answer = history.client.get("/reports", params={"from": "March"})
    assert answer.status_code == 422
    assert "from: invalid instant &#39;March&#39;" in answer.text
    assert history.client.get("/reports", params={"group": "planet"}).status_code == 422


@pytest.mark.parametrize("fmt", ["html", "pdf", "csv"])
def test_the_contract_report_downloads_as_the_service_writes_it(console: Console, fmt: str) -> None:
    from slakeeper.services import contract, contract_documents

    service = console.service
    assert service.put_config(contract_history.CONFIG).status_code == 201
    service.clock.set(contract_history.NOW)
    assert service.post_events(contract_history.EVENTS).status_code == 200
    console.login("viewer")
    params = {"account": "acme", "from": "2026-02-01", "to": "2026-03-31", "timezone": "UTC"}
    answer = console.client.get(f"/reports/contract.{fmt}", params=params)
    assert answer.status_code == 200, answer.text[:300]
    report = contract.contract_report_from_database(
        service.database, now=service.clock.now(), accounts="acme", start="2026-02-01",
        end="2026-03-31", timezone="UTC", prefix="",
    )  # fmt: skip
    name = contract_documents.file_name(report, fmt)
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert answer.headers["content-type"].startswith(contract_documents.MEDIA_TYPES[fmt])
    if fmt == "csv":
        assert answer.text == contract_documents.render_csv(report)
    elif fmt == "html":
        assert "Acme Corp" in answer.text and "<canvas" in answer.text
    else:
        assert answer.content.startswith(b"%PDF-")


def test_a_contract_download_of_a_bad_account_or_format_says_which(history: Console) -> None:
    history.login("viewer")
    params = {"account": "acme", "from": "2026-03-01", "to": "2026-03-31"}
    answer = history.client.get("/reports/contract.csv", params=params)  # acme: no contract
    assert answer.status_code == 422
    assert "account" in answer.text
    assert history.client.get("/reports/contract.doc", params=params).status_code == 422


PROPOSED = CONFIG.replace("first_response: {sla: 1h, objective: 30m}", "first_response: 3h")


def test_an_admin_compares_a_proposal_with_the_configuration_in_force(history: Console) -> None:
    history.login("admin")
    form = history.client.get("/reports/whatif")
    assert form.status_code == 200
    data = {"csrf_token": csrf_of(form.text), "proposed": PROPOSED} | PERIOD
    answer = history.client.post("/reports/whatif", data=data)
    assert answer.status_code == 200
    window = Window(to_us(parse_instant("2026-03-02T00:00:00Z")),
                    to_us(parse_instant("2026-03-06T00:00:00Z")), "UTC")  # fmt: skip
    proposed = load_config_document(parse_document(PROPOSED))
    comparison, _ = compare_stored(history.service.database, proposed, to_us(parse_instant(NOW)),
                                   window)  # fmt: skip
    row = next(r for r in comparison.severity_metrics
               if (r["severity"], r["metric"]) == ("P1", "first_response"))  # fmt: skip
    # By hand: under 1h, T2 (answered after 1h30m) and T5 (unanswered 2h at NOW) breach;
    # under 3h, T2 is met and T5 is still running: no breach.
    cells = re.search(
        r'<th scope="row">P1</th><td>First response</td>(.*?)</tr>', answer.text, re.S
    )
    assert cells is not None
    assert f"<td>{row['current_breaches']}</td><td>{row['proposed_breaches']}</td>" in cells[1]
    assert (row["current_breaches"], row["proposed_breaches"]) == (2, 0)


def test_a_proposal_with_problems_shows_them_next_to_the_field(history: Console) -> None:
    history.login("admin")
    form = history.client.get("/reports/whatif")
    bad = "calendars:\n  x: {timezone: Mars/Base, weekly: 24x7}\n"
    data = {"csrf_token": csrf_of(form.text), "proposed": bad} | PERIOD
    answer = history.client.post("/reports/whatif", data=data)
    assert answer.status_code == 422
    assert "line 2" in answer.text and "calendars.x.timezone" in answer.text
    assert 'aria-invalid="true" aria-describedby="w-problems"' in answer.text


def test_a_whatif_needs_a_bounded_period(history: Console) -> None:
    history.login("admin")
    form = history.client.get("/reports/whatif")
    data = {"csrf_token": csrf_of(form.text), "proposed": PROPOSED, "from": "2024-01-01",
            "to": "2026-03-05"}  # fmt: skip
    answer = history.client.post("/reports/whatif", data=data)
    assert answer.status_code == 422
    assert "at most 366 days" in answer.text


def test_an_agent_may_not_run_a_whatif(history: Console) -> None:
    history.login("agent")
    page = history.client.get("/reports")
    assert "/reports/whatif" not in page.text
    assert history.client.get("/reports/whatif").status_code == 403
    answer = history.post("/reports/whatif", csrf_token=csrf_of(page.text), proposed=PROPOSED)
    assert answer.status_code == 403
