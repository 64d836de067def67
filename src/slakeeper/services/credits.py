"""Service credits owed under a contract, per account and calendar month.

The rule (DESIGN.md section 5): a period's compliance is met ÷ (met + breached) over the
account's decided clocks, every metric pooled; the contract's ``credits`` rows do not
stack: the row with the lowest ``below`` that the compliance is under gives the credit, a
share of ``monthly_fee``. A month without a decided clock has no compliance and owes
nothing. Months are local calendar months in the account's time zone (the ``timezone`` of
its entry in ``accounts``), else in the zone the caller names (``--timezone``).

Used by ``slakeeper whatif`` and meant for the contract report: give :func:`credits_owed`
the account's contract and its (met, breached) counts per month, from :class:`Months`.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from slakeeper.core.configuration import Account, Contract
from slakeeper.core.zones import load_zone, local_to_utc_us

__all__ = ["Months", "PeriodCredit", "credits_owed", "period_credit", "zone_of"]

_US_PER_DAY = 86_400_000_000
_FIRST_YEAR, _LAST_YEAR = 1970, 2200  # month starts kept per zone; others are computed


@dataclass(frozen=True)
class PeriodCredit:
    """The credit owed for one account and month."""

    period: str  # "2026-03"
    met: int
    breached: int
    compliance: float | None  # None without a decided clock
    share: float  # of the monthly fee, from the credit row that applies (0.0: none)
    amount: float | None  # share x monthly_fee; None when the contract names no fee


def period_credit(contract: Contract | None, period: str, met: int, breached: int) -> PeriodCredit:
    """The credit one period owes: compliance met ÷ (met + breached), the lowest row whose
    ``below`` it is under (rows do not stack), that row's share of the monthly fee."""
    decided = met + breached
    compliance = met / decided if decided else None
    share = 0.0
    if contract is not None and compliance is not None:
        share = contract.credit_for(compliance)
    fee = contract.monthly_fee if contract is not None else None
    amount = None if fee is None else share * fee
    return PeriodCredit(period, met, breached, compliance, share, amount)


def credits_owed(
    contract: Contract | None, months: Mapping[str, tuple[int, int]]
) -> list[PeriodCredit]:
    """The credit of each month (``"YYYY-MM"`` -> (met, breached)), in month order."""
    return [period_credit(contract, month, *months[month]) for month in sorted(months)]


def zone_of(account: Account | None, default: str) -> str:
    """The time zone an account's months are counted in: its own, else ``default``."""
    if account is not None and account.timezone:
        return account.timezone
    return default


class Months:
    """The local calendar month (``"YYYY-MM"``) of a UTC instant in one time zone.

    Month starts are converted once (local midnight of the 1st, DST rules of
    core/zones.py), so each lookup is a bisection, not a time zone conversion.
    """

    def __init__(self, timezone: str) -> None:
        self.zone = load_zone(timezone)
        self.starts = [
            local_to_utc_us(self.zone, _days(year, month) * _US_PER_DAY)
            for year in range(_FIRST_YEAR, _LAST_YEAR + 1)
            for month in range(1, 13)
        ]
        self.labels = [
            f"{year:04}-{month:02}"
            for year in range(_FIRST_YEAR, _LAST_YEAR + 1)
            for month in range(1, 13)
        ]
        self.last = (0, 0, "")  # the month found last: [start, end) and its label

    def of(self, us: int) -> str:
        """The month of instant ``us`` (UTC µs) in this zone."""
        start, end, label = self.last
        if start <= us < end:  # a ticket's clocks mostly start in one month: no search
            return label
        index = bisect.bisect_right(self.starts, us) - 1
        if 0 <= index < len(self.starts) - 1:
            self.last = (self.starts[index], self.starts[index + 1], self.labels[index])
            return self.labels[index]
        local = datetime.fromtimestamp(us / 1_000_000, UTC).astimezone(self.zone)
        return f"{local.year:04}-{local.month:02}"


def _days(year: int, month: int) -> int:
    """Days from 1970-01-01 to the first of ``month``."""
    return (datetime(year, month, 1) - datetime(1970, 1, 1)).days
