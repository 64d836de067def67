"""Over four weeks the output matches the scenario, within stated tolerances.

Tolerances: shares (severity per tier, channel) within 4 binomial standard deviations;
arrivals by hour of week (in each account's zone) by a chi-square of the 168 bins below
its mean + 4 standard deviations; handling-time medians within 10% of the scenario's and
log-sigmas within 10%.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from slakeeper.config import read_document
from slakeeper.simulation import default_scenario_path, load_scenario, parse_scenario
from tests.simulation.helpers import documents, run

DAYS = 28  # whole weeks from a Monday: every local hour of week occurs four times


def _without_bursts():  # type: ignore[no-untyped-def]
    document = read_document(default_scenario_path())
    del document.data["bursts"]
    return parse_scenario(document)


def _created(data: bytes) -> list[dict[str, object]]:
    return [doc for doc in documents(data) if doc["type"] == "created"]


def _within(observed: int, total: int, expected: float) -> bool:
    sd = math.sqrt(expected * (1 - expected) / total)
    return abs(observed / total - expected) <= 4 * sd + 1e-9


def test_arrivals_follow_the_hour_of_week_profile() -> None:
    scenario = _without_bursts()
    data, _ = run(scenario, DAYS, seed=11)
    zones = {a.id: ZoneInfo(a.timezone) for a in scenario.accounts}
    counts: Counter[int] = Counter()
    created = _created(data)
    for doc in created:
        at = datetime.fromisoformat(str(doc["at"]).replace("Z", "+00:00")).astimezone(UTC)
        local = at.astimezone(zones[str(doc["account"])])
        counts[local.weekday() * 24 + local.hour] += 1
    total = len(created)
    assert 1920 * 4 * 0.9 < total < 1920 * 4 * 1.05 * 1.1  # January: seasonal factor 1.05
    profile = scenario.hour_of_week
    chi2 = sum(
        (counts[how] - total * profile[how] / 168) ** 2 / (total * profile[how] / 168)
        for how in range(168)
    )
    assert chi2 < 167 + 4 * math.sqrt(2 * 167), chi2
    busiest = max(range(168), key=lambda how: profile[how])
    assert counts[busiest] > 5 * counts[3]  # Monday 10:00 local vs Monday 03:00 local


def test_severity_and_channel_mix() -> None:
    scenario = load_scenario()
    data, _ = run(scenario, DAYS, seed=12)
    created = [doc for doc in _created(data) if "incident" not in doc["tags"]]  # type: ignore[operator]
    for tier, mix in scenario.model.severity_mix.items():
        tickets = [doc for doc in created if doc["account_tier"] == tier]
        assert len(tickets) > 500
        seen = Counter(doc["severity"] for doc in tickets)
        total_weight = sum(mix.values())
        for severity, weight in mix.items():
            assert _within(seen[severity], len(tickets), weight / total_weight), (tier, severity)
    channels = Counter(doc["channel"] for doc in created)
    weights = scenario.model.channels
    for channel, weight in weights.items():
        assert _within(channels[channel], len(created), weight / sum(weights.values())), channel


def test_incident_bursts_are_p1s_from_several_accounts_within_minutes() -> None:
    data, stats = run(load_scenario(), 70, seed=13)
    incidents = [doc for doc in _created(data) if "incident" in doc["tags"]]  # type: ignore[operator]
    assert stats.bursts >= 1
    assert all(doc["severity"] == "P1" for doc in incidents)
    assert len({doc["account"] for doc in incidents}) >= 3


def test_handling_times_match_the_scenario() -> None:
    scenario = load_scenario()
    _, stats = run(scenario, DAYS, seed=14)
    for team, spec in scenario.model.teams.items():
        minutes = [us / 60_000_000 for us in stats.handling_us[team]]
        assert len(minutes) > 300, team
        median = statistics.median(minutes)
        assert abs(median / spec.handling.median_minutes - 1) < 0.10, (team, median)
        sigma = statistics.stdev(math.log(m) for m in minutes)
        assert abs(sigma / spec.handling.sigma - 1) < 0.10, (team, sigma)


def test_subjects_carry_severity_and_product_words() -> None:
    data, _ = run(load_scenario(), 7, seed=15)
    created = _created(data)
    p1 = [str(doc["subject"]).lower() for doc in created if doc["severity"] == "P1"]
    p4 = [str(doc["subject"]).lower() for doc in created if doc["severity"] == "P4"]
    urgent = ("down", "outage", "critical", "urgent", "500", "emergency", "sev 1")
    assert sum(any(w in s for w in urgent) for s in p1) > 0.7 * len(p1)
    assert sum(any(w in s for w in urgent) for s in p4) == 0
    assert len({doc["subject"] for doc in created}) > 300
