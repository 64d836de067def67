"""The sections after ``calendars``: tiers, accounts, policies, escalation paths, notifiers.

Each refused case asserts the whole problem line, ``FILE:LINE: key.path: message``, with
LINE found from a ``#!`` marker on the offending line of the text (``#1``, ``#2`` … when a
case has several), so a test shows both where a problem is and where it is reported.
"""

from __future__ import annotations

import textwrap
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slakeeper.cli import app
from slakeeper.config import load_calendar, load_config, load_config_document, parse_document
from slakeeper.core.configuration import Account, Configuration, Contract, CreditRow, Notifier
from slakeeper.core.errors import ConfigError
from slakeeper.core.policies import Metric, Status, Target

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCE = "cfg.yaml"
M = 60_000_000  # µs in a minute
H = 60 * M

CALENDARS = """\
calendars:
  always: {timezone: UTC, weekly: 24x7}
  business: {timezone: UTC, weekly: {mon: ["09:00-17:00"]}}
"""

METRICS_LISTED = "first_response, next_response, periodic_update, resolution or team_ownership"
MATCH_KEYS = (
    "severity, account, account_tier, plan, channel, product, team, tags, not or custom.NAME"
)


def config_text(body: str) -> str:
    """A configuration: the two calendars above, then ``body`` (dedented)."""
    return CALENDARS + textwrap.dedent(body)


def load(body: str) -> Configuration:
    """Load a configuration that must be valid."""
    return load_config_document(parse_document(config_text(body), SOURCE))


def problems_of(body: str) -> list[str]:
    """The problem lines of a configuration that must be refused."""
    with pytest.raises(ConfigError) as info:
        load(body)
    return info.value.problems


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the only line of ``text`` containing ``marker``."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(found) == 1, (marker, found)
    return found[0]


def problem(body: str, path: str, message: str, marker: str = "#!") -> str:
    """The expected problem line for the line of ``body`` marked with ``marker``."""
    return f"{SOURCE}:{line_of(config_text(body), marker)}: {path}: {message}"


def assert_only_problem(body: str, path: str, message: str) -> None:
    """``body`` is refused with exactly one problem, on its ``#!`` line."""
    assert problems_of(body) == [problem(body, path, message)]


# A policy on the 24x7 calendar, to which cases add one key.
def policy(extra: str = "", targets: str = "{P1: {resolution: 4h}}") -> str:
    targets = targets.replace("\n", "\n      ")  # a block under `targets:`
    lines = f"policies:\n  - id: p\n    calendar: always\n    targets: {targets}\n"
    return lines + textwrap.indent(textwrap.dedent(extra), "    ")


# --- tiers --------------------------------------------------------------------------------


def test_tiers_load_in_order_most_important_first() -> None:
    config = load("tiers: [enterprise, mid_market, standard]\n")
    assert config.tiers == ("enterprise", "mid_market", "standard")
    assert config.tier_rank("mid_market") == 1


def test_tiers_refuse_a_duplicate() -> None:
    assert_only_problem(
        "tiers:\n  - gold\n  - silver\n  - gold  #!\n", "tiers[2]", "duplicate tier 'gold'"
    )


def test_tiers_refuse_a_name_that_is_not_a_string() -> None:
    assert_only_problem("tiers:\n  - gold\n  - 3  #!\n", "tiers[1]", "expected a tier name, got 3")


def test_tiers_must_be_a_list() -> None:
    assert_only_problem(
        "tiers: gold  #!\n", "tiers", "expected a list of tier names, most important first"
    )


# --- accounts -----------------------------------------------------------------------------

ACCOUNT = """\
tiers: [enterprise, standard]
accounts:
  acme:
    name: Acme Corp
    tier: enterprise
    timezone: Europe/Berlin
    contract:
      commitment: 0.95
      monthly_fee: 12000
      credits:
        - {below: 0.95, credit: 0.05}
        - {below: 0.90, credit: 0.10}
"""


def test_account_loads_with_its_contract() -> None:
    config = load(ACCOUNT)
    rows = (CreditRow(below=0.95, credit=0.05), CreditRow(below=0.90, credit=0.10))
    assert config.accounts == {
        "acme": Account(
            id="acme",
            name="Acme Corp",
            tier="enterprise",
            timezone="Europe/Berlin",
            contract=Contract(commitment=0.95, monthly_fee=12000, credits=rows),
        )
    }


def test_account_without_contract_or_name_is_accepted() -> None:
    assert load("accounts:\n  acme: {tier: gold}\n").accounts["acme"] == Account(
        "acme", tier="gold"
    )


def test_account_tier_must_be_one_of_the_tiers() -> None:
    body = ACCOUNT.replace("tier: enterprise", "tier: platinum  #!")
    assert_only_problem(
        body, "accounts.acme.tier", "unknown tier 'platinum' (tiers here: enterprise, standard)"
    )


def test_account_timezone_must_be_an_iana_zone() -> None:
    body = ACCOUNT.replace("Europe/Berlin", "Europe/Atlantis  #!")
    assert_only_problem(
        body,
        "accounts.acme.timezone",
        "unknown time zone 'Europe/Atlantis' (expected an IANA name such as Europe/Berlin)",
    )


def test_account_refuses_an_unknown_key() -> None:
    body = ACCOUNT.replace("    name: Acme Corp\n", "    name: Acme Corp\n    colour: red  #!\n")
    assert_only_problem(body, "accounts.acme.colour", "unknown key")


def test_account_must_be_a_mapping() -> None:
    assert_only_problem("accounts:\n  acme: [gold]  #!\n", "accounts.acme", "expected a mapping")


def test_contract_commitment_is_a_share_from_0_to_1() -> None:
    body = ACCOUNT.replace("commitment: 0.95", "commitment: 95  #!")
    assert_only_problem(
        body,
        "accounts.acme.contract.commitment",
        "expected a share from 0 to 1 (0.95 for 95%), got 95",
    )


def test_contract_monthly_fee_is_not_negative() -> None:
    body = ACCOUNT.replace("monthly_fee: 12000", "monthly_fee: -5  #!")
    assert_only_problem(body, "accounts.acme.contract.monthly_fee", "must not be negative")


def test_contract_credit_rows_are_shares() -> None:
    body = ACCOUNT.replace("{below: 0.90, credit: 0.10}", "{below: 0.90, credit: 10}  #!")
    assert_only_problem(
        body,
        "accounts.acme.contract.credits[1].credit",
        "expected a share from 0 to 1 (0.95 for 95%), got 10",
    )


def test_contract_credit_row_needs_below_and_credit() -> None:
    body = ACCOUNT.replace("{below: 0.90, credit: 0.10}", "{below: 0.90}  #!")
    assert_only_problem(body, "accounts.acme.contract.credits[1].credit", "missing required key")


def test_contract_refuses_an_unknown_key() -> None:
    body = ACCOUNT.replace(
        "      monthly_fee: 12000\n", "      monthly_fee: 12000\n      fee: 1  #!\n"
    )
    assert_only_problem(body, "accounts.acme.contract.fee", "unknown key")


# --- policies: shape ----------------------------------------------------------------------


def test_policies_must_be_a_list() -> None:
    assert_only_problem(
        "policies: {id: p}  #!\n", "policies", "expected a list of policies (the first match wins)"
    )


def test_policy_needs_an_id() -> None:
    body = "policies:\n  - calendar: always  #!\n"
    assert_only_problem(body, "policies[0].id", "missing required key")


def test_policy_ids_are_unique() -> None:
    body = "policies:\n  - {id: p, calendar: always}\n  - {id: p, calendar: always}  #!\n"
    assert_only_problem(body, "policies[1].id", "duplicate policy id 'p' (policies[0])")


def test_policy_refuses_an_unknown_key() -> None:
    assert_only_problem(policy("priority: 1  #!\n"), "policies[0].priority", "unknown key")


def test_policy_must_be_a_mapping() -> None:
    assert_only_problem("policies:\n  - p  #!\n", "policies[0]", "expected a mapping")


def test_policies_keep_their_order_and_the_first_match_wins() -> None:
    config = load(
        """\
        policies:
          - {id: vip, calendar: always, match: {tags: {contains: vip}}}
          - {id: baseline, calendar: always}
        """
    )
    assert [p.id for p in config.policies] == ["vip", "baseline"]
    assert config.policy_for({"tags": ["vip"]}).id == "vip"
    assert config.policy_for({"tags": []}).id == "baseline"


def test_policy_without_match_matches_every_ticket() -> None:
    config = load(policy())
    assert config.policies[0].match is None
    assert config.policy_for({"severity": "P4", "account": "anyone"}).id == "p"


# --- policies: match ----------------------------------------------------------------------


def matcher(match: str) -> object:
    return load(policy(f"match: {match}\n")).policies[0].match


def test_match_value_is_equality_and_list_is_membership() -> None:
    match = matcher("{severity: P1, channel: [slack, email]}")
    assert match.matches({"severity": "P1", "channel": "email"})
    assert not match.matches({"severity": "P2", "channel": "email"})
    assert not match.matches({"severity": "P1", "channel": "phone"})


@pytest.mark.parametrize("field", ["account", "account_tier", "plan", "product", "team"])
def test_match_reads_every_ticket_field(field: str) -> None:
    match = matcher(f"{{{field}: x}}")
    assert match.matches({field: "x"})
    assert not match.matches({field: "y"})


def test_match_tags_contains_any_of_the_tags() -> None:
    one = matcher("{tags: {contains: vip}}")
    assert one.matches({"tags": ["vip", "billing"]})
    assert not one.matches({"tags": ["billing"]})
    any_of = matcher("{tags: {contains: [vip, urgent]}}")
    assert any_of.matches({"tags": ["urgent"]})
    assert not any_of.matches({})


def test_match_not_excludes_with_the_same_grammar_nested() -> None:
    match = matcher("{account_tier: enterprise, not: {product: legacy, not: {plan: pro}}}")
    assert match.matches({"account_tier": "enterprise", "product": "exports"})
    assert not match.matches({"account_tier": "enterprise", "product": "legacy"})
    assert match.matches({"account_tier": "enterprise", "product": "legacy", "plan": "pro"})


def test_match_custom_fields_by_name() -> None:
    match = matcher('{"custom.region": [eu, uk]}')
    assert match.matches({"custom": {"region": "eu"}})
    assert not match.matches({"custom": {"region": "us"}})
    assert not match.matches({})


def test_match_refuses_an_unknown_key() -> None:
    assert_only_problem(
        policy("match:\n  severity: P1\n  priority: high  #!\n"),
        "policies[0].match.priority",
        f"unknown match key 'priority' (expected {MATCH_KEYS})",
    )


def test_match_refuses_custom_as_a_mapping() -> None:
    assert_only_problem(
        policy("match:\n  custom: {region: eu}  #!\n"),
        "policies[0].match.custom",
        "name a custom field as custom.NAME (custom.region: eu)",
    )


def test_match_refuses_an_empty_list() -> None:
    assert_only_problem(
        policy("match:\n  channel: []  #!\n"),
        "policies[0].match.channel",
        "an empty list matches no ticket",
    )


def test_match_refuses_a_mapping_as_a_value() -> None:
    assert_only_problem(
        policy("match:\n  severity: {in: [P1]}  #!\n"),
        "policies[0].match.severity",
        "expected a value or a list of values",
    )


def test_match_tags_must_be_written_with_contains() -> None:
    assert_only_problem(
        policy("match:\n  tags: [vip]  #!\n"),
        "policies[0].match.tags",
        "expected {contains: TAG} or {contains: [TAG, …]}",
    )


def test_match_tags_refuses_other_keys() -> None:
    body = policy("match:\n  tags: {has: vip}  #!\n")
    assert problems_of(body) == [
        problem(body, "policies[0].match.tags.has", "unknown key"),
        problem(body, "policies[0].match.tags.contains", "missing required key"),
    ]


def test_match_problem_inside_not_names_the_nested_key() -> None:
    assert_only_problem(
        policy("match:\n  not:\n    severity: P4\n    colour: red  #!\n"),
        "policies[0].match.not.colour",
        f"unknown match key 'colour' (expected {MATCH_KEYS})",
    )


def test_match_must_be_a_mapping() -> None:
    assert_only_problem(
        policy("match: [P1]  #!\n"),
        "policies[0].match",
        "expected a mapping of ticket field to value (or list of values)",
    )


# --- policies: targets --------------------------------------------------------------------


def test_targets_are_durations_or_sla_and_objective() -> None:
    targets = (
        "{P1: {first_response: 15m, resolution: {sla: 4h, objective: 3h}}, P2: {resolution: 90}}"
    )
    found = load(policy(targets=targets)).policies[0]
    assert found.target("P1", Metric.FIRST_RESPONSE) == Target(sla=15 * M)
    assert found.target("P1", Metric.RESOLUTION) == Target(sla=4 * H, objective=3 * H)
    assert found.target("P2", Metric.RESOLUTION) == Target(sla=90_000_000)
    assert found.target("P2", Metric.FIRST_RESPONSE) is None


def test_team_ownership_targets_are_per_team() -> None:
    targets = "{P2: {team_ownership: {engineering: 4h, billing: {sla: 8h, objective: 6h}}}}"
    found = load(policy(targets=targets)).policies[0]
    assert found.target("P2", Metric.TEAM_OWNERSHIP, "engineering") == Target(sla=4 * H)
    assert found.target("P2", Metric.TEAM_OWNERSHIP, "billing") == Target(8 * H, 6 * H)
    assert found.target("P2", Metric.TEAM_OWNERSHIP, "support") is None
    assert found.has_severity("P2")


def test_team_ownership_needs_a_mapping_of_teams() -> None:
    assert_only_problem(
        policy(targets="\n  P1:\n    team_ownership: 4h  #!"),
        "policies[0].targets.P1.team_ownership",
        "expected a mapping of team to target ({engineering: 4h})",
    )


def test_targets_refuse_an_unknown_metric() -> None:
    assert_only_problem(
        policy(targets="\n  P1:\n    resolve: 4h  #!"),
        "policies[0].targets.P1.resolve",
        f"unknown metric 'resolve' (expected {METRICS_LISTED})",
    )


def test_target_objective_must_not_exceed_the_sla() -> None:
    assert_only_problem(
        policy(targets="\n  P1:\n    resolution:\n      sla: 4h\n      objective: 5h  #!"),
        "policies[0].targets.P1.resolution.objective",
        "the objective (5h) must not exceed the sla (4h): it is the tighter, internal target",
    )


def test_target_objective_may_equal_the_sla() -> None:
    found = load(policy(targets="{P1: {resolution: {sla: 4h, objective: 240m}}}")).policies[0]
    assert found.target("P1", Metric.RESOLUTION) == Target(sla=4 * H, objective=4 * H)


def test_target_refuses_an_invalid_duration() -> None:
    assert_only_problem(
        policy(targets="\n  P1:\n    resolution: 4 hours  #!"),
        "policies[0].targets.P1.resolution",
        "invalid duration '4 hours': expected e.g. 1h30m, 15m, 90s or seconds",
    )


def test_target_refuses_zero() -> None:
    assert_only_problem(
        policy(targets="\n  P1:\n    resolution: 0m  #!"),
        "policies[0].targets.P1.resolution",
        "a target must be longer than zero, got '0m'",
    )


def test_target_mapping_needs_an_sla() -> None:
    assert_only_problem(
        policy(targets="\n  P1:\n    resolution: {objective: 1h}  #!"),
        "policies[0].targets.P1.resolution.sla",
        "missing required key",
    )


def test_target_mapping_refuses_an_unknown_key() -> None:
    assert_only_problem(
        policy(targets="\n  P1:\n    resolution: {sla: 4h, goal: 1h}  #!"),
        "policies[0].targets.P1.resolution.goal",
        "unknown key",
    )


def test_targets_of_a_severity_must_be_a_mapping() -> None:
    assert_only_problem(
        policy(targets="\n  P1: 4h  #!"),
        "policies[0].targets.P1",
        "expected a mapping of metric to target ({resolution: 4h})",
    )


DAYS = "uses days, which are ambiguous on a business calendar: write hours instead"


def test_days_are_allowed_on_a_24x7_calendar() -> None:
    found = load(policy(targets="{P3: {resolution: 2d}}")).policies[0]
    assert found.target("P3", Metric.RESOLUTION) == Target(sla=48 * H, uses_days=True)


def test_days_are_refused_on_a_business_calendar() -> None:
    body = "policies:\n  - id: p\n    calendar: business\n    targets:\n      P3:\n"
    body += "        resolution: 2d  #!\n"
    assert_only_problem(
        body,
        "policies[0].targets.P3.resolution",
        f"duration '2d' {DAYS} (40h for five 8-hour days) (calendar 'business' is not 24x7)",
    )


def test_days_are_refused_when_the_metric_calendar_is_a_business_one() -> None:
    body = "policies:\n  - id: p\n    calendar: always\n    calendars: {resolution: business}\n"
    body += "    targets:\n      P3:\n        first_response: 1d\n"
    body += "        resolution: {sla: 40h, objective: 1d}  #!\n"
    assert_only_problem(
        body,
        "policies[0].targets.P3.resolution.objective",
        f"duration '1d' {DAYS} (40h for five 8-hour days) (calendar 'business' is not 24x7)",
    )


def test_inherited_days_on_a_business_calendar_are_reported_where_written() -> None:
    body = """\
    policies:
      - {id: child, extends: base, calendar: business}
      - id: base
        calendar: always
        targets: {P3: {resolution: 3d}}  #!
    """
    assert_only_problem(
        body,
        "policies[1].targets.P3.resolution",
        f"duration '3d' {DAYS} (40h for five 8-hour days) "
        "(policy 'child' inherits it and counts resolution on 'business', not 24x7)",
    )


def test_days_in_a_team_ownership_target_are_checked_too() -> None:
    body = "policies:\n  - id: p\n    calendar: business\n    targets:\n      P3:\n"
    body += "        team_ownership:\n          engineering: 1d  #!\n"
    assert_only_problem(
        body,
        "policies[0].targets.P3.team_ownership.engineering",
        f"duration '1d' {DAYS} (40h for five 8-hour days) (calendar 'business' is not 24x7)",
    )


# --- policies: calendars ------------------------------------------------------------------


def test_policy_calendar_must_be_defined() -> None:
    body = "policies:\n  - id: p\n    calendar: weekdays  #!\n"
    assert_only_problem(
        body,
        "policies[0].calendar",
        "unknown calendar 'weekdays' (calendars here: always, business)",
    )


def test_policy_calendars_per_metric_are_read() -> None:
    found = load(policy("calendars: {resolution: business}\n")).policies[0]
    assert found.calendar_for(Metric.RESOLUTION) == "business"
    assert found.calendar_for(Metric.FIRST_RESPONSE) == "always"


def test_policy_calendars_keys_must_be_metrics() -> None:
    assert_only_problem(
        policy("calendars:\n  resolve: business  #!\n"),
        "policies[0].calendars.resolve",
        f"unknown metric 'resolve' (expected {METRICS_LISTED})",
    )


def test_policy_calendars_must_name_defined_calendars() -> None:
    assert_only_problem(
        policy("calendars:\n  resolution: weekdays  #!\n"),
        "policies[0].calendars.resolution",
        "unknown calendar 'weekdays' (calendars here: always, business)",
    )


def test_policy_must_name_a_calendar() -> None:
    body = "policies:\n  - id: p  #!\n    targets: {P1: {resolution: 4h}}\n"
    assert_only_problem(body, "policies[0].calendar", "a policy must name a calendar")


def test_policy_with_a_calendar_for_each_metric_it_has_needs_no_other() -> None:
    body = "policies:\n  - id: p\n    calendars: {resolution: business}\n"
    body += "    targets: {P1: {resolution: 4h}}\n"
    assert load(body).policies[0].calendar_for(Metric.RESOLUTION) == "business"


def test_policy_calendar_may_be_inherited() -> None:
    body = "policies:\n  - {id: child, extends: base}\n  - {id: base, calendar: business}\n"
    assert load(body).policies[0].calendar == "business"


# --- policies: pause_on and warn_at -------------------------------------------------------


def test_pause_on_merges_per_metric_over_the_defaults() -> None:
    found = load(policy("pause_on: {first_response: [on_hold], resolution: []}\n")).policies[0]
    assert found.pauses(Metric.FIRST_RESPONSE) == {Status.ON_HOLD}
    assert found.pauses(Metric.RESOLUTION) == frozenset()
    default = load(policy()).policies[0]
    assert default.pauses(Metric.RESOLUTION) == {Status.PENDING, Status.ON_HOLD}


@pytest.mark.parametrize("status", ["solved", "closed"])
def test_pause_on_refuses_statuses_that_end_clocks(status: str) -> None:
    assert_only_problem(
        policy(f"pause_on:\n  resolution:\n    - pending\n    - {status}  #!\n"),
        "policies[0].pause_on.resolution[1]",
        f"'{status}' ends clocks, it does not pause them",
    )


def test_pause_on_refuses_an_unknown_status() -> None:
    assert_only_problem(
        policy("pause_on:\n  resolution:\n    - waiting  #!\n"),
        "policies[0].pause_on.resolution[0]",
        "unknown status 'waiting' (a clock pauses on new, open, pending, on_hold)",
    )


def test_pause_on_refuses_an_unknown_metric() -> None:
    assert_only_problem(
        policy("pause_on:\n  resolve: [pending]  #!\n"),
        "policies[0].pause_on.resolve",
        f"unknown metric 'resolve' (expected {METRICS_LISTED})",
    )


def test_pause_on_needs_a_list_per_metric() -> None:
    assert_only_problem(
        policy("pause_on:\n  resolution: pending  #!\n"),
        "policies[0].pause_on.resolution",
        "expected a list of statuses ([pending, on_hold])",
    )


def test_warn_at_reads_fractions_percentages_and_lead_times() -> None:
    found = load(policy("warn_at: [0.5, 80%, 30m before]\n")).policies[0]
    assert [t.fraction for t in found.thresholds] == [Fraction(1, 2), Fraction(4, 5), None]
    assert found.thresholds[2].lead == 30 * M
    assert [t.json_value for t in found.thresholds] == [0.5, 0.8, "30m before"]


def test_warn_at_defaults_to_three_quarters() -> None:
    assert [t.json_value for t in load(policy()).policies[0].thresholds] == [0.75]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("1.5", "invalid threshold '1.5': a fraction of the target is 0 to 1"),
        ("breach", "invalid threshold 'breach': expected 0.75, 75%, '30m before'"),
        (
            "5x before",
            "invalid lead time in '5x before': invalid duration '5x': "
            "expected e.g. 1h30m, 15m, 90s or seconds",
        ),
    ],
)
def test_warn_at_refuses_an_invalid_threshold(written: str, message: str) -> None:
    assert_only_problem(
        policy(f"warn_at:\n  - 0.5\n  - {written}  #!\n"), "policies[0].warn_at[1]", message
    )


def test_warn_at_must_be_a_list() -> None:
    assert_only_problem(policy("warn_at: 0.5  #!\n"), "policies[0].warn_at", "expected a list")


# --- policies: escalation and extends -----------------------------------------------------

PATHS = """\
escalation_paths:
  standard: [{at: breach, notify: [assignee]}]
"""


def test_policy_escalation_must_name_a_path() -> None:
    assert_only_problem(
        PATHS + policy("escalation: urgent  #!\n"),
        "policies[0].escalation",
        "unknown escalation path 'urgent' (paths here: standard)",
    )


def test_extends_merges_targets_per_severity_and_metric() -> None:
    body = """\
    policies:
      - id: child
        extends: base
        targets: {P1: {first_response: 10m}, P2: {team_ownership: {billing: 2h}}}
      - id: base
        calendar: always
        targets:
          P1: {first_response: 15m, resolution: 4h}
          P2: {resolution: 8h, team_ownership: {engineering: 4h}}
    """
    child = load(body).policies[0]
    assert child.target("P1", Metric.FIRST_RESPONSE) == Target(10 * M)
    assert child.target("P1", Metric.RESOLUTION) == Target(4 * H)
    assert child.target("P2", Metric.RESOLUTION) == Target(8 * H)
    assert child.teams["P2"] == {"engineering": Target(4 * H), "billing": Target(2 * H)}


def test_extends_inherits_calendars_pause_on_warn_at_and_escalation() -> None:
    body = PATHS + textwrap.dedent(
        """\
        policies:
          - {id: child, extends: base, pause_on: {first_response: [on_hold]}, calendar: business}
          - id: base
            calendar: always
            calendars: {resolution: always}
            targets: {P1: {resolution: 4h}}
            pause_on: {resolution: [on_hold]}
            warn_at: [30m before]
            escalation: standard
        """
    )
    child = load(body).policies[0]
    assert child.calendar == "business"
    assert child.calendar_for(Metric.RESOLUTION) == "always"
    assert child.pauses(Metric.FIRST_RESPONSE) == {Status.ON_HOLD}
    assert child.pauses(Metric.RESOLUTION) == {Status.ON_HOLD}
    assert [t.text for t in child.thresholds] == ["30m before"]
    assert child.escalation == "standard"


def test_extends_never_inherits_match() -> None:
    body = "policies:\n  - {id: child, extends: base}\n"
    body += "  - {id: base, calendar: always, match: {severity: P1}}\n"
    config = load(body)
    assert config.policies[0].match is None
    assert config.policy_for({"severity": "P4"}).id == "child"


def test_extends_an_unknown_policy_is_refused() -> None:
    body = "policies:\n  - id: p\n    calendar: always\n    extends: basics  #!\n"
    assert_only_problem(body, "policies[0].extends", "extends unknown policy 'basics'")


def test_extends_cycle_is_refused() -> None:
    body = """\
    policies:
      - {id: a, extends: b, calendar: always}  #!
      - {id: b, extends: a}
    """
    assert_only_problem(body, "policies[0].extends", "extends forms a cycle: a -> b -> a")


def test_extends_itself_is_a_cycle() -> None:
    body = "policies:\n  - {id: a, extends: a, calendar: always}  #!\n"
    assert_only_problem(body, "policies[0].extends", "extends forms a cycle: a -> a")


def test_extends_problem_is_reported_at_the_policy_whose_extends_is_wrong() -> None:
    body = """\
    policies:
      - {id: child, extends: middle}
      - {id: middle, extends: missing, calendar: always}  #!
      - {id: c, extends: a}
      - {id: a, extends: b, calendar: always}  #2
      - {id: b, extends: a}
    """
    assert problems_of(body) == [
        problem(body, "policies[1].extends", "extends unknown policy 'missing'"),
        problem(body, "policies[3].extends", "extends forms a cycle: a -> b -> a", "#2"),
    ]


# --- escalation paths ---------------------------------------------------------------------

NOTIFIERS = """\
notifiers:
  leads: {type: slack, url: "https://hooks.slack.com/services/T0/B0/XYZ"}
"""


def test_escalation_path_steps_are_read() -> None:
    body = NOTIFIERS + textwrap.dedent(
        """\
        escalation_paths:
          p:
            - {at: 0.5, notify: [assignee]}
            - {at: 30m before, notify: [leads, team], assign: {team: tier2}}
            - {at: breach, assign: {team: managers}}
        """
    )
    steps = load(body).escalation_paths["p"].steps
    assert [step.at.text for step in steps] == ["0.5", "30m before", "breach"]
    assert steps[0].at.fraction == Fraction(1, 2)
    assert steps[1].at.lead == 30 * M
    assert steps[1].notify == ("leads", "team")
    assert steps[1].assign_team == "tier2"
    assert steps[2].notify == ()
    assert steps[2].assign_team == "managers"


def test_escalation_step_at_must_be_a_threshold_or_breach() -> None:
    assert_only_problem(
        "escalation_paths:\n  p:\n    - {at: later, notify: [assignee]}  #!\n",
        "escalation_paths.p[0].at",
        "invalid threshold 'later': expected 0.75, 75%, '30m before' or 'breach'",
    )


def test_escalation_step_needs_at() -> None:
    assert_only_problem(
        "escalation_paths:\n  p:\n    - {notify: [assignee]}  #!\n",
        "escalation_paths.p[0].at",
        "missing required key",
    )


def test_escalation_notify_must_name_a_notifier_or_a_built_in_recipient() -> None:
    body = NOTIFIERS + "escalation_paths:\n  p:\n    - at: 0.5\n      notify:\n"
    body += "        - assignee\n        - managers  #!\n"
    assert_only_problem(
        body,
        "escalation_paths.p[0].notify[1]",
        "unknown recipient 'managers' (notifiers here: leads; built in: assignee, team)",
    )


def test_escalation_assign_takes_only_a_team() -> None:
    assert_only_problem(
        "escalation_paths:\n  p:\n    - {at: 0.5, assign: {team: t2, agent: ana}}  #!\n",
        "escalation_paths.p[0].assign.agent",
        "unknown key",
    )


def test_escalation_step_must_notify_or_assign() -> None:
    assert_only_problem(
        "escalation_paths:\n  p:\n    - {at: 0.5}  #!\n",
        "escalation_paths.p[0]",
        "a step must notify someone or assign a team",
    )


def test_escalation_step_refuses_an_unknown_key() -> None:
    assert_only_problem(
        "escalation_paths:\n  p:\n    - {at: 0.5, notify: [team], page: true}  #!\n",
        "escalation_paths.p[0].page",
        "unknown key",
    )


def test_escalation_path_needs_steps() -> None:
    assert_only_problem(
        "escalation_paths:\n  p: []  #!\n",
        "escalation_paths.p",
        "an escalation path needs at least one step",
    )


def test_escalation_path_is_a_list_of_steps() -> None:
    assert_only_problem(
        "escalation_paths:\n  p: {at: 0.5}  #!\n",
        "escalation_paths.p",
        "expected a list of steps ([{at: 0.75, notify: [assignee]}])",
    )


# --- notifiers ----------------------------------------------------------------------------


def test_notifiers_of_each_type_are_read() -> None:
    body = """\
    notifiers:
      leads: {type: slack, url: "https://hooks.slack.com/services/T0/B0/XYZ"}
      desk: {type: teams, url: "https://example.webhook.office.com/webhookb2/abc"}
      boss: {type: email, to: [boss@example.com, deputy@example.co.uk]}
      ops: {type: webhook, url: "http://127.0.0.1:9000/hook", secret_env: OPS_SECRET}
    """
    notifiers = load(body).notifiers
    assert notifiers["boss"] == Notifier(
        id="boss", type="email", to=("boss@example.com", "deputy@example.co.uk")
    )
    assert notifiers["ops"] == Notifier(
        id="ops", type="webhook", url="http://127.0.0.1:9000/hook", secret_env="OPS_SECRET"
    )
    assert [n.type for n in notifiers.values()] == ["slack", "teams", "email", "webhook"]


def test_notifier_needs_a_type() -> None:
    assert_only_problem(
        "notifiers:\n  n: {url: 'https://x.example/h'}  #!\n",
        "notifiers.n.type",
        "missing required key",
    )


def test_notifier_type_must_be_known() -> None:
    assert_only_problem(
        "notifiers:\n  n: {type: pager}  #!\n",
        "notifiers.n.type",
        "unknown notifier type 'pager' (expected slack, teams, email, webhook)",
    )


@pytest.mark.parametrize("kind", ["slack", "teams", "webhook"])
def test_notifier_that_posts_needs_a_url(kind: str) -> None:
    assert_only_problem(
        f"notifiers:\n  n: {{type: {kind}}}  #!\n",
        "notifiers.n.url",
        f"missing required key (a {kind} notifier posts to it)",
    )


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "example.com/hook", "https://"])
def test_notifier_url_must_be_http(url: str) -> None:
    assert_only_problem(
        f"notifiers:\n  n:\n    type: slack\n    url: '{url}'  #!\n",
        "notifiers.n.url",
        f"expected an http(s) URL, got '{url}'",
    )


def test_email_notifier_needs_recipients() -> None:
    assert_only_problem(
        "notifiers:\n  n: {type: email}  #!\n",
        "notifiers.n.to",
        "missing required key (an email notifier sends to it)",
    )


def test_email_notifier_refuses_an_empty_list() -> None:
    assert_only_problem(
        "notifiers:\n  n: {type: email, to: []}  #!\n",
        "notifiers.n.to",
        "an email notifier needs at least one address",
    )


def test_email_notifier_refuses_an_invalid_address() -> None:
    assert_only_problem(
        "notifiers:\n  n:\n    type: email\n    to:\n      - a@example.com\n      - boss  #!\n",
        "notifiers.n.to[1]",
        "invalid email address 'boss'",
    )


def test_email_notifier_has_no_url() -> None:
    assert_only_problem(
        "notifiers:\n  n:\n    type: email\n    to: [a@example.com]\n    url: 'https://x.io'  #!\n",
        "notifiers.n.url",
        "only slack, teams and webhook notifiers have a url",
    )


def test_only_email_notifiers_have_recipients() -> None:
    body = "notifiers:\n  n:\n    type: slack\n    url: 'https://x.io/h'\n    to: [a@b.io]  #!\n"
    assert_only_problem(body, "notifiers.n.to", "only email notifiers have recipients (to)")


def test_only_webhook_notifiers_have_a_secret() -> None:
    body = "notifiers:\n  n:\n    type: slack\n    url: 'https://x.io/h'\n    secret_env: S  #!\n"
    assert_only_problem(body, "notifiers.n.secret_env", "only webhook notifiers are signed")


def test_webhook_secret_env_is_a_variable_name() -> None:
    body = "notifiers:\n  n:\n    type: webhook\n    url: 'https://x.io/h'\n"
    body += "    secret_env: 'MY-SECRET'  #!\n"
    assert_only_problem(
        body, "notifiers.n.secret_env", "expected an environment variable name, got 'MY-SECRET'"
    )


def test_notifier_refuses_an_unknown_key() -> None:
    body = "notifiers:\n  n:\n    type: slack\n    url: 'https://x.io/h'\n    channel: '#ops'  #!\n"
    assert_only_problem(body, "notifiers.n.channel", "unknown key")


def test_notifier_cannot_take_a_built_in_recipient_name() -> None:
    assert_only_problem(
        "notifiers:\n  team: {type: email, to: [t@example.com]}  #!\n",
        "notifiers.team",
        "'team' is a built-in recipient: name the notifier otherwise",
    )


# --- the whole file -----------------------------------------------------------------------


def test_design_example_loads_and_its_inheritance_is_resolved() -> None:
    config = load_config(EXAMPLES / "config.yaml")
    assert list(config.calendars) == ["us-support", "always"]
    assert config.tiers == ("enterprise", "mid_market", "standard")
    assert config.accounts["acme"].contract.credit_for(0.92) == 0.05
    acme, enterprise = config.policies
    assert acme.id == "acme-contract"
    assert acme.target("P1", Metric.FIRST_RESPONSE) == Target(10 * M)
    assert acme.target("P1", Metric.RESOLUTION) == Target(4 * H)
    assert acme.targets["P2"] == enterprise.targets["P2"]
    assert acme.target("P2", Metric.FIRST_RESPONSE) == Target(sla=2 * H, objective=1 * H)
    assert acme.target("P2", Metric.TEAM_OWNERSHIP, "engineering") == Target(4 * H)
    assert acme.thresholds == enterprise.thresholds
    assert [t.json_value for t in acme.thresholds] == [0.5, 0.75, "5m before"]
    assert acme.escalation == "enterprise-path"
    assert acme.calendar == "always"
    assert acme.pauses(Metric.RESOLUTION) == {Status.PENDING, Status.ON_HOLD}
    fields = {"account": "acme", "account_tier": "enterprise", "channel": "phone"}
    assert config.policy_for(fields).id == "acme-contract"  # acme's own match, not enterprise's
    assert config.policy_for({**fields, "account": "globex"}) is None
    steps = config.escalation_paths["enterprise-path"].steps
    assert [s.at.text for s in steps] == ["0.5", "0.75", "breach"]
    assert set(config.notifiers) == {"team-leads", "support-manager", "ops-hook"}


def test_every_problem_of_every_section_is_reported_together() -> None:
    body = """\
    tiers: [gold, gold]  #1
    accounts:
      acme: {tier: tin}  #2
    policies:
      - id: p
        calendar: always
        targets: {P1: {speed: 1h}}  #3
    escalation_paths:
      e: [{at: 2, notify: [nobody]}]  #4
    notifiers:
      n: {type: slack}  #5
    """
    assert problems_of(body) == [
        problem(body, "tiers[1]", "duplicate tier 'gold'", "#1"),
        problem(body, "accounts.acme.tier", "unknown tier 'tin' (tiers here: gold)", "#2"),
        problem(
            body,
            "policies[0].targets.P1.speed",
            f"unknown metric 'speed' (expected {METRICS_LISTED})",
            "#3",
        ),
        problem(
            body,
            "escalation_paths.e[0].at",
            "invalid threshold '2': a fraction of the target is 0 to 1",
            "#4",
        ),
        problem(
            body,
            "escalation_paths.e[0].notify[0]",
            "unknown recipient 'nobody' (notifiers here: n; built in: assignee, team)",
            "#4",
        ),
        problem(
            body, "notifiers.n.url", "missing required key (a slack notifier posts to it)", "#5"
        ),
    ]


def test_references_are_checked_even_when_the_calendars_section_is_broken() -> None:
    text = "calendars:\n  always: {timezone: Nowhere, weekly: 24x7}  #1\n"
    text += "policies:\n  - {id: p, calendar: always, targets: {P1: {resolution: 2d}}}\n"
    with pytest.raises(ConfigError) as info:
        load_config_document(parse_document(text, SOURCE))
    # Only the calendar's own problem: the policy names a declared calendar.
    assert info.value.problems == [
        f"{SOURCE}:2: calendars.always.timezone: unknown time zone 'Nowhere' "
        "(expected an IANA name such as Europe/Berlin)"
    ]


def test_load_calendar_reads_a_calendar_of_a_full_configuration() -> None:
    assert load_calendar(EXAMPLES / "config.yaml", "always").is_24x7


def test_a_json_configuration_is_read_the_same_way() -> None:
    config = load_config(FIXTURES / "policies.json")
    assert [p.id for p in config.policies] == ["vip", "baseline"]
    assert config.policies[0].target("P1", Metric.RESOLUTION) == Target(2 * H, uses_days=False)
    with pytest.raises(ConfigError) as info:
        load_config(FIXTURES / "bad-policies.json")
    assert info.value.problems == [
        f"{FIXTURES / 'bad-policies.json'}:9: policies[0].targets.P1.resolution: "
        "invalid duration 'soon': expected e.g. 1h30m, 15m, 90s or seconds"
    ]


# --- slakeeper check ----------------------------------------------------------------------


def test_check_prints_a_summary_of_every_section() -> None:
    path = EXAMPLES / "config.yaml"
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"ok: {path}: 2 calendars, 3 tiers, 1 account, 2 policies, 1 escalation path, 3 notifiers\n"
    )


def test_check_reports_section_problems_one_line_each_with_exit_2() -> None:
    path = FIXTURES / "bad-policies.json"
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert result.output == (
        f"error: {path}:9: policies[0].targets.P1.resolution: "
        "invalid duration 'soon': expected e.g. 1h30m, 15m, 90s or seconds\n"
    )
