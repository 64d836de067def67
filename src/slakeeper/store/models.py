"""Every table, imported in one place for Alembic and ``create_all`` (models live by aggregate)."""

from slakeeper.store.alerts import AlertRow, AttemptRow, DeliveryRow
from slakeeper.store.auth import ApiToken, AuditEntry
from slakeeper.store.base import Base
from slakeeper.store.configs import ConfigVersion
from slakeeper.store.events import EventRow
from slakeeper.store.links import CustomerLinkRow
from slakeeper.store.tickets import ClockRow, TicketRow
from slakeeper.store.triage import TriageRow
from slakeeper.store.users import ConsoleKey, LoginFailure, UserRow

__all__ = [
    "AlertRow",
    "ApiToken",
    "AttemptRow",
    "AuditEntry",
    "Base",
    "ClockRow",
    "ConfigVersion",
    "ConsoleKey",
    "CustomerLinkRow",
    "DeliveryRow",
    "EventRow",
    "LoginFailure",
    "TicketRow",
    "TriageRow",
    "UserRow",
]
