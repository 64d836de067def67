"""Each report's definitions on the hand-built history (tests/reports/history.py).

The expected figures are worked out by hand in the comments from the history's story.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slakeeper.analytics.figures import Query
from slakeeper.analytics.tables import Tables, make_tables, with_periods
from slakeeper.config import load_config
from slakeeper.core.instants import parse_instant_us
from slakeeper.services.reports import parse_query, run_report, tables_from_file
from tests.reports.conftest import write_history

HOUR = 3600


def rows(tables: Tables, name: str, **params: str) -> list[dict[str, object]]:
    return run_report(name, tables, parse_query(name, **params))[1]


def test_compliance_counts_met_breached_and_keeps_running_and_cancelled_apart(
    offline: Tables,
) -> None:
    # first response: met T1, T4; breached T2, T3, T5; cancelled T6 → 2 ÷ 5.
    # Objective (P1 only): met T1 (20m ≤ 30m), missed T2 and T5 → 1 ÷ 3.
    # resolution: met T1, T4; breached T2, T3; running (paused) T5; cancelled T6 → 2 ÷ 4.
    # team ownership: T2's engineering clock breached at 14:00 → 0 ÷ 1.
    assert rows(offline, "compliance", by="metric") == [
        {"metric": "first_response", "met": 2, "breached": 3, "running": 0, "cancelled": 1,
         "compliance": 0.4, "objective_met": 1, "objective_missed": 2,
         "objective_compliance": pytest.approx(1 / 3)},
        {"metric": "resolution", "met": 2, "breached": 2, "running": 1, "cancelled": 1,
         "compliance": 0.5, "objective_met": 0, "objective_missed": 0,
         "objective_compliance": None},
        {"metric": "team_ownership", "met": 0, "breached": 1, "running": 0, "cancelled": 0,
         "compliance": 0.0, "objective_met": 0, "objective_missed": 0,
         "objective_compliance": None},
    ]  # fmt: skip


def test_compliance_groups_by_the_latest_severity_and_nothing_decided_is_null(
    offline: Tables,
) -> None:
    # P1 (T1, T2, T5): met 2 (T1 twice); breached 4 (T2 three clocks, T5 first response);
    # running 1 (T5 resolution). P2 (T3, T4): 2 met, 2 breached. T6 is P3 at the end of its
    # log: its two cancelled clocks count there, and nothing decided gives null.
    found = {row["severity"]: row for row in rows(offline, "compliance", by="severity")}
    assert [(r["met"], r["breached"], r["running"], r["cancelled"]) for r in found.values()] == [
        (2, 4, 1, 0),
        (2, 2, 0, 0),
        (0, 0, 0, 2),
    ]
    assert found["P1"]["compliance"] == pytest.approx(2 / 6)
    assert found["P3"]["compliance"] is None


def test_a_clock_belongs_to_the_period_of_its_start(offline: Tables) -> None:
    # Wednesday 2026-03-04 (a date --to includes): T4's and T6's clocks only.
    found = rows(offline, "compliance", by="metric", start="2026-03-04", end="2026-03-04")
    assert [(r["metric"], r["met"], r["cancelled"]) for r in found] == [
        ("first_response", 1, 1),
        ("resolution", 1, 1),
    ]


def test_a_team_ownership_clock_counts_for_its_own_team(offline: Tables) -> None:
    # T2 ended in engineering, so its other clocks count there too; T1, T3-T6 in support.
    found = rows(offline, "compliance", by="team,metric")
    engineering = [(r["metric"], r["breached"]) for r in found if r["team"] == "engineering"]
    assert engineering == [("first_response", 1), ("resolution", 1), ("team_ownership", 1)]


def test_service_level_in_business_and_calendar_time(offline: Tables) -> None:
    # Fulfilled resolution clocks: T1 1h, T4 3h of business time (4h of calendar time: the
    # solved hour 11:00-12:00 is paused), T2 6h. Within 3h: business T1, T4; calendar T1.
    business = rows(offline, "service-level", by="metric", within="3h")
    calendar = rows(offline, "service-level", by="metric", within="3h", time="calendar")
    resolution_b = next(r for r in business if r["metric"] == "resolution")
    resolution_c = next(r for r in calendar if r["metric"] == "resolution")
    assert (resolution_b["fulfilled"], resolution_b["within"]) == (3, 2)
    assert (resolution_c["fulfilled"], resolution_c["within"]) == (3, 1)
    # T3's and T5's first response and resolution are not fulfilled yet.
    assert resolution_b["unfulfilled"] == 2
    assert resolution_b["within_seconds"] == 3 * HOUR


def test_times_median_p90_and_histogram(offline: Tables) -> None:
    # First response: 20m, 30m, 1h30m → median 1800 s; p90 (linear) at rank 1.8:
    # 1800 + 0.8 x (5400 - 1800) = 4680 s. Resolution: 1h, 3h, 6h → median 10800 s,
    # p90 = 10800 + 0.8 x (21600 - 10800) = 19440 s.
    found = {row["metric"]: row for row in rows(offline, "times")}
    first, resolution = found["first_response"], found["resolution"]
    assert (first["count"], first["median_seconds"], first["p90_seconds"]) == (3, 1800, 4680)
    assert (first["lt_1h"], first["1h_2h"]) == (2, 1)
    assert (resolution["median_seconds"], resolution["p90_seconds"]) == (10800, 19440)
    assert [resolution[band] for band in ("1h_2h", "2h_4h", "4h_8h")] == [1, 1, 1]


def test_resolution_quality_fcr_fdr_depth_and_reopens(offline: Tables) -> None:
    # Resolved: T1 (1 reply), T2 (2), T4 (2, reopened once), all on the day they arrived
    # (24x7 calendar: the same UTC date). FCR 1/3, FDR 3/3, depth 5/3, reopen rate 1/3.
    [row] = rows(offline, "resolution-quality")
    assert row == {
        "tickets": 6, "resolved": 3, "first_contact": 1, "fcr": pytest.approx(1 / 3),
        "first_day": 3, "fdr": 1.0, "depth_mean": pytest.approx(5 / 3), "depth_median": 2.0,
        "reopened": 1, "reopen_rate": pytest.approx(1 / 3),
    }  # fmt: skip


def test_first_day_resolution_counts_the_business_day_the_ticket_arrived(tmp_path: Path) -> None:
    # Office calendar (Mon-Fri 09-17 UTC). E1 arrives Friday 18:00 after closing: its
    # business day is Monday, and it is solved Monday 10:00 → first day. E2 arrives Monday
    # 16:00 and is solved Tuesday 09:30 → not first day.
    def email(ticket: str, created: str, solved: str) -> list[dict[str, object]]:
        base = {"ticket": ticket, "severity": "P2", "account": "acme", "channel": "email"}
        return [
            {"id": f"{ticket}-c", "type": "created", "at": created} | base,
            {"id": f"{ticket}-s", "ticket": ticket, "type": "status", "at": solved,
             "status": "solved"},
        ]  # fmt: skip

    events = email("E1", "2026-03-06T18:00:00Z", "2026-03-09T10:00:00Z")
    events += email("E2", "2026-03-09T16:00:00Z", "2026-03-10T09:30:00Z")
    config, log = write_history(tmp_path, events)
    tables, _ = tables_from_file(log, load_config(config), parse_instant_us("2026-03-11T00:00:00Z"))
    [row] = rows(tables, "resolution-quality")
    assert (row["resolved"], row["first_day"], row["fcr"]) == (2, 1, 0.0)


def test_escalation_rate_and_breach_rates_of_escalated_and_other_tickets(
    offline: Tables,
) -> None:
    # T3 escalated and breached: 1/1. Others: T2 and T5 breached of T1, T2, T4, T5, T6: 2/5.
    [row] = rows(offline, "escalations")
    assert (row["tickets"], row["escalated"], row["escalation_rate"]) == (
        6,
        1,
        pytest.approx(1 / 6),
    )
    assert (row["breach_rate_escalated"], row["breach_rate_not_escalated"]) == (1.0, 0.4)


def test_csat_by_tier(offline: Tables) -> None:
    # enterprise: T1 solved and rated 5 → 1/1 satisfied, response 1/1 (T3, T5 unresolved).
    # standard: T2 (rated 2) and T4 solved, T6 open → response 1/2, satisfied 0/1.
    assert rows(offline, "csat") == [
        {"tier": "enterprise", "surveyed": 1, "rated": 1, "response_rate": 1.0, "satisfied": 1,
         "csat": 1.0},
        {"tier": "standard", "surveyed": 2, "rated": 1, "response_rate": 0.5, "satisfied": 0,
         "csat": 0.0},
    ]  # fmt: skip


def test_backlog_by_severity_and_age_band(offline: Tables) -> None:
    # Open at NOW (Fri 00:00): T5 P1 aged 2h; T3 P2 aged 2d15h; T6 P3 aged 1d15h.
    found = {row["severity"]: row for row in rows(offline, "backlog")}
    assert {s: (r["open"], r["1h_4h"], r["1d_3d"]) for s, r in found.items()} == {
        "P1": (1, 1, 0),
        "P2": (1, 0, 1),
        "P3": (1, 0, 1),
    }


def test_breach_causes_sum_business_time_per_status_and_team(offline: Tables) -> None:
    # Resolution, breached: T2 [Mon 10:00, 14:00): new 1.5h, open 2.5h; support 2h,
    # engineering 2h. T3 [Tue 09:00, 17:00): new 8h, support 8h.
    # Status: new 9.5h, open 2.5h; team: support 10h, engineering 2h.
    found = [r for r in rows(offline, "breach-causes") if r["metric"] == "resolution"]
    assert [(r["kind"], r["name"], r["business_seconds"]) for r in found] == [
        ("status", "new", 9.5 * HOUR),
        ("status", "open", 2.5 * HOUR),
        ("team", "engineering", 2 * HOUR),
        ("team", "support", 10 * HOUR),
    ]
    assert {r["breached"] for r in found} == {2}
    assert found[3]["share"] == pytest.approx(10 / 12)


def test_weeks_are_iso_weeks_and_months_in_the_report_time_zone() -> None:
    # 2026-03-01T03:00Z is Sunday 1 March in UTC (ISO week 9) and Saturday 28 February
    # 22:00 in New York; 2026-03-02T03:00Z is Monday (week 10) in UTC, Sunday in New York.
    instants = [1772334000000000, 1772420400000000]
    frame = make_tables({"ticket": ["a", "b"], "created_at": instants}, {}, 0).tickets
    utc = with_periods(frame, "created_at", "UTC")
    york = with_periods(frame, "created_at", "America/New_York")
    assert utc["week"].to_list() == ["2026-W09", "2026-W10"]
    assert utc["month"].to_list() == ["2026-03", "2026-03"]
    assert york["week"].to_list() == ["2026-W09", "2026-W09"]
    assert york["month"].to_list() == ["2026-02", "2026-03"]


def test_a_stored_clock_running_past_its_due_instant_is_breached_at_now() -> None:
    # Evaluated at 10:30 with due_at 11:00: running at 10:45, breached at 11:00.
    clock = {
        "ticket": ["T"], "metric": ["first_response"], "clock_team": [""], "cycle": [1],
        "status": ["running"], "started_at": [10], "due_at": [11], "fulfilled_at": [None],
        "breached_at": [None], "cancelled_at": [None], "elapsed_us": [0], "objective_us": [None],
        "objective_due_at": [None], "objective_status": [None], "causes": [""],
    }  # fmt: skip
    ticket = {"ticket": ["T"], "created_at": [10], "severity": ["P1"]}
    query = Query(by=("metric",))
    before = run_report("compliance", make_tables(ticket, clock, 10), query)[1]
    after = run_report("compliance", make_tables(ticket, clock, 11), query)[1]
    assert (before[0]["running"], before[0]["breached"]) == (1, 0)
    assert (after[0]["running"], after[0]["breached"]) == (0, 1)
