"""The contract report: per account and period, the terms, compliance against the
commitment, breaches, paused time and service credits (docs/reports.md).

1. :func:`select_accounts` and :func:`period_of` read ``--account``, ``--from``, ``--to``
   and ``--timezone`` (an error names the option, or the query parameter when ``prefix``
   is ``""``).
2. The tickets of those accounts are evaluated at ``now`` with their timelines explained:
   from an event file under the given configuration (:func:`contract_report_from_file`), or
   from the stored log, each ticket under its stored configuration version as the service
   evaluates it (:func:`contract_report_from_database`).
3. analytics/contract.py computes each account's section; the credits come from
   services/credits.py, month by month (rows do not stack).

The documents (JSON, CSV, HTML, PDF) are written by services/contract_documents.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from slakeeper.analytics.contract import AccountSection, EvaluatedTicket, Period, account_section
from slakeeper.analytics.facts import status_changes
from slakeeper.core.configuration import Account, Configuration
from slakeeper.core.errors import InputError, SlaError
from slakeeper.core.evaluation import Diagnostic, evaluate_logged, group_events
from slakeeper.core.events import Event
from slakeeper.core.instants import from_us
from slakeeper.core.zones import load_zone, local_to_utc_us
from slakeeper.services.credits import credits_owed, zone_of
from slakeeper.services.evaluations import collection_paused, read_events
from slakeeper.services.reports import instant_bound
from slakeeper.store.session import Database

__all__ = [
    "ContractReport",
    "contract_report",
    "contract_report_from_database",
    "contract_report_from_file",
    "period_of",
    "select_accounts",
]

_US_PER_DAY = 86_400_000_000
_LONGEST = 36_525 * _US_PER_DAY  # a period's length at most: 100 years (months listed)
_LATER = "event is after --now: ignored"


@dataclass(frozen=True)
class ContractReport:
    """The contract report: one section per account, judged at ``now`` (UTC µs)."""

    now: int
    sections: list[AccountSection]
    diagnostics: list[str] = field(default_factory=list)  # about the input, by line
    later: int = 0  # events after ``now``, ignored


def select_accounts(
    config: Configuration, accounts: str | Sequence[str] | None, *, prefix: str = "--"
) -> list[Account]:
    """The accounts to report on: those named (ids, repeated or comma-separated), else every
    account whose configuration entry has a contract. Each must exist and have a contract."""
    option = f"{prefix}account"
    texts = [accounts] if isinstance(accounts, str) else list(accounts or ())
    wanted = [part.strip() for text in texts for part in text.split(",") if part.strip()]
    if not wanted:
        found = [account for account in config.accounts.values() if account.contract]
        if not found:
            raise InputError("no account in the configuration has a contract", path=(option,))
        return sorted(found, key=lambda account: account.id)
    chosen: list[Account] = []
    for account_id in dict.fromkeys(wanted):
        account = config.accounts.get(account_id)
        if account is None:
            known = ", ".join(sorted(config.accounts)) or "none"
            raise InputError(f"unknown account {account_id!r} (accounts: {known})", path=(option,))
        if account.contract is None:
            raise InputError(f"account {account_id!r} has no contract", path=(option,))
        chosen.append(account)
    return chosen


def period_of(
    account: Account,
    start: str | None,
    end: str | None,
    timezone: str,
    now: int,
    *,
    prefix: str = "--",
) -> Period:
    """The period of ``account``'s section: ``--from``/``--to`` (dates are local midnights
    in the account's time zone, else ``timezone``; a ``--to`` date includes that day); by
    default ``--from`` is the 1st of the local month of ``now`` and ``--to`` the 1st of the
    next month."""
    try:
        load_zone(timezone)
    except SlaError as exc:
        raise InputError(exc.message, path=(f"{prefix}timezone",)) from None
    zone_name = zone_of(account, timezone)
    bounds = []
    for text, option, month in ((start, "from", 0), (end, "to", 1)):
        try:
            bound = instant_bound(text, zone_name, prefix + option, inclusive_day=bool(month))
            if bound is None:  # the 1st of the month of `now`, or of the next month
                today = from_us(now).astimezone(load_zone(zone_name)).date().replace(day=1)
                bound = _midnight(zone_name, _next_month(today) if month else today)
        except (OverflowError, ValueError):  # past year 9999
            name = prefix + (option if text is not None else "now")
            raise InputError("out of the range of dates", path=(name,)) from None
        bounds.append(bound)
    begin, finish = bounds
    if finish <= begin:
        message = f"must be after {prefix}from (the period is empty)"
        raise InputError(message, path=(f"{prefix}to",))
    if finish - begin > _LONGEST:
        raise InputError("a period is at most 100 years long", path=(f"{prefix}to",))
    return Period(begin, finish, zone_name, _months(begin, finish, zone_name))


def _midnight(zone: str, day: date) -> int:
    # Local midnight; one inside a DST gap maps to the transition (core/zones.py).
    return local_to_utc_us(load_zone(zone), (day - date(1970, 1, 1)).days * _US_PER_DAY)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _months(start: int, end: int, zone: str) -> tuple[str, ...]:
    """The local calendar months that ``[start, end)`` touches."""
    first = from_us(start).astimezone(load_zone(zone)).date().replace(day=1)
    last = from_us(end - 1).astimezone(load_zone(zone)).date()
    months = []
    while first <= last:
        months.append(f"{first.year:04}-{first.month:02}")
        first = _next_month(first)
    return tuple(months)


def contract_report(
    config: Configuration,
    tickets: Iterable[EvaluatedTicket],
    *,
    now: int,
    accounts: str | Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    timezone: str = "UTC",
    prefix: str = "--",
) -> ContractReport:
    """The report over already evaluated tickets (any account; others are ignored)."""
    chosen = select_accounts(config, accounts, prefix=prefix)
    periods = {a.id: period_of(a, start, end, timezone, now, prefix=prefix) for a in chosen}
    by_account: dict[str, list[EvaluatedTicket]] = {account.id: [] for account in chosen}
    for ticket in tickets:
        owner = ticket.result.fields.get("account")
        if isinstance(owner, str) and owner in by_account:
            by_account[owner].append(ticket)
    sections = []
    for account in chosen:
        section = account_section(account, periods[account.id], by_account[account.id], now)
        months = {month: (c.met, c.breached) for month, c in section.months.items()}
        section.credits = credits_owed(account.contract, months)
        sections.append(section)
    return ContractReport(now, sections)


def contract_report_from_file(
    events_path: str | Path,
    config: Configuration,
    *,
    now: int,
    accounts: str | Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    timezone: str = "UTC",
    prefix: str = "--",
) -> ContractReport:
    """The report of an event file evaluated offline at ``now`` under ``config``."""
    chosen = {a.id for a in select_accounts(config, accounts, prefix=prefix)}
    diagnostics: list[Diagnostic] = []
    evaluated: list[EvaluatedTicket] = []
    with collection_paused():
        try:
            with open(events_path, "rb") as file:
                events = list(read_events(file, diagnostics))
        except OSError as exc:
            raise InputError(f"cannot read {events_path}: {exc.strerror or exc}") from None
        for ticket, log in group_events(events, now, diagnostics).items():
            if not _mentions(log, chosen):
                continue
            result = evaluate_logged(ticket, log, config, now, diagnostics, explain=True)
            if result is not None:
                evaluated.append(EvaluatedTicket(result, status_changes(log)))
    report = contract_report(
        config, evaluated, now=now, accounts=accounts, start=start, end=end,
        timezone=timezone, prefix=prefix,
    )  # fmt: skip
    notes = [str(d) for d in diagnostics if d.message != _LATER]
    later = sum(1 for d in diagnostics if d.message == _LATER)
    return ContractReport(report.now, report.sections, notes, later)


def _mentions(log: Sequence[Event], accounts: set[str]) -> bool:
    """True when an event of the log sets the ticket's account to one of ``accounts``."""
    return any(event.fields.get("account") in accounts for event in log)


def contract_report_from_database(
    database: Database,
    *,
    now: int,
    accounts: str | Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    timezone: str = "UTC",
    config: Configuration | None = None,
    prefix: str = "--",
) -> ContractReport:
    """The report of the stored log at ``now``: accounts and contracts from ``config``, else
    the newest stored configuration; each ticket evaluated under its own stored version."""
    from slakeeper.services.configs import configurations_of
    from slakeeper.services.histories import stored_configuration
    from slakeeper.services.refresh import evaluate_log, load_logs
    from slakeeper.store.tickets import TicketRow

    terms = config if config is not None else stored_configuration(database)
    chosen = [a.id for a in select_accounts(terms, accounts, prefix=prefix)]
    evaluated: list[EvaluatedTicket] = []
    with database.read() as connection:
        query = select(TicketRow.id).where(TicketRow.account.in_(chosen)).order_by(TicketRow.id)
        ids = list(connection.execute(query).scalars())
        logs = load_logs(connection, ids)
        versions = configurations_of(connection, {log.config_version for log in logs.values()})
    for ticket in ids:
        log = logs.get(ticket)
        if log is None or not log.has_created:
            continue
        result = evaluate_log(log, versions[log.config_version], now, explain=True)
        if result is not None:
            applied = [event for event in log.events if event.at <= now]
            evaluated.append(EvaluatedTicket(result, status_changes(applied)))
    return contract_report(
        terms, evaluated, now=now, accounts=accounts, start=start, end=end,
        timezone=timezone, prefix=prefix,
    )  # fmt: skip
