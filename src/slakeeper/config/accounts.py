"""The ``tiers`` and ``accounts`` sections: tier order, and customer accounts with contracts."""

from __future__ import annotations

from typing import Any

from pydantic import StrictFloat, StrictStr

from slakeeper.config.names import Names, listing
from slakeeper.config.problems import Problems, Strict
from slakeeper.core.configuration import Account, Contract, CreditRow
from slakeeper.core.errors import CalendarError, KeyPath
from slakeeper.core.zones import load_zone

__all__ = ["load_accounts", "load_tiers"]


class CreditModel(Strict):
    """One row of a contract's ``credits``."""

    below: StrictFloat
    credit: StrictFloat


class ContractModel(Strict):
    """An account's ``contract``."""

    commitment: StrictFloat | None = None
    monthly_fee: StrictFloat | None = None
    credits: list[Any] | None = None


class AccountModel(Strict):
    """One entry of ``accounts``."""

    name: StrictStr | None = None
    tier: StrictStr | None = None
    timezone: StrictStr | None = None
    contract: Any = None


def load_tiers(raw: Any, problems: Problems) -> tuple[str, ...]:
    """``tiers``: unique names, most important first."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add(("tiers",), "expected a list of tier names, most important first")
        return ()
    tiers: list[str] = []
    for index, tier in enumerate(raw):
        if not isinstance(tier, str) or not tier.strip():
            problems.add(("tiers", index), f"expected a tier name, got {tier!r}")
        elif tier in tiers:
            problems.add(("tiers", index), f"duplicate tier {tier!r}")
        else:
            tiers.append(tier)
    return tuple(tiers)


def load_accounts(raw: Any, names: Names, problems: Problems) -> dict[str, Account]:
    """``accounts``: id -> name, tier, time zone and contract."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add(("accounts",), "expected a mapping of account id to account")
        return {}
    accounts: dict[str, Account] = {}
    for account_id, body in raw.items():
        found = _account(account_id, body, names, problems)
        if found is not None:
            accounts[account_id] = found
    return accounts


def _account(account_id: str, body: Any, names: Names, problems: Problems) -> Account | None:
    path: KeyPath = ("accounts", account_id)
    model = problems.shape(AccountModel, body, path)
    if model is None:
        return None
    if model.tier is not None and names.tiers and model.tier not in names.tiers:
        problems.add(
            (*path, "tier"), f"unknown tier {model.tier!r} (tiers here: {listing(names.tiers)})"
        )
    if model.timezone is not None:
        try:
            load_zone(model.timezone)
        except CalendarError as exc:
            problems.add_error((*path, "timezone"), exc)
    contract = _contract(model.contract, (*path, "contract"), problems)
    return Account(
        id=account_id,
        name=model.name,
        tier=model.tier,
        timezone=model.timezone,
        contract=contract,
    )


def _contract(raw: Any, path: KeyPath, problems: Problems) -> Contract | None:
    if raw is None:
        return None
    model = problems.shape(ContractModel, raw, path)
    if model is None:
        return None
    if model.commitment is not None:
        _share(model.commitment, (*path, "commitment"), problems)
    if model.monthly_fee is not None and model.monthly_fee < 0:
        problems.add((*path, "monthly_fee"), "must not be negative")
    rows: list[CreditRow] = []
    for index, body in enumerate(model.credits or ()):
        row = problems.shape(CreditModel, body, (*path, "credits", index))
        if row is not None:
            _share(row.below, (*path, "credits", index, "below"), problems)
            _share(row.credit, (*path, "credits", index, "credit"), problems)
            rows.append(CreditRow(below=row.below, credit=row.credit))
    return Contract(commitment=model.commitment, monthly_fee=model.monthly_fee, credits=tuple(rows))


def _share(value: float, path: KeyPath, problems: Problems) -> None:
    if not 0 <= value <= 1:
        problems.add(path, f"expected a share from 0 to 1 (0.95 for 95%), got {value:g}")
