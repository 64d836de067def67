"""What a customer link shows: one account's terms, compliance this period, and its open
tickets with each unfulfilled SLA clock's badge (team-ownership OLAs, internal, left out);
agent names only when the link allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from slakeeper.services.accounts import AccountSummary, account_summary
from slakeeper.services.config_summaries import Matrix, target_matrices
from slakeeper.services.configs import configuration_of, current_number
from slakeeper.services.customer_links import CustomerLink
from slakeeper.services.tickets import Badge, QueueFilters, clock_badge, read_queue
from slakeeper.store.tickets import TicketRow

__all__ = ["CustomerPage", "CustomerTargets", "CustomerTicket", "read_customer_page"]

LIMIT = 200  # open tickets shown, most urgent first


@dataclass(frozen=True)
class CustomerTicket:
    """An open ticket as its customer sees it (``agent`` None unless the link shows agents)."""

    id: str
    subject: str | None
    severity: str | None
    status: str | None
    created_at: int | None
    agent: str | None
    badges: list[Badge]


@dataclass(frozen=True)
class CustomerTargets:
    """The targets of one policy the account's tickets run under: severity x metric,
    ``SLA`` or ``SLA / objective`` (team-ownership OLAs left out), and its calendars."""

    policy: str
    calendars: list[str]
    columns: list[str]
    rows: list[tuple[str, list[str | None]]]


@dataclass(frozen=True)
class CustomerPage:
    """The account's summary, the targets its tickets run under, and its open tickets
    (``more``: open tickets beyond the list)."""

    summary: AccountSummary
    targets: list[CustomerTargets]
    tickets: list[CustomerTicket]
    more: bool


def read_customer_page(connection: Connection, link: CustomerLink, now: int) -> CustomerPage:
    """The page of ``link``'s account at ``now``: nothing of any other account."""
    summary = account_summary(connection, link.account, now)
    queue = read_queue(connection, QueueFilters(account=link.account), now, cursor=None,
                       limit=LIMIT)  # fmt: skip
    tickets = [_ticket(row, queue.clocks[row.id], now, link.show_agents) for row in queue.tickets]
    return CustomerPage(
        summary, account_targets(connection, link.account), tickets, queue.next_cursor is not None
    )


def account_targets(connection: Connection, account: str) -> list[CustomerTargets]:
    """The target matrices of the policies the account's stored tickets run under, in the
    configuration's order, under the newest configuration version."""
    number = current_number(connection)
    if number is None:
        return []
    used = set(
        connection.scalars(
            select(TicketRow.policy)
            .where(TicketRow.account == account, TicketRow.policy.is_not(None))
            .distinct()
        )
    )
    config = configuration_of(connection, number)
    return [
        _customer_targets(matrix)
        for matrix in target_matrices(config, None)
        if matrix.policy.id in used
    ]


def _customer_targets(matrix: Matrix) -> CustomerTargets:
    # Team ownership targets are agreements between internal teams (OLAs): not the customer's.
    keep = [i for i, label in enumerate(matrix.columns) if not label.startswith("team ownership")]
    policy = matrix.policy
    # A policy that matches only some severities (``severity: P1``) promises only those.
    allowed = policy.match.equals.get("severity") if policy.match is not None else None
    rows: list[tuple[str, list[str | None]]] = []
    for severity, cells in matrix.rows:
        if allowed is not None and severity not in allowed:
            continue
        texts = [cell.text if (cell := cells[i]) is not None else None for i in keep]
        if any(text is not None for text in texts):
            rows.append((severity, texts))
    names = {policy.calendar, *policy.calendars.values()} - {None}
    return CustomerTargets(
        policy.id, sorted(str(n) for n in names), [matrix.columns[i] for i in keep], rows
    )


def _ticket(row: Any, clocks: list[Any], now: int, show_agents: bool) -> CustomerTicket:
    # Team ownership clocks are internal agreements between teams (OLAs): not the customer's.
    shown = [clock for clock in clocks if clock.metric != "team_ownership"]
    badges = [badge for clock in shown if (badge := clock_badge(row, clock, now))]
    agent = row.agent if show_agents else None
    return CustomerTicket(row.id, row.subject, row.severity, row.status, row.created_at, agent,
                          badges)  # fmt: skip
