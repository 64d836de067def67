"""Which roles each route accepts: the one place that says it (a test walks every route).

``OPEN`` routes need no token; ``SIGNED`` ones are authenticated by their own signature.
API routes (``/api/…``, ``/healthz``, ``/metrics``) take bearer tokens; console pages take
a signed-in user's session (the same roles), see :func:`is_console`. The static files
under ``/static`` are open.
"""

from __future__ import annotations

from typing import Final

from slakeeper.services.tokens import Role

__all__ = [
    "ACKERS",
    "ADMIN",
    "ANYONE",
    "OPEN",
    "READERS",
    "ROUTE_ROLES",
    "SIGNED",
    "WRITERS",
    "Rule",
    "is_console",
]

OPEN: Final = "open"
SIGNED: Final = "signed"
Rule = frozenset[Role] | str

ADMIN = frozenset({Role.ADMIN})
READERS = frozenset({Role.ADMIN, Role.AGENT, Role.VIEWER})
WRITERS = frozenset({Role.ADMIN, Role.AGENT, Role.INGEST})
ACKERS = frozenset({Role.ADMIN, Role.AGENT})
ANYONE = frozenset(Role)  # any signed-in user (logout)

ROUTE_ROLES: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): OPEN,
    ("GET", "/metrics"): READERS,  # or an address on SLAKEEPER_METRICS_ALLOW
    ("GET", "/api/v1/openapi.json"): OPEN,
    ("GET", "/api/v1/docs"): OPEN,
    ("POST", "/api/v1/events"): WRITERS,
    ("POST", "/api/v1/webhooks/events"): SIGNED,
    ("GET", "/api/v1/tickets/{ticket}"): READERS,
    ("GET", "/api/v1/tickets/{ticket}/timeline"): READERS,
    ("GET", "/api/v1/tickets/{ticket}/events"): READERS,
    ("GET", "/api/v1/queue"): READERS,
    ("GET", "/api/v1/config"): READERS,
    ("PUT", "/api/v1/config"): ADMIN,
    ("GET", "/api/v1/config/versions"): READERS,
    ("GET", "/api/v1/config/versions/{number}"): READERS,
    ("POST", "/api/v1/recompute"): ADMIN,
    ("GET", "/api/v1/audit"): ADMIN,
    ("GET", "/api/v1/alerts"): READERS,
    ("POST", "/api/v1/alerts/{alert_id}/ack"): ACKERS,
    ("POST", "/api/v1/alerts/{alert_id}/retry"): ADMIN,
    ("GET", "/api/v1/triage/accuracy"): READERS,
    ("GET", "/api/v1/reports/{name}"): READERS,
    # The console (docs/console.md): pages by role; a signed-out visitor goes to /login.
    ("GET", "/login"): OPEN,
    ("POST", "/login"): OPEN,  # CSRF-checked like every console form
    ("POST", "/logout"): ANYONE,
    ("GET", "/"): READERS,
    ("GET", "/tickets/{ticket}"): READERS,
    ("GET", "/alerts"): READERS,
    ("GET", "/deliveries"): READERS,
    ("POST", "/alerts/{alert_id}/ack"): ACKERS,
    ("POST", "/alerts/{alert_id}/retry"): ADMIN,
    ("GET", "/users"): ADMIN,
    ("GET", "/reports"): READERS,
    ("GET", "/reports/contract.{fmt}"): READERS,
    ("GET", "/reports/whatif"): ADMIN,
    ("POST", "/reports/whatif"): ADMIN,
    ("GET", "/config"): READERS,
    ("POST", "/config"): ADMIN,
    ("POST", "/config/validate"): ADMIN,
    ("POST", "/config/recompute"): ADMIN,
    ("GET", "/config/versions"): READERS,
    ("GET", "/config/versions/{number}"): READERS,
    ("GET", "/queue.csv"): READERS,
    ("GET", "/risk"): READERS,
    ("GET", "/accounts"): READERS,
    ("GET", "/accounts/{account}"): READERS,
    ("POST", "/accounts/{account}/links"): ADMIN,
    ("POST", "/accounts/{account}/links/{link_id}/revoke"): ADMIN,
    ("GET", "/c/{token}"): SIGNED,  # a customer link: its signature is the key
}


def is_console(path: str) -> bool:
    """True for a console page (session and CSRF), False for the token-guarded API."""
    return not (path.startswith("/api/") or path in ("/healthz", "/metrics"))
