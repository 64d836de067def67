"""Absences, severity changes and transfers in the generated history."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from slakeeper.config import load_config, read_document
from slakeeper.core.instants import parse_instant_us
from slakeeper.simulation import Pick, default_scenario_path, load_scenario, parse_scenario
from slakeeper.simulation.absences import AbsenceModel, absent_days, country_of_zone
from slakeeper.simulation.attainment import attainment_of_lines
from tests.simulation.conftest import DEFAULT_CONFIG
from tests.simulation.helpers import documents, run

WEEK = 7 * 86_400_000_000


def test_agents_do_not_work_on_their_own_countrys_public_holidays() -> None:
    # 2026-01-19 is Martin Luther King Jr. Day in the US, a working day in Germany
    config = load_config(DEFAULT_CONFIG)
    trace: list[Pick] = []
    start = parse_instant_us("2026-01-19T00:00:00Z")
    scenario = load_scenario()
    simulated = run_from(scenario, start, trace, config)
    assert simulated
    by_group = {pick.agent.rsplit("-", 1)[0] for pick in trace}
    assert "t1-ber" in by_group and "t1-lon" in by_group
    assert not {"t1-nyc", "t1-sfo", "t2-nyc", "eng-sfo"} & by_group


def run_from(scenario, start, trace, config):  # type: ignore[no-untyped-def]
    import io

    from slakeeper.simulation import simulate

    buffer = io.BytesIO()
    simulate(scenario, days=1, seed=2, write=buffer.write, start=start, config=config, trace=trace)
    return buffer.getvalue()


def test_country_of_a_zone_comes_from_tzdata() -> None:
    assert country_of_zone("America/New_York") == "US"
    assert country_of_zone("Europe/Berlin") == "DE"
    assert country_of_zone("Etc/UTC") is None


def test_absence_rates_match_the_model_over_many_agents() -> None:
    model = AbsenceModel(sick_days_per_year=7, vacation_days_per_year=25)
    agents = [(f"a{n}", "t") for n in range(400)]
    away = absent_days(model, agents, date(2026, 1, 1), date(2026, 12, 31), seed=1)
    weekdays = [
        sum(1 for day in days if day.year == 2026 and day.weekday() < 5) for days in away.values()
    ]
    mean = sum(weekdays) / len(weekdays)
    assert 27 < mean < 37, mean  # 7 sick + 25 vacation working days, less overlaps


def test_a_team_on_leave_breaches_more_in_that_period() -> None:
    document = read_document(default_scenario_path())
    document.data["absences"]["periods"] = [
        {"team": "tier1", "from": "2026-01-19", "to": "2026-01-25", "share": 0.4}
    ]
    scenario = parse_scenario(document)
    config = load_config(DEFAULT_CONFIG)
    data, _ = run(scenario, 28, seed=4, config=config)  # weeks 0-3; week 2 is the leave
    week_of = {
        doc["ticket"]: (parse_instant_us(doc["at"]) - scenario.start) // WEEK
        for doc in documents(data)
        if doc["type"] == "created"
    }
    by_week: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for week in (0, 1, 2, 3):
        lines = [
            line for line in data.splitlines() if week_of.get(documents(line)[0]["ticket"]) == week
        ]
        tally = attainment_of_lines(lines, config, scenario.start + 28 * 86_400_000_000)
        first = [tally.tally(t, "first_response") for t in ("enterprise", "mid_market", "standard")]
        by_week[week] = [sum(t.breached for t in first), sum(t.met + t.breached for t in first)]
    share = {week: breached / total for week, (breached, total) in by_week.items()}
    assert share[2] > 2 * max(share[0], share[1]), share
    assert share[3] < share[2], share  # the team is back


def test_severity_changes_transfers_and_reopens_after_a_change_appear() -> None:
    config = load_config(DEFAULT_CONFIG)
    data, _ = run(load_scenario(), 14, seed=6, config=config)
    docs = documents(data)
    severity: dict[str, str] = {}
    raised = lowered = 0
    teams: dict[str, list[str]] = defaultdict(list)
    solved_then_changed: set[str] = set()
    status: dict[str, str] = {}
    reopened_after_change = 0
    for doc in docs:
        ticket = doc["ticket"]
        if doc["type"] == "created":
            severity[ticket] = doc["severity"]
            teams[ticket].append(doc["team"])
        elif doc["type"] == "assign":
            teams[ticket].append(doc["team"])
        elif doc["type"] == "status":
            if status.get(ticket) == "solved" and doc["status"] == "open":
                reopened_after_change += ticket in solved_then_changed
            status[ticket] = doc["status"]
        elif doc["type"] == "update":
            new = doc["fields"]["severity"]
            raised += new < severity[ticket]
            lowered += new > severity[ticket]
            if status.get(ticket) == "solved":
                solved_then_changed.add(ticket)
            severity[ticket] = new
    assert raised > 20 and lowered > 20
    assert len(solved_then_changed) > 20 and reopened_after_change > 5
    round_trips = [t for t in teams.values() if t[:4] == ["tier1", "tier2", "engineering", "tier2"]]
    assert len(round_trips) > 10
    assert any(t[-1] == "tier1" and "tier2" in t for t in teams.values())
    table = attainment_of_lines(data.splitlines(), config, load_scenario().start + 2 * WEEK)
    assert table.diagnostics == []
