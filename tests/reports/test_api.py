"""GET /api/v1/reports/{name}: the same rows as the CLI, errors that name the parameter."""

from __future__ import annotations

from slakeeper.analytics.tables import Tables
from slakeeper.core.instants import parse_instant_us
from slakeeper.services.reports import parse_query, run_report
from tests.reports.history import CONFIG, EVENTS, NOW
from tests.reports.test_sources import ingested
from tests.service.conftest import Service


def test_the_api_report_equals_the_offline_report(service: Service, offline: Tables) -> None:
    ingested(service.database, CONFIG, EVENTS, parse_instant_us(NOW))
    answer = service.get("/api/v1/reports/compliance", by="severity,metric", now=NOW)
    assert answer.status_code == 200, answer.text
    expected = run_report("compliance", offline, parse_query("compliance", by="severity,metric"))
    assert answer.json() == expected[1]


def test_the_api_judges_running_clocks_at_the_service_clock_by_default(service: Service) -> None:
    ingested(service.database, CONFIG, EVENTS, parse_instant_us(NOW))
    service.clock.set(NOW)
    at_clock = service.get("/api/v1/reports/backlog").json()
    assert at_clock == service.get("/api/v1/reports/backlog", now=NOW).json()
    assert sum(row["open"] for row in at_clock) == 3


def test_csv_from_the_api(service: Service) -> None:
    ingested(service.database, CONFIG, EVENTS, parse_instant_us(NOW))
    answer = service.get("/api/v1/reports/csat", now=NOW, format="csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.text.splitlines()[0] == "tier,surveyed,rated,response_rate,satisfied,csat"


def test_an_unknown_report_is_404(service: Service) -> None:
    answer = service.get("/api/v1/reports/sla-magic")
    assert answer.status_code == 404
    assert "sla-magic" in answer.json()["detail"]


def test_a_bad_parameter_is_422_naming_it(service: Service) -> None:
    cases = {
        "by": {"by": "colour"},
        "from": {"from": "2026-02-30"},
        "timezone": {"timezone": "Mars/Olympus"},
        "now": {"now": "noon"},
        "format": {"format": "pdf"},
    }
    for field, params in cases.items():
        answer = service.get("/api/v1/reports/compliance", **params)
        assert answer.status_code == 422, (field, answer.text)
        assert answer.json()["field"] == field
