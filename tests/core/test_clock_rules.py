"""One test per rule of DESIGN.md section 4, "Clocks" (and the evaluate output of section 5).

Every expected value is worked out by hand in the test; none is computed by the code under
test. Unless a test says otherwise, the calendar is 24x7 UTC and the day is Monday
2026-03-02 (``at("10:00")``). Seconds in the output are exact decimal text.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.core.clockkit import H, Log, M, at, config, evaluate_log, policy

# ---- helpers ------------------------------------------------------------------------------


def check(clock: dict[str, Any], **expected: Any) -> None:
    """Compare the named fields of a clock (seconds compare as their decimal text)."""
    shown = {key: _as_text(clock[key]) for key in expected}
    assert shown == expected, clock


def _as_text(value: Any) -> Any:
    """Seconds (JSON numbers) as the decimal text they are written as."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return format(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), "f")
    return value


def warned(*pairs: tuple[Any, str]) -> list[dict[str, Any]]:
    return [{"threshold": threshold, "at": when} for threshold, when in pairs]


FR_ONLY = config(policy(targets={"P1": {"first_response": H}}, warn_at=[]))
RES_4H = config(policy(targets={"P1": {"resolution": 4 * H}}, warn_at=[]))
RES_1H = config(policy(targets={"P1": {"resolution": H}}, warn_at=[]))


# ---- open / closed --------------------------------------------------------------------------


def test_customer_message_does_not_reopen_a_solved_ticket() -> None:
    cfg = config(
        policy(
            targets={"P1": {"first_response": H, "next_response": 30 * M, "resolution": 4 * H}},
            warn_at=[],
        )
    )
    log = Log().created(at("10:00")).status(at("11:00"), "solved").customer(at("11:30"))
    run = evaluate_log(log, cfg, at("13:00"))
    assert run.doc["status"] == "solved"
    assert [c["metric"] for c in run.clocks()] == ["first_response", "resolution"]
    check(
        run.clock("resolution"),
        status="met",
        fulfilled_at=at("11:00"),
        elapsed_seconds="3600",
        paused_seconds="0",
    )


def test_customer_message_does_not_end_a_pause() -> None:
    log = Log().created(at("10:00")).status(at("10:30"), "pending").customer(at("11:00"))
    run = evaluate_log(log, RES_4H, at("12:00"))
    check(
        run.clock("resolution"),
        status="paused",
        due_at=None,
        elapsed_seconds="1800",
        paused_seconds="5400",
    )


# ---- first response -------------------------------------------------------------------------


def test_first_response_met_by_first_public_agent_message_not_by_notes() -> None:
    log = (
        Log()
        .created(at("10:00"))
        .note(at("10:10"))
        .add("message", at("10:15"), author="system")
        .agent(at("10:20"))
        .agent(at("10:40"))
    )
    run = evaluate_log(log, FR_ONLY, at("12:00"))
    assert len(run.clocks("first_response")) == 1
    check(
        run.clock("first_response"),
        status="met",
        started_at=at("10:00"),
        due_at=at("11:00"),
        fulfilled_at=at("10:20"),
        breached_at=None,
        elapsed_seconds="1200",
        target_seconds="3600",
    )


def test_internal_note_leaves_first_response_running() -> None:
    log = Log().created(at("10:00")).note(at("10:10"))
    run = evaluate_log(log, FR_ONLY, at("10:30"))
    check(
        run.clock("first_response"),
        status="running",
        due_at=at("11:00"),
        fulfilled_at=None,
        elapsed_seconds="1800",
    )


def test_first_response_met_by_solving() -> None:
    log = Log().created(at("10:00")).status(at("10:40"), "solved")
    run = evaluate_log(log, FR_ONLY, at("12:00"))
    check(
        run.clock("first_response"),
        status="met",
        fulfilled_at=at("10:40"),
        elapsed_seconds="2400",
    )


def test_no_first_response_when_created_by_agent() -> None:
    cfg = config(
        policy(targets={"P1": {"first_response": H, "periodic_update": 2 * H}}, warn_at=[])
    )
    log = Log().created(at("10:00"), author="agent")
    run = evaluate_log(log, cfg, at("10:30"))
    assert [c["metric"] for c in run.clocks()] == ["periodic_update"]
    check(run.clock("periodic_update"), status="running", started_at=at("10:00"))


# ---- next response --------------------------------------------------------------------------

NR_CFG = config(policy(targets={"P1": {"first_response": H, "next_response": 30 * M}}, warn_at=[]))


def test_next_response_cycle_starts_at_oldest_unanswered_customer_message() -> None:
    log = (
        Log()
        .created(at("10:00"))
        .customer(at("10:05"))  # answered by the first response: no cycle
        .agent(at("10:10"))
        .customer(at("10:20"))  # starts cycle 1
        .customer(at("10:25"))  # joins it
        .agent(at("10:40"))  # meets it
        .customer(at("11:00"))  # starts cycle 2
    )
    run = evaluate_log(log, NR_CFG, at("11:10"))
    assert len(run.clocks("next_response")) == 2
    check(
        run.clock("next_response", 1),
        status="met",
        started_at=at("10:20"),
        due_at=at("10:50"),
        fulfilled_at=at("10:40"),
        elapsed_seconds="1200",
    )
    check(
        run.clock("next_response", 2),
        status="running",
        started_at=at("11:00"),
        due_at=at("11:30"),
        elapsed_seconds="600",
    )


def test_next_response_waits_for_first_response() -> None:
    log = Log().created(at("10:00")).customer(at("10:05")).customer(at("10:20"))
    run = evaluate_log(log, NR_CFG, at("10:30"))
    assert run.clocks("next_response") == []
    check(run.clock("first_response"), status="running")


def test_next_response_met_by_solving() -> None:
    log = (
        Log()
        .created(at("10:00"))
        .agent(at("10:10"))
        .customer(at("10:20"))
        .status(at("10:45"), "solved")
    )
    run = evaluate_log(log, NR_CFG, at("12:00"))
    check(
        run.clock("next_response"),
        status="met",
        fulfilled_at=at("10:45"),
        elapsed_seconds="1500",
    )


def test_customer_message_while_solved_starts_next_response_at_reopen() -> None:
    log = (
        Log()
        .created(at("10:00"))
        .agent(at("10:10"))
        .status(at("10:30"), "solved")
        .customer(at("11:00"))
        .status(at("12:00"), "open")
    )
    run = evaluate_log(log, NR_CFG, at("12:10"))
    assert len(run.clocks("next_response")) == 1
    check(
        run.clock("next_response"),
        status="running",
        started_at=at("12:00"),
        due_at=at("12:30"),
        elapsed_seconds="600",
        paused_seconds="0",
    )


def test_next_response_applies_at_once_when_no_first_response() -> None:
    log = Log().created(at("10:00"), author="agent").customer(at("10:30"))
    run = evaluate_log(log, NR_CFG, at("10:40"))
    assert run.clocks("first_response") == []
    check(run.clock("next_response"), status="running", started_at=at("10:30"))


# ---- periodic update ------------------------------------------------------------------------


def test_periodic_update_cycles() -> None:
    cfg = config(policy(targets={"P1": {"periodic_update": 2 * H}}, warn_at=[]))
    log = (
        Log()
        .created(at("10:00"), author="agent")  # cycle 1
        .agent(at("11:00"))  # meets 1, starts 2
        .customer(at("11:10"))  # no effect on periodic update
        .status(at("12:00"), "solved")  # meets 2
        .agent(at("12:30"))  # not open: no cycle
    )
    run = evaluate_log(log, cfg, at("15:00"))
    assert len(run.clocks("periodic_update")) == 2
    check(
        run.clock("periodic_update", 1),
        status="met",
        started_at=at("10:00"),
        fulfilled_at=at("11:00"),
        due_at=at("12:00"),
        elapsed_seconds="3600",
    )
    check(
        run.clock("periodic_update", 2),
        status="met",
        started_at=at("11:00"),
        fulfilled_at=at("12:00"),
        due_at=at("13:00"),
        elapsed_seconds="3600",
    )


def test_periodic_update_starts_with_first_agent_message_on_customer_ticket() -> None:
    cfg = config(policy(targets={"P1": {"periodic_update": 2 * H}}, warn_at=[]))
    log = Log().created(at("10:00")).agent(at("10:30"))
    run = evaluate_log(log, cfg, at("13:00"))
    assert len(run.clocks("periodic_update")) == 1
    check(
        run.clock("periodic_update"),
        status="breached",
        started_at=at("10:30"),
        breached_at=at("12:30"),
        due_at=at("12:30"),
        elapsed_seconds="9000",
    )


# ---- resolution -----------------------------------------------------------------------------


def test_resolution_pauses_on_pending_and_resumes_with_remaining_time() -> None:
    log = Log().created(at("10:00")).status(at("11:00"), "pending")
    run = evaluate_log(log, RES_4H, at("11:30"))
    check(
        run.clock("resolution"),
        status="paused",
        due_at=None,
        elapsed_seconds="3600",
        paused_seconds="1800",
    )
    log.status(at("12:00"), "open")
    run = evaluate_log(log, RES_4H, at("12:30"))
    # remaining 3h from the resume at 12:00
    check(
        run.clock("resolution"),
        status="running",
        due_at=at("15:00"),
        elapsed_seconds="5400",
        paused_seconds="3600",
    )
    run = evaluate_log(log, RES_4H, at("16:00"))
    # elapsed keeps counting after the breach: 1h + 4h
    check(
        run.clock("resolution"),
        status="breached",
        breached_at=at("15:00"),
        due_at=at("15:00"),
        elapsed_seconds="18000",
        paused_seconds="3600",
    )


def test_resolution_pauses_on_hold_but_not_on_open_or_new() -> None:
    log = (
        Log()
        .created(at("10:00"))
        .status(at("10:30"), "on_hold")
        .status(at("11:00"), "new")
        .status(at("11:30"), "open")
    )
    run = evaluate_log(log, RES_4H, at("12:00"))
    check(run.clock("resolution"), elapsed_seconds="5400", paused_seconds="1800")


def test_pause_on_is_per_metric() -> None:
    cfg = config(
        policy(
            targets={"P1": {"first_response": H, "resolution": 4 * H}},
            pause_on={"first_response": ["pending"], "resolution": []},
            warn_at=[],
        )
    )
    log = Log().created(at("10:00")).status(at("10:30"), "pending")
    run = evaluate_log(log, cfg, at("11:00"))
    check(run.clock("first_response"), status="paused", elapsed_seconds="1800", due_at=None)
    check(run.clock("resolution"), status="running", elapsed_seconds="3600")


def test_reopen_resumes_the_same_resolution_cycle() -> None:
    log = Log().created(at("10:00")).status(at("11:00"), "solved").status(at("13:00"), "open")
    run = evaluate_log(log, RES_4H, at("14:00"))
    assert len(run.clocks("resolution")) == 1
    check(
        run.clock("resolution"),
        status="running",
        started_at=at("10:00"),
        fulfilled_at=None,
        elapsed_seconds="7200",
        paused_seconds="7200",
        due_at=at("16:00"),
    )


def test_reopen_into_pending_stays_paused() -> None:
    log = Log().created(at("10:00")).status(at("11:00"), "solved").status(at("13:00"), "pending")
    run = evaluate_log(log, RES_4H, at("14:00"))
    check(
        run.clock("resolution"),
        status="paused",
        due_at=None,
        elapsed_seconds="3600",
        paused_seconds="10800",
    )


def test_closed_without_solved_counts_as_solved() -> None:
    cfg = config(policy(targets={"P1": {"first_response": H, "resolution": 4 * H}}, warn_at=[]))
    log = Log().created(at("10:00")).status(at("11:00"), "closed")
    run = evaluate_log(log, cfg, at("15:00"))
    assert run.doc["status"] == "closed"
    check(run.clock("resolution"), status="met", fulfilled_at=at("11:00"), elapsed_seconds="3600")
    check(run.clock("first_response"), status="met", fulfilled_at=at("11:00"))


# ---- team ownership -------------------------------------------------------------------------


def test_team_ownership_follows_reassignments() -> None:
    cfg = config(policy(teams={"P1": {"support": H, "engineering": 2 * H}}, warn_at=[]))
    log = (
        Log()
        .created(at("10:00"), team="support")  # support #1
        .assign(at("10:10"), team="support", agent="ana")  # same team: nothing
        .assign(at("10:30"), team="engineering")  # support #1 met, engineering #1
        .assign(at("11:00"), team="billing")  # engineering #1 met; billing has no target
        .assign(at("11:10"), team="support")  # support #2
        .status(at("11:20"), "solved")  # support #2 met
        .status(at("12:00"), "open")  # support #3
    )
    run = evaluate_log(log, cfg, at("12:10"))
    order = [(c["team"], c["cycle"]) for c in run.clocks()]
    assert order == [("engineering", 1), ("support", 1), ("support", 2), ("support", 3)]
    check(
        run.clock("team_ownership", 1, "support"),
        status="met",
        started_at=at("10:00"),
        fulfilled_at=at("10:30"),
        elapsed_seconds="1800",
    )
    check(
        run.clock("team_ownership", 1, "engineering"),
        status="met",
        started_at=at("10:30"),
        fulfilled_at=at("11:00"),
        due_at=at("12:30"),
    )
    check(
        run.clock("team_ownership", 2, "support"),
        status="met",
        started_at=at("11:10"),
        fulfilled_at=at("11:20"),
    )
    check(
        run.clock("team_ownership", 3, "support"),
        status="running",
        started_at=at("12:00"),
        due_at=at("13:00"),
        elapsed_seconds="600",
        paused_seconds="0",
    )


# ---- solving, new targets -------------------------------------------------------------------


def test_solving_fulfils_a_breached_cycle() -> None:
    log = Log().created(at("10:00")).status(at("11:30"), "solved")
    run = evaluate_log(log, FR_ONLY, at("12:00"))
    check(
        run.clock("first_response"),
        status="breached",
        breached_at=at("11:00"),
        due_at=at("11:00"),
        fulfilled_at=at("11:30"),
        elapsed_seconds="5400",
    )


def test_solving_fulfils_a_paused_cycle() -> None:
    log = Log().created(at("10:00")).status(at("10:30"), "pending").status(at("11:00"), "solved")
    run = evaluate_log(log, RES_4H, at("12:00"))
    check(
        run.clock("resolution"),
        status="met",
        fulfilled_at=at("11:00"),
        elapsed_seconds="1800",
        paused_seconds="1800",
    )


def test_a_change_that_gives_a_metric_a_target_starts_it_at_the_change() -> None:
    cfg = config(
        policy(
            targets={
                "P1": {"first_response": H, "resolution": 4 * H},
                "P2": {"first_response": 2 * H},
            },
            warn_at=[],
        )
    )
    log = Log().created(at("10:00"), severity="P2").update(at("10:30"), severity="P1")
    run = evaluate_log(log, cfg, at("11:00"))
    check(run.clock("first_response"), started_at=at("10:00"), due_at=at("11:00"))
    check(
        run.clock("resolution"),
        status="running",
        started_at=at("10:30"),
        due_at=at("14:30"),
        elapsed_seconds="1800",
    )


def test_first_response_not_started_by_a_target_change_after_an_agent_reply() -> None:
    cfg = config(
        policy(targets={"P1": {"first_response": H}, "P2": {"resolution": 8 * H}}, warn_at=[])
    )
    log = (
        Log()
        .created(at("10:00"), severity="P2")
        .agent(at("10:10"))
        .update(at("10:30"), severity="P1")
    )
    run = evaluate_log(log, cfg, at("11:00"))
    assert run.clocks("first_response") == []


# ---- breach boundaries ----------------------------------------------------------------------


def test_fulfilment_exactly_at_due_is_met() -> None:
    cfg = config(policy(targets={"P1": {"first_response": H}}, warn_at=[1.0, 0.5]))
    log = Log().created(at("10:00")).agent(at("11:00"))
    run = evaluate_log(log, cfg, at("12:00"))
    check(
        run.clock("first_response"),
        status="met",
        breached_at=None,
        due_at=at("11:00"),
        fulfilled_at=at("11:00"),
        warnings=warned((0.5, at("10:30"))),
    )


def test_pause_starting_at_due_does_not_prevent_the_breach() -> None:
    log = Log().created(at("10:00")).status(at("11:00"), "pending")
    run = evaluate_log(log, RES_1H, at("12:00"))
    check(
        run.clock("resolution"),
        status="breached",
        breached_at=at("11:00"),
        due_at=at("11:00"),
        elapsed_seconds="3600",
        paused_seconds="3600",
    )


def test_breach_is_not_withdrawn_by_a_looser_target() -> None:
    cfg = config(
        policy(targets={"P1": {"first_response": H}, "P2": {"first_response": 4 * H}}, warn_at=[])
    )
    log = Log().created(at("10:00")).update(at("11:30"), severity="P2")
    run = evaluate_log(log, cfg, at("12:00"))
    check(
        run.clock("first_response"),
        status="breached",
        breached_at=at("11:00"),
        due_at=at("11:00"),
        target_seconds="14400",
        elapsed_seconds="7200",
    )


def test_breach_is_not_withdrawn_when_the_metric_loses_its_target() -> None:
    cfg = config(
        policy(targets={"P1": {"first_response": H}, "P2": {"resolution": 8 * H}}, warn_at=[])
    )
    log = Log().created(at("10:00")).update(at("11:30"), severity="P2").agent(at("11:45"))
    run = evaluate_log(log, cfg, at("12:00"))
    check(
        run.clock("first_response"),
        status="breached",
        breached_at=at("11:00"),
        fulfilled_at=at("11:45"),
    )


def test_breached_clock_stays_breached_while_paused_and_counts_paused_time() -> None:
    log = Log().created(at("10:00")).status(at("11:30"), "pending")
    run = evaluate_log(log, RES_1H, at("12:30"))
    check(
        run.clock("resolution"),
        status="breached",
        breached_at=at("11:00"),
        due_at=at("11:00"),
        elapsed_seconds="5400",
        paused_seconds="3600",
    )
    log.status(at("13:00"), "open")
    run = evaluate_log(log, RES_1H, at("13:30"))
    check(
        run.clock("resolution"),
        status="breached",
        breached_at=at("11:00"),
        elapsed_seconds="7200",
        paused_seconds="5400",
    )


def test_late_event_showing_a_timely_fulfilment_reevaluates_as_met() -> None:
    log = Log().created(at("10:00")).status(at("12:00"), "open").agent(at("10:30"))
    run = evaluate_log(log, FR_ONLY, at("13:00"))
    check(run.clock("first_response"), status="met", fulfilled_at=at("10:30"), breached_at=None)


# ---- severity, policy and calendar changes --------------------------------------------------

SEV_CFG = config(
    policy(
        targets={"P1": {"first_response": H}, "P2": {"first_response": 4 * H}},
        warn_at=[0.75],
    )
)


def test_severity_change_keeps_start_and_elapsed_and_applies_the_new_target() -> None:
    log = Log().created(at("10:00"), severity="P2").update(at("10:30"), severity="P1")
    run = evaluate_log(log, SEV_CFG, at("10:40"))
    check(
        run.clock("first_response"),
        status="running",
        started_at=at("10:00"),
        due_at=at("11:00"),
        target_seconds="3600",
        elapsed_seconds="2400",
        warnings=[],
    )
    run = evaluate_log(log, SEV_CFG, at("10:50"))
    check(run.clock("first_response"), warnings=warned((0.75, at("10:45"))))


def test_severity_change_past_the_new_target_breaches_at_the_change() -> None:
    log = Log().created(at("10:00"), severity="P2").update(at("12:00"), severity="P1")
    run = evaluate_log(log, SEV_CFG, at("12:30"))
    # P2's 75% (3h, 13:00) was never reached; P1's 45m and 1h had passed: both at 12:00
    check(
        run.clock("first_response"),
        status="breached",
        started_at=at("10:00"),
        breached_at=at("12:00"),
        due_at=at("12:00"),
        elapsed_seconds="9000",
        warnings=warned((0.75, at("12:00"))),
    )


TIER_CFG = config(
    policy(
        "enterprise",
        match={"account_tier": "enterprise"},
        calendar="bh",
        targets={"P1": {"resolution": 8 * H}},
        warn_at=[],
    ),
    policy("standard", targets={"P1": {"resolution": 8 * H}}, warn_at=[]),
)


def test_calendar_change_does_not_recount_the_past() -> None:
    # 06:00-08:00 under 24x7 (2h), then business hours from 08:00: 09:00-12:00 (3h)
    log = Log().created(at("06:00")).update(at("08:00"), account_tier="enterprise")
    run = evaluate_log(log, TIER_CFG, at("12:00"))
    assert run.doc["policy"] == "enterprise"
    check(
        run.clock("resolution"),
        status="running",
        started_at=at("06:00"),
        elapsed_seconds="18000",
        due_at=at("15:00"),
        paused_seconds="0",
    )


def test_ticket_moving_between_tiers_takes_the_new_policy_target() -> None:
    cfg = config(
        policy(
            "enterprise",
            match={"account_tier": "enterprise"},
            targets={"P1": {"resolution": 4 * H}},
            warn_at=[],
        ),
        policy("standard", targets={"P1": {"resolution": 8 * H}}, warn_at=[]),
    )
    log = Log().created(at("10:00"), account_tier="standard")
    log.update(at("13:00"), account_tier="enterprise")
    run = evaluate_log(log, cfg, at("13:30"))
    assert run.doc["policy"] == "enterprise"
    check(
        run.clock("resolution"),
        status="running",
        started_at=at("10:00"),
        target_seconds="14400",
        due_at=at("14:00"),
        elapsed_seconds="12600",
    )
    log.update(at("15:00"), account_tier="standard")
    run = evaluate_log(log, cfg, at("15:30"))
    assert run.doc["policy"] == "standard"
    check(
        run.clock("resolution"),
        status="breached",
        breached_at=at("14:00"),
        target_seconds="28800",
        elapsed_seconds="19800",
    )


def test_losing_a_target_cancels_the_running_cycle() -> None:
    cfg = config(
        policy(
            targets={"P1": {"first_response": H, "resolution": 4 * H}, "P2": {"resolution": 8 * H}},
            warn_at=[],
        )
    )
    log = Log().created(at("10:00")).update(at("10:20"), severity="P2").agent(at("10:30"))
    run = evaluate_log(log, cfg, at("12:00"))
    check(
        run.clock("first_response"),
        status="cancelled",
        cancelled_at=at("10:20"),
        due_at=None,
        fulfilled_at=None,
        breached_at=None,
        elapsed_seconds="1200",
    )
    assert len(run.clocks("first_response")) == 1
    check(run.clock("resolution"), status="running", target_seconds="28800")


# ---- objectives -----------------------------------------------------------------------------

OBJ_CFG = config(policy(targets={"P1": {"first_response": (2 * H, H)}}, warn_at=[]))


def test_objective_met() -> None:
    run = evaluate_log(Log().created(at("10:00")).agent(at("10:30")), OBJ_CFG, at("13:00"))
    check(
        run.clock("first_response"),
        status="met",
        objective_seconds="3600",
        objective_due_at=at("11:00"),
        objective_status="met",
    )


def test_objective_missed_while_sla_met() -> None:
    run = evaluate_log(Log().created(at("10:00")).agent(at("11:30")), OBJ_CFG, at("13:00"))
    check(
        run.clock("first_response"),
        status="met",
        due_at=at("12:00"),
        objective_due_at=at("11:00"),
        objective_status="missed",
    )


def test_objective_running() -> None:
    run = evaluate_log(Log().created(at("10:00")), OBJ_CFG, at("10:30"))
    check(
        run.clock("first_response"),
        status="running",
        objective_due_at=at("11:00"),
        objective_status="running",
    )


def test_no_objective_is_null() -> None:
    run = evaluate_log(Log().created(at("10:00")), FR_ONLY, at("10:30"))
    check(
        run.clock("first_response"),
        objective_seconds=None,
        objective_due_at=None,
        objective_status=None,
    )


# ---- warnings -------------------------------------------------------------------------------


def test_warning_fraction_is_rounded_up_to_the_microsecond() -> None:
    # 0.75 x (3600 s + 1 µs) = 2700.00000075 s → 2700.000001 s
    cfg = config(policy(targets={"P1": {"first_response": H + 1}}))
    run = evaluate_log(Log().created(at("10:00")), cfg, at("10:50"))
    check(
        run.clock("first_response"),
        warnings=warned((0.75, at("10:45:00.000001"))),
        due_at=at("11:00:00.000001"),
        target_seconds="3600.000001",
    )


def test_default_warn_at_is_three_quarters() -> None:
    cfg = config(policy(targets={"P1": {"first_response": H}}))
    run = evaluate_log(Log().created(at("10:00")), cfg, at("10:50"))
    check(run.clock("first_response"), warnings=warned((0.75, at("10:45"))))


def test_warnings_fractions_and_lead_times() -> None:
    cfg = config(policy(targets={"P1": {"first_response": H}}, warn_at=[0.5, 0.75, "5m before"]))
    run = evaluate_log(Log().created(at("10:00")), cfg, at("11:30"))
    check(
        run.clock("first_response"),
        status="breached",
        warnings=warned((0.5, at("10:30")), (0.75, at("10:45")), ("5m before", at("10:55"))),
    )


def test_lead_time_as_long_as_the_target_does_not_apply() -> None:
    cfg = config(policy(targets={"P1": {"first_response": H}}, warn_at=["1h before", "2h before"]))
    run = evaluate_log(Log().created(at("10:00")), cfg, at("11:30"))
    check(run.clock("first_response"), status="breached", warnings=[])


def test_warning_fires_once_per_cycle() -> None:
    cfg = config(
        policy(targets={"P1": {"resolution": 2 * H}, "P2": {"resolution": 4 * H}}, warn_at=[0.5])
    )
    log = (
        Log()
        .created(at("10:00"))  # 50% of 2h at 11:00
        .status(at("11:10"), "pending")
        .status(at("11:20"), "open")
        .status(at("11:30"), "solved")
        .status(at("11:40"), "open")
        .update(at("11:50"), severity="P2")  # 50% of 4h (2h elapsed) not reached yet
    )
    run = evaluate_log(log, cfg, at("14:00"))
    # elapsed at 11:50: 10:00-11:10 (70m) + 11:20-11:30 (10m) + 11:40-11:50 (10m) = 90m;
    # 4h target: 50% (120m) would be 12:20 but already fired; due at 11:50 + 150m = 14:20
    check(
        run.clock("resolution"),
        status="running",
        warnings=warned((0.5, at("11:00"))),
        due_at=at("14:20"),
    )


def test_no_warning_when_fulfilled_before() -> None:
    cfg = config(policy(targets={"P1": {"first_response": H}}, warn_at=[0.5]))
    run = evaluate_log(Log().created(at("10:00")).agent(at("10:30")), cfg, at("12:00"))
    check(run.clock("first_response"), status="met", warnings=[])
    run = evaluate_log(Log().created(at("10:00")).agent(at("10:31")), cfg, at("12:00"))
    check(run.clock("first_response"), status="met", warnings=warned((0.5, at("10:30"))))


def test_warning_at_three_quarters_of_business_time_across_a_weekend() -> None:
    # Mon-Fri 09:00-17:00 UTC. Created Friday 2026-03-06 13:00; 16h target, 75% = 12h:
    # Fri 13-17 (4h) + Mon 09-17 (8h) reaches 12h exactly at Monday's closing, 17:00.
    # The breach needs 4h more: Tuesday 13:00.
    cfg = config(policy(calendar="bh", targets={"P1": {"resolution": 16 * H}}))
    log = Log().created(at("13:00", day=6))
    run = evaluate_log(log, cfg, at("10:00", day=10))
    check(
        run.clock("resolution"),
        status="running",
        warnings=warned((0.75, at("17:00", day=9))),
        due_at=at("13:00", day=10),
        elapsed_seconds="46800",
    )


def test_warning_across_a_weekend_lands_in_monday_morning() -> None:
    # Created Friday 15:00; 4h target, 75% = 3h: Fri 15-17 (2h) + Mon 09-10 (1h).
    cfg = config(policy(calendar="bh", targets={"P1": {"first_response": 4 * H}}))
    log = Log().created(at("15:00", day=6))
    run = evaluate_log(log, cfg, at("09:30", day=9))
    check(run.clock("first_response"), warnings=[], due_at=at("11:00", day=9))
    assert run.doc["next_action_at"] == at("10:00", day=9)
    run = evaluate_log(log, cfg, at("10:30", day=9))
    check(run.clock("first_response"), warnings=warned((0.75, at("10:00", day=9))))


# ---- ordering and diagnostics ---------------------------------------------------------------


def test_ties_keep_input_order() -> None:
    base = Log().created(at("10:00")).agent(at("10:10"))
    reply_first = Log()
    reply_first.raw = [*base.raw]
    reply_first.agent(at("11:00")).customer(at("11:00"))
    run = evaluate_log(reply_first, NR_CFG, at("11:10"))
    check(run.clock("next_response"), status="running", started_at=at("11:00"))

    customer_first = Log()
    customer_first.raw = [*base.raw]
    customer_first.customer(at("11:00")).agent(at("11:00"))
    run = evaluate_log(customer_first, NR_CFG, at("11:10"))
    check(
        run.clock("next_response"),
        status="met",
        started_at=at("11:00"),
        fulfilled_at=at("11:00"),
        elapsed_seconds="0",
    )


def test_created_applies_first_at_the_same_instant() -> None:
    log = Log().agent(at("10:00")).created(at("10:00"))
    run = evaluate_log(log, FR_ONLY, at("11:00"))
    assert run.diagnostics == []
    check(run.clock("first_response"), status="met", fulfilled_at=at("10:00"), elapsed_seconds="0")


def test_repeated_event_id_is_ignored() -> None:
    log = Log().created(at("10:00")).agent(at("10:20"), id="r").agent(at("10:20"), id="r")
    log.status(at("10:30"), "solved", id="s").status(at("10:30"), "solved", id="s")
    run = evaluate_log(log, FR_ONLY, at("11:00"))
    assert run.diagnostics == []
    check(run.clock("first_response"), status="met", fulfilled_at=at("10:20"))


def test_same_id_with_a_different_payload_is_a_diagnostic_and_first_wins() -> None:
    log = Log().created(at("10:00")).agent(at("10:20"), id="r").agent(at("10:40"), id="r")
    run = evaluate_log(log, FR_ONLY, at("11:00"))
    assert [d.line for d in run.diagnostics] == [3]
    assert "already used" in run.messages[0]
    check(run.clock("first_response"), status="met", fulfilled_at=at("10:20"))


def test_event_before_created_is_a_diagnostic() -> None:
    log = Log().agent(at("09:00")).created(at("10:00"))
    run = evaluate_log(log, FR_ONLY, at("10:30"))
    assert [d.line for d in run.diagnostics] == [1]
    assert "before" in run.messages[0]
    check(run.clock("first_response"), status="running", started_at=at("10:00"))


def test_events_after_closed_are_diagnostics_except_csat() -> None:
    log = (
        Log()
        .created(at("10:00"))
        .status(at("11:00"), "closed")
        .customer(at("11:30"))
        .csat(at("11:40"))
        .status(at("12:00"), "open")
    )
    run = evaluate_log(log, RES_4H, at("13:00"))
    assert [d.line for d in run.diagnostics] == [3, 5]
    assert all("closed" in m for m in run.messages)
    assert run.doc["status"] == "closed"
    check(run.clock("resolution"), status="met", fulfilled_at=at("11:00"))


def test_ticket_without_created_is_skipped_with_a_diagnostic() -> None:
    log = Log("T-1").created(at("10:00"))
    log.add("message", at("10:05"), ticket="T-2", author="customer")
    run = evaluate_log(log, FR_ONLY, at("11:00"))
    assert list(run.tickets) == ["T-1"]
    assert [d.line for d in run.diagnostics] == [2]
    assert "T-2" in run.messages[0]


def test_events_after_now_are_ignored_with_a_diagnostic() -> None:
    log = Log().created(at("10:00")).agent(at("10:50"))
    run = evaluate_log(log, FR_ONLY, at("10:30"))
    assert [d.line for d in run.diagnostics] == [2]
    check(run.clock("first_response"), status="running", elapsed_seconds="1800")


def test_tickets_in_order_of_first_appearance() -> None:
    log = Log("B").created(at("11:00"))
    log.add("created", at("10:00"), ticket="A", severity="P1")
    run = evaluate_log(log, FR_ONLY, at("12:00"))
    assert list(run.tickets) == ["B", "A"]


# ---- policy matching --------------------------------------------------------------------------


def test_no_policy_match_means_no_clocks_and_a_diagnostic() -> None:
    cfg = config(
        policy(
            "enterprise",
            match={"account_tier": "enterprise"},
            targets={"P1": {"first_response": H}},
        )
    )
    run = evaluate_log(Log().created(at("10:00"), account_tier="standard"), cfg, at("11:00"))
    assert run.doc["policy"] is None
    assert run.doc["clocks"] == []
    assert run.doc["next_action_at"] is None
    assert len(run.diagnostics) == 1 and "no policy" in run.messages[0]


def test_severity_without_targets_means_no_clocks_and_a_diagnostic() -> None:
    run = evaluate_log(Log().created(at("10:00"), severity="P4"), FR_ONLY, at("11:00"))
    assert run.doc["policy"] == "default"
    assert run.doc["clocks"] == []
    assert len(run.diagnostics) == 1 and "P4" in run.messages[0]


def test_account_tier_comes_from_the_accounts_configuration() -> None:
    policies = (
        policy(
            "enterprise",
            match={"account_tier": "enterprise"},
            targets={"P1": {"first_response": 15 * M}},
        ),
        policy("standard", targets={"P1": {"first_response": H}}),
    )
    cfg = config(*policies, accounts={"acme": "enterprise", "small": "standard"})
    run = evaluate_log(Log().created(at("10:00"), account="acme"), cfg, at("10:05"))
    assert run.doc["policy"] == "enterprise"
    check(run.clock("first_response"), target_seconds="900", due_at=at("10:15"))
    run = evaluate_log(Log().created(at("10:00"), account="small"), cfg, at("10:05"))
    assert run.doc["policy"] == "standard"
    # a tier carried by the event wins over the account's
    log = Log().created(at("10:00"), account="small", account_tier="enterprise")
    assert evaluate_log(log, cfg, at("10:05")).doc["policy"] == "enterprise"


# ---- next_action_at ---------------------------------------------------------------------------


def test_next_action_at_is_the_earliest_future_mark() -> None:
    cfg = config(
        policy(
            targets={"P1": {"first_response": (2 * H, 30 * M), "resolution": 4 * H}},
            warn_at=[0.75],
            escalation="path",
        ),
        escalation_paths={"path": [0.5]},
    )
    log = Log().created(at("10:00"))
    # FR: objective 10:30, escalation (50% of 2h) 11:00, warning 11:30, breach 12:00;
    # resolution: escalation 12:00, warning 13:00, breach 14:00
    assert evaluate_log(log, cfg, at("10:10")).doc["next_action_at"] == at("10:30")
    assert evaluate_log(log, cfg, at("10:30")).doc["next_action_at"] == at("11:00")
    assert evaluate_log(log, cfg, at("11:10")).doc["next_action_at"] == at("11:30")
    log.agent(at("11:15"))
    assert evaluate_log(log, cfg, at("11:20")).doc["next_action_at"] == at("12:00")
    assert evaluate_log(log, cfg, at("12:00")).doc["next_action_at"] == at("13:00")
    log.status(at("12:30"), "pending")
    assert evaluate_log(log, cfg, at("12:40")).doc["next_action_at"] is None


# ---- pauses and reopens over long spans -------------------------------------------------------


def test_reopen_of_a_ticket_solved_long_ago_resumes_where_it_stopped() -> None:
    log = (
        Log().created(at("10:00")).status(at("11:00"), "solved").status(at("10:00", day=9), "open")
    )
    run = evaluate_log(log, RES_4H, at("10:30", day=9))
    # solved spell: Mon 11:00 to next Mon 10:00 = 7 x 24h - 1h = 167h
    check(
        run.clock("resolution"),
        status="running",
        breached_at=None,
        elapsed_seconds="5400",
        paused_seconds="601200",
        due_at=at("13:00", day=9),
    )


def test_reopen_of_a_ticket_solved_exactly_at_target_breaches_at_the_reopen() -> None:
    log = (
        Log()
        .created(at("10:00"))
        .status(at("11:00"), "solved")  # met exactly at due
        .status(at("10:00", day=9), "open")
    )
    run = evaluate_log(log, RES_1H, at("12:00"))
    check(run.clock("resolution"), status="met", breached_at=None)
    run = evaluate_log(log, RES_1H, at("10:30", day=9))
    check(
        run.clock("resolution"),
        status="breached",
        breached_at=at("10:00", day=9),
        due_at=at("10:00", day=9),
        elapsed_seconds="5400",
    )


def test_reopen_of_a_ticket_breached_before_solving_keeps_its_breach() -> None:
    log = (
        Log().created(at("10:00")).status(at("11:30"), "solved").status(at("10:00", day=9), "open")
    )
    run = evaluate_log(log, RES_1H, at("10:30", day=9))
    check(
        run.clock("resolution"),
        status="breached",
        breached_at=at("11:00"),
        fulfilled_at=None,
        elapsed_seconds="7200",
    )


# ---- further edges ----------------------------------------------------------------------------


def test_no_team_cycle_starts_while_solved_and_reopen_starts_one() -> None:
    cfg = config(policy(teams={"P1": {"support": H, "engineering": 2 * H}}, warn_at=[]))
    log = (
        Log()
        .created(at("10:00"), team="support")
        .status(at("10:30"), "solved")
        .assign(at("11:00"), team="engineering")
        .status(at("12:00"), "open")
    )
    run = evaluate_log(log, cfg, at("12:30"))
    assert [(c["team"], c["cycle"]) for c in run.clocks()] == [("engineering", 1), ("support", 1)]
    check(run.clock("team_ownership", 1, "support"), status="met", fulfilled_at=at("10:30"))
    check(
        run.clock("team_ownership", 1, "engineering"),
        status="running",
        started_at=at("12:00"),
        elapsed_seconds="1800",
    )


def test_first_response_restarts_when_its_target_comes_back_before_any_reply() -> None:
    cfg = config(
        policy(
            targets={"P1": {"first_response": H, "resolution": 4 * H}, "P2": {"resolution": 8 * H}},
            warn_at=[],
        )
    )
    log = (
        Log()
        .created(at("10:00"))
        .update(at("10:20"), severity="P2")  # first response cancelled
        .update(at("10:40"), severity="P1")  # no agent reply yet: starts again at the change
    )
    run = evaluate_log(log, cfg, at("11:00"))
    check(run.clock("first_response", 1), status="cancelled", cancelled_at=at("10:20"))
    check(
        run.clock("first_response", 2),
        status="running",
        started_at=at("10:40"),
        due_at=at("11:40"),
        elapsed_seconds="1200",
    )
    check(run.clock("resolution"), started_at=at("10:00"), target_seconds="14400")


def test_resolution_restarts_when_its_target_comes_back() -> None:
    cfg = config(
        policy(targets={"P1": {"resolution": 4 * H}, "P2": {"first_response": H}}, warn_at=[])
    )
    log = Log().created(at("10:00")).update(at("10:20"), severity="P2")
    log.update(at("10:40"), severity="P1")
    run = evaluate_log(log, cfg, at("11:00"))
    check(run.clock("resolution", 1), status="cancelled", elapsed_seconds="1200")
    check(run.clock("resolution", 2), status="running", started_at=at("10:40"))


def test_a_threshold_new_to_the_cycle_fires_after_a_policy_change() -> None:
    # standard warns at 50% (11:00); enterprise at 90% of the same 2h: 108m, 11:48
    cfg = config(
        policy(
            "enterprise",
            match={"account_tier": "enterprise"},
            targets={"P1": {"resolution": 2 * H}},
            warn_at=[0.9],
        ),
        policy("standard", targets={"P1": {"resolution": 2 * H}}, warn_at=[0.5]),
    )
    log = Log().created(at("10:00")).update(at("11:10"), account_tier="enterprise")
    run = evaluate_log(log, cfg, at("11:50"))
    check(
        run.clock("resolution"),
        warnings=warned((0.5, at("11:00")), (0.9, at("11:48"))),
    )


def test_severity_change_while_paused_keeps_due_at_null_and_stamps_a_reached_breach() -> None:
    log = (
        Log()
        .created(at("10:00"), severity="P2")
        .status(at("11:30"), "pending")
        .update(at("12:00"), severity="P1")
    )
    cfg = config(policy(targets={"P1": {"resolution": H}, "P2": {"resolution": 4 * H}}, warn_at=[]))
    run = evaluate_log(log, cfg, at("12:30"))
    check(
        run.clock("resolution"),
        status="breached",
        breached_at=at("12:00"),
        due_at=at("12:00"),
        elapsed_seconds="5400",
        paused_seconds="3600",
    )
    cfg2 = config(
        policy(targets={"P1": {"resolution": 2 * H}, "P2": {"resolution": 4 * H}}, warn_at=[])
    )
    run = evaluate_log(log, cfg2, at("12:30"))
    check(run.clock("resolution"), status="paused", due_at=None, elapsed_seconds="5400")


def test_customer_message_while_pending_starts_next_response() -> None:
    log = (
        Log()
        .created(at("10:00"))
        .agent(at("10:10"))
        .status(at("10:15"), "pending")
        .customer(at("10:20"))
    )
    run = evaluate_log(log, NR_CFG, at("10:30"))
    check(run.clock("next_response"), status="running", started_at=at("10:20"))


def test_escalation_steps_due_are_listed() -> None:
    cfg = config(
        policy(targets={"P1": {"first_response": H}}, warn_at=[], escalation="path"),
        escalation_paths={"path": [0.5, "breach"]},
    )
    log = Log().created(at("10:00"))
    run = evaluate_log(log, cfg, at("11:30"))
    assert run.doc["escalations_due"] == [
        {"metric": "first_response", "team": None, "cycle": 1, "step": 1, "at": at("10:30")},
        {"metric": "first_response", "team": None, "cycle": 1, "step": 2, "at": at("11:00")},
    ]
    log.add("escalated", at("10:30"), metric="first_response", cycle=1, step=1, path="path")
    run = evaluate_log(log, cfg, at("11:30"))
    assert [e["step"] for e in run.doc["escalations_due"]] == [2]


def test_warning_withdrawn_by_a_fulfilment_fires_after_the_reopen() -> None:
    # Resolution 1h, warning at 0.5: reached at 10:30, the very instant of solving, so it
    # is withdrawn; after the reopen at 11:00 elapsed is still 30m, so it fires at once.
    cfg = config(policy(targets={"P1": {"resolution": H}}, warn_at=[0.5]))
    log = Log().created(at("10:00")).status(at("10:30"), "solved").status(at("11:00"), "open")
    solved = evaluate_log(log, cfg, at("10:45"))
    assert solved.clock("resolution")["warnings"] == []
    reopened = evaluate_log(log, cfg, at("11:10"))
    assert reopened.clock("resolution")["warnings"] == [{"threshold": 0.5, "at": at("11:00")}]


# ---- changes while solved -----------------------------------------------------------------------

# The enterprise policy of the issue: 24x7, P1 resolution 4h, P2 resolution 8h.
ENTERPRISE = config(
    policy(
        "enterprise",
        targets={"P1": {"resolution": 4 * H}, "P2": {"resolution": 8 * H}, "P4": {}},
        warn_at=[0.5, 0.75],
    )
)


def _raised_while_solved() -> Log:
    # P2 solved after 4h08m (08:00 to 12:08); raised to P1 while solved
    log = Log().created(at("08:00"), severity="P2").status(at("12:08"), "solved")
    return log.update(at("13:00"), severity="P1")


def test_a_severity_raised_while_solved_leaves_the_met_resolution_alone() -> None:
    run = evaluate_log(_raised_while_solved(), ENTERPRISE, at("12:00", day=3))
    check(
        run.clock("resolution"),
        status="met",
        target_seconds="28800",
        due_at=at("16:00"),
        fulfilled_at=at("12:08"),
        breached_at=None,
        elapsed_seconds="14880",
        warnings=warned((0.5, at("12:00"))),
    )
    assert run.doc["next_action_at"] is None


def test_a_reopen_past_the_target_raised_while_solved_breaches_at_the_reopen() -> None:
    log = _raised_while_solved().status(at("12:08", day=3), "open")  # a day later
    run = evaluate_log(log, ENTERPRISE, at("13:00", day=3))
    # 4h08m elapsed already exceeds P1's 4h: breached at the reopen, not back-dated to 12:00
    # Monday; P1's 75% (3h) fires at the reopen, P2's 50% (4h, Monday 12:00) stays as it was.
    check(
        run.clock("resolution"),
        status="breached",
        started_at=at("08:00"),
        target_seconds="14400",
        breached_at=at("12:08", day=3),
        due_at=at("12:08", day=3),
        fulfilled_at=None,
        elapsed_seconds="18000",
        paused_seconds="86400",
        warnings=warned((0.5, at("12:00")), (0.75, at("12:08", day=3))),
    )


def test_a_severity_lowered_while_solved_resumes_with_the_new_target_less_elapsed() -> None:
    log = (
        Log()
        .created(at("10:00"), severity="P1")
        .status(at("10:07"), "solved")  # after 7 minutes
        .update(at("10:30"), severity="P2")
        .status(at("09:00", day=3), "open")
    )
    run = evaluate_log(log, ENTERPRISE, at("10:00", day=3))
    # 8h - 7m = 7h53m left from Tuesday 09:00; P2's 50% (4h) at 12:53
    check(
        run.clock("resolution"),
        status="running",
        target_seconds="28800",
        due_at=at("16:53", day=3),
        elapsed_seconds="4020",
        warnings=[],
    )
    assert run.doc["next_action_at"] == at("12:53", day=3)


def test_a_target_removed_while_solved_cancels_the_resolution_at_the_reopen() -> None:
    log = (
        Log()
        .created(at("10:00"), severity="P1")
        .status(at("11:00"), "solved")
        .update(at("12:00"), severity="P4")  # P4: no resolution target
    )
    run = evaluate_log(log, ENTERPRISE, at("12:30"))
    check(run.clock("resolution"), status="met", fulfilled_at=at("11:00"), cancelled_at=None)
    log.status(at("13:00"), "open")
    run = evaluate_log(log, ENTERPRISE, at("14:00"))
    assert len(run.clocks("resolution")) == 1
    check(
        run.clock("resolution"),
        status="cancelled",
        cancelled_at=at("13:00"),
        fulfilled_at=None,
        due_at=None,
        elapsed_seconds="3600",
        paused_seconds="7200",
    )
    assert run.doc["next_action_at"] is None


def test_severity_changed_back_while_solved_resumes_as_if_unchanged() -> None:
    log = (
        Log()
        .created(at("10:00"), severity="P2")
        .status(at("11:00"), "solved")
        .update(at("11:10"), severity="P1")
        .update(at("11:20"), severity="P4")
        .update(at("11:30"), severity="P2")
        .status(at("12:00"), "open")
    )
    run = evaluate_log(log, ENTERPRISE, at("12:30"))
    check(
        run.clock("resolution"),
        status="running",
        target_seconds="28800",
        due_at=at("19:00"),
        elapsed_seconds="5400",
        paused_seconds="3600",
    )


def test_an_objective_tightened_while_solved_is_missed_at_the_reopen() -> None:
    cfg = config(
        policy(
            targets={"P1": {"resolution": (4 * H, 2 * H)}, "P2": {"resolution": (8 * H, 4 * H)}},
            warn_at=[],
        )
    )
    log = (
        Log()
        .created(at("10:00"), severity="P2")
        .status(at("13:00"), "solved")  # 3h: P2's objective (4h) met
        .update(at("14:00"), severity="P1")
    )
    run = evaluate_log(log, cfg, at("15:00"))
    check(run.clock("resolution"), objective_status="met", objective_due_at=at("14:00"))
    log.status(at("16:00"), "open")
    run = evaluate_log(log, cfg, at("16:30"))
    # 3h is past P1's 2h objective (missed at the reopen) but not its 4h SLA (1h left)
    check(
        run.clock("resolution"),
        status="running",
        objective_status="missed",
        objective_due_at=at("16:00"),
        due_at=at("17:00"),
        breached_at=None,
    )


def test_a_breach_before_solving_survives_a_looser_target_set_while_solved() -> None:
    log = (
        Log()
        .created(at("10:00"), severity="P1")
        .status(at("15:00"), "solved")  # P1's 4h breached at 14:00
        .update(at("15:30"), severity="P2")
        .status(at("16:00"), "open")
    )
    run = evaluate_log(log, ENTERPRISE, at("16:30"))
    check(
        run.clock("resolution"),
        status="breached",
        breached_at=at("14:00"),
        target_seconds="28800",
        elapsed_seconds="19800",
    )


def test_a_policy_change_while_solved_applies_its_target_and_calendar_from_the_reopen() -> None:
    # standard: 24x7, 4h; enterprise: business hours (Mon-Fri 09-17 UTC), 8h
    cfg = config(
        policy(
            "enterprise",
            match={"account_tier": "enterprise"},
            calendar="bh",
            targets={"P1": {"resolution": 8 * H}},
            warn_at=[],
        ),
        policy("standard", targets={"P1": {"resolution": 4 * H}}, warn_at=[]),
    )
    log = (
        Log()
        .created(at("06:00"), account_tier="standard")
        .status(at("07:00"), "solved")  # 1h of 24x7 time
        .update(at("08:00"), account_tier="enterprise")
    )
    run = evaluate_log(log, cfg, at("12:00"))
    assert run.doc["policy"] == "enterprise"
    check(run.clock("resolution"), status="met", calendar="always", target_seconds="14400")
    log.status(at("16:00"), "open")
    run = evaluate_log(log, cfg, at("10:00", day=3))
    # 7h of business time left from 16:00: 16:00-17:00, then Tuesday 09:00-15:00. The solved
    # spell (07:00-16:00) was counted as paused on the cycle's calendar as solved (24x7).
    check(
        run.clock("resolution"),
        status="running",
        calendar="bh",
        target_seconds="28800",
        due_at=at("15:00", day=3),
        elapsed_seconds="10800",
        paused_seconds="32400",
    )


def test_a_reopen_outside_business_hours_at_the_reached_target_breaches_at_the_reopen() -> None:
    cfg = config(policy(targets={"P1": {"resolution": H}}, calendar="bh", warn_at=[]))
    log = (
        Log()
        .created(at("09:00"))
        .status(at("10:00"), "solved")  # exactly at due: met
        .status(at("20:00"), "open")  # closed hours: breached now, not at Tuesday 09:00
    )
    run = evaluate_log(log, cfg, at("21:00"))
    check(
        run.clock("resolution"),
        status="breached",
        breached_at=at("20:00"),
        due_at=at("20:00"),
        elapsed_seconds="3600",
    )


def test_first_response_gaining_a_target_while_solved_starts_nothing_at_the_reopen() -> None:
    # Solving met first response (DESIGN.md section 4), although no agent ever replied:
    # a first-response target that appears while the ticket is solved is already settled.
    cfg = config(
        policy(
            targets={"P3": {"resolution": 4 * H}, "P1": {"first_response": H, "resolution": 4 * H}},
            warn_at=[],
        )
    )
    log = (
        Log()
        .created(at("10:00"), severity="P3")
        .status(at("11:00"), "solved")
        .update(at("11:30"), severity="P1")
        .status(at("12:00"), "open")
    )
    run = evaluate_log(log, cfg, at("13:00"))
    assert run.clocks("first_response") == []
    check(run.clock("resolution"), status="running", due_at=at("15:00"), elapsed_seconds="7200")
