"""What a customer link shows: one account's terms, compliance this period, and its open
tickets with each unfulfilled SLA clock's badge (team-ownership OLAs, internal, left out);
agent names only when the link allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from slakeeper.services.accounts import AccountSummary, account_summary
from slakeeper.services.customer_links import CustomerLink
from slakeeper.services.tickets import Badge, QueueFilters, clock_badge, read_queue

__all__ = ["CustomerPage", "CustomerTicket", "read_customer_page"]

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
class CustomerPage:
    """The account's summary and open tickets (``more``: open tickets beyond the list)."""

    summary: AccountSummary
    tickets: list[CustomerTicket]
    more: bool


def read_customer_page(connection: Connection, link: CustomerLink, now: int) -> CustomerPage:
    """The page of ``link``'s account at ``now``: nothing of any other account."""
    summary = account_summary(connection, link.account, now)
    queue = read_queue(connection, QueueFilters(account=link.account), now, cursor=None,
                       limit=LIMIT)  # fmt: skip
    tickets = [_ticket(row, queue.clocks[row.id], now, link.show_agents) for row in queue.tickets]
    return CustomerPage(summary, tickets, queue.next_cursor is not None)


def _ticket(row: Any, clocks: list[Any], now: int, show_agents: bool) -> CustomerTicket:
    # Team ownership clocks are internal agreements between teams (OLAs): not the customer's.
    shown = [clock for clock in clocks if clock.metric != "team_ownership"]
    badges = [badge for clock in shown if (badge := clock_badge(row, clock, now))]
    agent = row.agent if show_agents else None
    return CustomerTicket(row.id, row.subject, row.severity, row.status, row.created_at, agent,
                          badges)  # fmt: skip
