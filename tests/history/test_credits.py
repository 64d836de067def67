"""Credits owed per account and month: rows do not stack; months in the account's zone."""

from __future__ import annotations

import pytest

from slakeeper.core.configuration import Account, Contract, CreditRow
from slakeeper.core.instants import parse_instant_us
from slakeeper.services.credits import Months, credits_owed, period_credit, zone_of

CONTRACT = Contract(
    commitment=0.95,
    monthly_fee=1000.0,
    credits=(CreditRow(below=0.95, credit=0.05), CreditRow(below=0.6, credit=0.25)),
)


@pytest.mark.parametrize(
    ("met", "breached", "share"),
    [
        (19, 1, 0.0),  # 0.95 is not under 0.95
        (18, 2, 0.05),  # 0.90: under 0.95 only
        (6, 5, 0.25),  # 0.545: under both; the lowest `below` wins, not 0.05 + 0.25
        (0, 3, 0.25),
    ],
)
def test_the_lowest_row_the_compliance_is_under_gives_the_credit(
    met: int, breached: int, share: float
) -> None:
    credit = period_credit(CONTRACT, "2026-03", met, breached)
    assert credit.share == share
    assert credit.amount == pytest.approx(1000.0 * share)
    assert credit.compliance == pytest.approx(met / (met + breached))


def test_a_month_without_decided_clocks_owes_nothing() -> None:
    credit = period_credit(CONTRACT, "2026-03", 0, 0)
    assert (credit.compliance, credit.share, credit.amount) == (None, 0.0, 0.0)


def test_no_contract_or_no_fee_owes_no_amount() -> None:
    assert period_credit(None, "2026-03", 1, 9).amount is None
    assert period_credit(Contract(credits=CONTRACT.credits), "2026-03", 1, 9).share == 0.25


def test_each_month_is_judged_on_its_own() -> None:
    owed = credits_owed(CONTRACT, {"2026-04": (18, 2), "2026-03": (20, 0)})
    assert [(c.period, c.amount) for c in owed] == [("2026-03", 0.0), ("2026-04", 50.0)]


def test_months_are_local_to_the_zone() -> None:
    # 22:30Z on 31 March is 00:30 on 1 April in Berlin (UTC+2 after 29 March).
    instant = parse_instant_us("2026-03-31T22:30:00Z")
    assert Months("Europe/Berlin").of(instant) == "2026-04"
    assert Months("UTC").of(instant) == "2026-03"
    assert Months("America/New_York").of(parse_instant_us("2026-01-01T04:59:59Z")) == "2025-12"
    assert Months("UTC").of(parse_instant_us("2300-01-01T00:00:00Z")) == "2300-01"


def test_an_account_counts_months_in_its_own_zone_else_the_default() -> None:
    assert zone_of(Account("acme", timezone="Europe/Berlin"), "UTC") == "Europe/Berlin"
    assert zone_of(Account("beta"), "Asia/Tokyo") == "Asia/Tokyo"
    assert zone_of(None, "UTC") == "UTC"
