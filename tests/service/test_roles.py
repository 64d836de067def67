"""The whole route-by-role matrix: no token, each role, a revoked token, a malformed header."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest

from slakeeper.notify.signatures import sign
from slakeeper.services.tokens import Role, create_token, revoke_token
from slakeeper.web.permissions import OPEN, ROUTE_ROLES, SIGNED, is_console
from tests.service.conftest import EXAMPLE_CONFIG, Service

EVENT = {
    "id": "m1",
    "ticket": "T-1",
    "type": "created",
    "at": "2026-03-02T09:00:00Z",
    "severity": "P2",
    "account": "acme",
    "channel": "slack",
}
BODIES: dict[tuple[str, str], bytes] = {
    ("POST", "/api/v1/events"): orjson.dumps(EVENT),
    ("POST", "/api/v1/webhooks/events"): orjson.dumps(EVENT),
    ("PUT", "/api/v1/config"): EXAMPLE_CONFIG.read_bytes(),
    ("POST", "/api/v1/recompute"): b'{"all": true}',
}
UNDOCUMENTED = {("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs")}


def _routes(service: Service) -> set[tuple[str, str]]:
    spec = service.client.get("/api/v1/openapi.json").json()
    found = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    return found | UNDOCUMENTED | _console_routes(service)


def _console_routes(service: Service) -> set[tuple[str, str]]:
    """The console's pages (not in the OpenAPI document), read from the app's routes."""
    found: set[tuple[str, str]] = set()
    routes = list(service.client.app.routes)  # type: ignore[attr-defined]
    while routes:
        route = routes.pop()
        if hasattr(route, "original_router"):  # an included router: walk its routes
            routes.extend(route.original_router.routes)
            continue
        path = getattr(route, "path", "")
        if is_console(path) and hasattr(route, "methods"):  # the /static mount has none
            found |= {(method, path) for method in route.methods if method != "HEAD"}
    return found


def test_every_route_declares_its_roles_in_the_one_table(service: Service) -> None:
    assert _routes(service) == set(ROUTE_ROLES)


def _call(service: Service, method: str, path: str, headers: dict[str, str]) -> Any:
    url = path.replace("{ticket}", "T-1").replace("{number}", "1").replace("{alert_id}", "1")
    url = url.replace("{name}", "compliance")
    body = BODIES.get((method, path))
    return service.client.request(method, url, content=body, headers=headers)


@pytest.fixture
def revoked(service: Service) -> str:
    with service.database.write() as connection:
        token, token_id = create_token(connection, name="gone", role="admin", actor="t", now=0)
        revoke_token(connection, token=str(token_id), actor="t", now=1)
    return token


def test_the_route_role_matrix(service: Service, revoked: str) -> None:
    service.put_config(EXAMPLE_CONFIG.read_text())
    service.post_events(EVENT)
    callers: dict[str, dict[str, str]] = {
        "no token": {},
        "revoked": {"Authorization": f"Bearer {revoked}"},
        "malformed": {"Authorization": "Token abc"},
        "unknown": {"Authorization": "Bearer slk_not-a-real-token"},
    } | {role.value: service.headers(role) for role in Role}
    failures = []
    for (method, path), rule in sorted(ROUTE_ROLES.items()):
        if is_console(path):
            continue  # sessions, not tokens: tests/console/test_access.py
        for caller, headers in callers.items():
            status = _call(service, method, path, headers).status_code
            expected = _expected(rule, caller)
            if expected == "allowed" and status in (401, 403):
                failures.append(f"{method} {path} as {caller}: {status}, expected access")
            elif expected != "allowed" and status != expected:
                failures.append(f"{method} {path} as {caller}: {status}, expected {expected}")
    assert failures == []


def _expected(rule: Any, caller: str) -> int | str:
    if rule == OPEN:
        return "allowed"
    if rule == SIGNED:
        return 401  # no signature: refused whatever the token
    if caller in ("no token", "revoked", "malformed", "unknown"):
        return 401
    return "allowed" if Role(caller) in rule else 403


def test_a_signed_webhook_is_accepted_without_a_token(service: Service) -> None:
    body = orjson.dumps(EVENT)
    stamp = int(time.time())
    service.clock.fixed = stamp * 1_000_000
    answer = service.client.post(
        "/api/v1/webhooks/events",
        content=body,
        headers={
            "X-Slakeeper-Timestamp": str(stamp),
            "X-Slakeeper-Signature": sign("whsec-test", stamp, body),
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accepted": 1, "duplicates": 0}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong secret", "does not match"),
        ("stale", "window"),
        ("altered body", "does not match"),
        ("missing", "missing"),
    ],
)
def test_a_bad_webhook_signature_is_401_and_stores_nothing(
    service: Service, case: str, message: str
) -> None:
    body = orjson.dumps(EVENT)
    stamp = 1_800_000_000
    service.clock.fixed = stamp * 1_000_000
    secret, sent, at = "whsec-test", body, stamp
    if case == "wrong secret":
        secret = "other"
    elif case == "stale":
        at = stamp - 301
    elif case == "altered body":
        sent = body.replace(b"P2", b"P1")
    headers = {"X-Slakeeper-Timestamp": str(at), "X-Slakeeper-Signature": sign(secret, at, body)}
    if case == "missing":
        headers = {}
    answer = service.client.post("/api/v1/webhooks/events", content=sent, headers=headers)
    assert answer.status_code == 401
    assert message in answer.json()["detail"]
    assert service.get("/api/v1/tickets/T-1").status_code == 404


def test_a_revoked_token_is_refused_at_once(service: Service) -> None:
    assert service.get("/api/v1/queue", role=Role.VIEWER).status_code == 200
    with service.database.write() as connection:
        revoke_token(connection, token="test-viewer", actor="t", now=1)
    assert service.get("/api/v1/queue", role=Role.VIEWER).status_code == 401


def test_an_ingest_token_posts_events_but_reads_nothing(service: Service) -> None:
    assert service.post_events(EVENT, role=Role.INGEST).status_code == 200
    assert service.get("/api/v1/tickets/T-1", role=Role.INGEST).status_code == 403
    assert service.get("/api/v1/queue", role=Role.INGEST).status_code == 403


def test_an_agent_cannot_change_the_configuration(service: Service) -> None:
    answer = service.client.put(
        "/api/v1/config", content=EXAMPLE_CONFIG.read_bytes(), headers=service.headers(Role.AGENT)
    )
    assert answer.status_code == 403
    assert service.get("/api/v1/config").status_code == 404
