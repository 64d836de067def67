"""Operations: health, metrics, request ids, JSON logs, the CLI, a database that goes away."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy.engine import make_url

from slakeeper.services.tokens import Role
from tests.service.conftest import EXAMPLE_CONFIG, Service, pg_schema_url
from tests.service.proxy import Proxy
from tests.service.servers import ROOT, ServerProcess

EVENT = {
    "id": "o1",
    "ticket": "T-1",
    "type": "created",
    "at": "2026-03-02T09:00:00Z",
    "severity": "P2",
    "account": "acme",
    "channel": "slack",
}


def test_healthz_reports_the_database_and_its_migration(service: Service) -> None:
    answer = service.client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    assert answer.json()["migration"] == answer.json()["expected_migration"]


def test_metrics_count_ingested_and_rejected_events_and_open_tickets(service: Service) -> None:
    service.put_config(EXAMPLE_CONFIG.read_text())
    service.post_events(EVENT)
    service.post_events(EVENT)
    service.post_events(EVENT | {"at": "yesterday"})
    text = service.get("/metrics", role=Role.VIEWER).text
    assert 'slakeeper_events_ingested_total{source="api"} 1.0' in text
    assert "slakeeper_events_duplicate_total 1.0" in text
    assert 'slakeeper_events_rejected_total{reason="invalid"} 1.0' in text
    assert "slakeeper_open_tickets 1.0" in text
    assert 'slakeeper_clocks{state="running"}' in text
    assert "slakeeper_ingest_seconds_bucket" in text
    assert "slakeeper_monitor_lag_seconds " in text
    assert "slakeeper_dead_letters 0.0" in text
    assert service.client.get("/metrics").status_code == 401


def test_every_answer_carries_a_request_id_and_keeps_a_sane_given_one(service: Service) -> None:
    assert len(service.client.get("/healthz").headers["X-Request-ID"]) == 32
    kept = service.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["X-Request-ID"] == "abc-123"
    replaced = service.client.get("/healthz", headers={"X-Request-ID": "bad id; drop"})
    assert replaced.headers["X-Request-ID"] != "bad id; drop"


def _cli(*args: str, url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = os.environ | {"SLAKEEPER_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "slakeeper.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )


def test_token_commands_create_list_and_revoke(database_url: str) -> None:
    assert _cli("db", "upgrade", url=database_url).returncode == 0
    made = _cli("token", "create", "--role", "agent", "--name", "ana", url=database_url)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("slk_") and "shown once" in made.stderr
    listed = _cli("token", "list", url=database_url).stdout
    assert "ana\tagent" in listed and token not in listed
    assert _cli("token", "revoke", "ana", url=database_url).returncode == 0
    assert "revoked" in _cli("token", "list", url=database_url).stdout
    again = _cli("token", "revoke", "ana", url=database_url)
    assert again.returncode == 2 and "no live token 'ana'" in again.stderr
    bad = _cli("token", "create", "--role", "root", "--name", "x", url=database_url)
    assert bad.returncode == 2 and "unknown role 'root'" in bad.stderr


def test_serve_stores_its_config_once_and_logs_json(database_url: str, tmp_path: Path) -> None:
    server = ServerProcess(database_url, tmp_path / "serve.log", config=EXAMPLE_CONFIG)
    server.start()
    server.stop()
    server.start()
    server.stop()
    lines = [
        orjson.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")
    ]
    assert any(line["message"] == "request" and line["path"] == "/healthz" for line in lines)
    text = server.log.read_text()
    assert "stored as version 1" in text and "unchanged: version 1" in text


@pytest.mark.postgres
def test_a_database_that_goes_away_gives_503_and_the_service_serves_again(
    postgres_url: str, tmp_path: Path
) -> None:
    url = make_url(postgres_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    made = _cli("token", "create", "--role", "admin", "--name", "ops", url=proxied)
    headers = {"Authorization": f"Bearer {made.stdout.strip()}"}
    server = ServerProcess(proxied, tmp_path / "serve.log", config=EXAMPLE_CONFIG)
    server.start()
    try:

        def post(n):
            return httpx.post(
                f"{server.url}/api/v1/events",
                headers=headers,
                json=EVENT | {"id": f"o{n}"},
                timeout=30,
            )

        assert post(1).status_code == 200
        proxy.cut()
        down = post(2)
        assert down.status_code == 503
        assert "database unavailable" in down.json()["detail"]
        assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 503
        assert server.alive()
        proxy.start()
        deadline = time.monotonic() + 30
        while (status := post(3).status_code) != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert status == 200
        assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200
    finally:
        server.stop()
        proxy.cut()


def test_pg_schema_url_sets_the_search_path() -> None:
    url = pg_schema_url("postgresql://u@h:1/db", "s1")
    assert url.startswith("postgresql+psycopg://") and "search_path%3Ds1" in url
