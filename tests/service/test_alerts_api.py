"""GET /api/v1/alerts with its filters, acknowledging an alert, and retrying a dead letter."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from slakeeper.services.monitor import Monitor
from slakeeper.services.tokens import Role
from slakeeper.store.alerts import DeliveryRow
from tests.service.conftest import Service
from tests.service.test_monitor import CONFIG, created


def _alerts(service: Service, role: Role = Role.VIEWER, **params: Any) -> list[dict[str, Any]]:
    answer = service.get("/api/v1/alerts", role=role, **params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def _monitor_at(service: Service, instant: str) -> None:
    service.clock.set(instant)
    Monitor(service.database, service.clock).tick_once()


def test_alerts_are_listed_newest_first_with_deliveries_and_filters(service: Service) -> None:
    service.put_config(CONFIG)
    service.clock.set("2026-03-02T09:00:00Z")
    service.post_events([created("T-1"), created("T-2", "09:05", account="other")])
    _monitor_at(service, "2026-03-02T09:40:00Z")
    items = _alerts(service)
    assert [item["id"] for item in items] == sorted((item["id"] for item in items), reverse=True)
    assert {item["kind"] for item in items} == {"warning"}
    assert items[0]["deliveries"][0]["notifier"] == "leads"
    assert items[0]["deliveries"][0]["state"] == "pending"
    assert [item["ticket"] for item in _alerts(service, account="other")] == ["T-2"]
    assert _alerts(service, kind="breach") == []
    assert _alerts(service, dead=True) == []
    metrics = service.get("/metrics").text
    assert 'slakeeper_alerts{kind="warning"} 2.0' in metrics
    assert 'slakeeper_deliveries{state="pending"} 2.0' in metrics
    bad = service.get("/api/v1/alerts", kind="bad")
    assert bad.status_code == 422 and "unknown kind" in bad.json()["detail"]


def test_acknowledging_stops_the_cycles_further_escalation_notices(service: Service) -> None:
    service.put_config(CONFIG)
    service.clock.set("2026-03-02T09:00:00Z")
    service.post_events(created("T-1"))
    _monitor_at(service, "2026-03-02T09:31:00Z")
    warning = _alerts(service, kind="warning")[0]
    answer = service.client.post(
        f"/api/v1/alerts/{warning['id']}/ack", headers=service.headers(Role.AGENT)
    )
    assert answer.status_code == 200 and answer.json()["suppressed"] == 1
    _monitor_at(service, "2026-03-02T09:46:00Z")
    step = next(a for a in _alerts(service, kind="escalation") if a["metric"] == "first_response")
    assert [d["state"] for d in step["deliveries"]] == ["suppressed"]
    acked = _alerts(service, kind="warning")[0]
    assert acked["acknowledged_by"] == "token:test-agent"
    viewer = service.client.post(
        f"/api/v1/alerts/{warning['id']}/ack", headers=service.headers(Role.VIEWER)
    )
    assert viewer.status_code == 403


def test_retry_puts_a_dead_letter_back_in_the_queue(service: Service) -> None:
    service.put_config(CONFIG)
    service.clock.set("2026-03-02T09:00:00Z")
    service.post_events(created("T-1"))
    _monitor_at(service, "2026-03-02T09:31:00Z")
    alert = _alerts(service)[0]
    with service.database.write() as connection:
        connection.execute(
            update(DeliveryRow).values(state="dead", attempts=8, next_attempt_at=None)
        )
    assert _alerts(service, dead=True)[0]["id"] == alert["id"]
    answer = service.client.post(f"/api/v1/alerts/{alert['id']}/retry", headers=service.headers())
    assert answer.json() == {"retried": alert["id"], "requeued": 1}
    with service.database.read() as connection:
        state, attempts = connection.execute(select(DeliveryRow.state, DeliveryRow.attempts)).one()
    assert (state, attempts) == ("pending", 0)
    assert (
        service.client.post("/api/v1/alerts/999/retry", headers=service.headers()).status_code
        == 404
    )
