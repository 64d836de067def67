"""Configuration versions: stored when they differ, diffed, kept by tickets until a recompute."""

from __future__ import annotations

from tests.service.conftest import EXAMPLE_CONFIG, Service

P2_RESOLUTION = "P2: {first_response: {sla: 2h, objective: 1h}, resolution: 8h,"


def _config(resolution: str = "8h") -> str:
    text = EXAMPLE_CONFIG.read_text()
    assert P2_RESOLUTION in text
    return text.replace(P2_RESOLUTION, P2_RESOLUTION.replace("8h", resolution))


def _created(ticket: str, at: str = "2026-03-02T09:00:00Z") -> dict[str, object]:
    return {
        "id": f"{ticket}-c",
        "ticket": ticket,
        "type": "created",
        "at": at,
        "severity": "P2",
        "account": "acme",
        "channel": "slack",
    }


def _resolution(service: Service, ticket: str) -> dict[str, object]:
    clocks = service.get(f"/api/v1/tickets/{ticket}").json()["clocks"]
    return next(c for c in clocks if c["metric"] == "resolution")


def test_a_new_configuration_is_version_1_and_is_served_back_as_written(service: Service) -> None:
    answer = service.put_config(_config())
    assert answer.status_code == 201
    assert answer.json() == {"version": 1, "created": True}
    got = service.get("/api/v1/config")
    assert got.text == _config()
    assert got.headers["X-Slakeeper-Config-Version"] == "1"


def test_the_same_configuration_reformatted_is_not_a_new_version(service: Service) -> None:
    service.put_config(_config())
    reformatted = "# a comment\n" + _config().replace("tiers: [", "tiers:  [")
    answer = service.put_config(reformatted)
    assert answer.status_code == 200
    assert answer.json() == {"version": 1, "created": False}


def test_a_change_is_a_new_version_with_author_and_a_diff(service: Service) -> None:
    service.put_config(_config())
    service.put_config(_config("6h"))
    versions = service.get("/api/v1/config/versions").json()
    assert [v["version"] for v in versions["items"]] == [2, 1]
    assert versions["items"][0]["author"] == "token:test-admin"
    second = service.get("/api/v1/config/versions/2").json()
    assert '-          "resolution": "8h"' in second["diff"]
    assert '+          "resolution": "6h"' in second["diff"]
    assert service.get("/api/v1/config/versions/9").status_code == 404


def test_tickets_keep_their_version_until_an_audited_recompute(service: Service) -> None:
    service.put_config(_config())
    service.post_events([_created("T-1"), _created("T-2")])
    assert _resolution(service, "T-1")["target_seconds"] == 8 * 3600
    service.put_config(_config("2h"))  # 3 h have passed at 12:00: 2 h is already breached
    service.post_events(_created("T-3", "2026-03-02T11:00:00Z"))
    assert _resolution(service, "T-1")["target_seconds"] == 8 * 3600
    assert _resolution(service, "T-3")["target_seconds"] == 2 * 3600
    answer = service.client.post(
        "/api/v1/recompute", json={"tickets": ["T-1"]}, headers=service.headers()
    )
    assert answer.status_code == 200
    assert answer.json() == {"version": 2, "tickets": 1, "clocks_changed": 1}
    assert _resolution(service, "T-1")["status"] == "breached"
    assert _resolution(service, "T-2")["status"] == "running"
    audit = service.get("/api/v1/audit").json()["items"]
    assert audit[0]["action"] == "recompute"
    assert audit[0]["detail"]["clocks_changed"] == 1
    assert audit[0]["actor"] == "token:test-admin"


def test_recompute_needs_a_selection(service: Service) -> None:
    service.put_config(_config())
    answer = service.client.post("/api/v1/recompute", json={}, headers=service.headers())
    assert answer.status_code == 422
    assert "choose tickets" in answer.json()["detail"]
