"""``slakeeper demo`` end to end: a sped-up clock, the first minute's alerts, the sinks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from slakeeper.core.instants import parse_instant, to_us
from tests.demo.process import DemoProcess

SPEED = 30  # a simulated minute in two seconds
MINUTE_US = 60_000_000


def _live_alerts(client: httpx.Client, kind: str) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/alerts", params={"kind": kind, "limit": 200})
    answer.raise_for_status()
    return [a for a in answer.json()["items"] if not a["historic"]]


def _received(directory: Path) -> list[dict[str, Any]]:
    path = directory / "deliveries.jsonl"
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _placed(client: httpx.Client, name: str) -> str:
    """The id of the placed ticket ``name`` (D-<run>-<name>) as the queue shows it."""
    items = client.get("/api/v1/queue", params={"limit": 500}).json()["items"]
    found = [i["ticket"] for i in items if i["ticket"].startswith("D-")]
    found += [a["ticket"] for a in _live_alerts(client, "breach")]
    return next(t for t in found if t.endswith(f"-{name}"))


def _wait_for(check: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo") / "data"


def test_the_first_minute_warns_escalates_breaches_and_the_sinks_receive_them(
    demo_dir: Path,
) -> None:
    demo = DemoProcess(demo_dir, speed=SPEED)
    token = demo.start()
    try:
        with demo.client(token) as client:
            started = _posted_at(client)
            kinds = ("warning", "escalation", "breach")

            def all_fired() -> bool:
                return all(_live_alerts(client, kind) for kind in kinds)

            _wait_for(all_fired, 60 * 1.5 / SPEED + 15)
            for kind in kinds:  # each due within the first simulated minute
                first = min(to_us(parse_instant(a["at"])) for a in _live_alerts(client, kind))
                assert first <= started + MINUTE_US, kind
            escalated = _placed(client, "escalation")
            events = client.get(f"/api/v1/tickets/{escalated}/events").json()
            assert any(e["event"]["type"] == "escalated" for e in events["items"])
            breached = client.get(f"/api/v1/tickets/{_placed(client, 'breach')}").json()
            assert any(c["status"] == "breached" for c in breached["clocks"])

            def delivered() -> bool:  # Slack-style and webhook over HTTP, email over SMTP
                got = {(m["sink"], m["kind"]) for m in _received(demo_dir)}
                return {("slack", "warning"), ("webhook", "escalation"),
                        ("email", "breach")} <= got  # fmt: skip

            _wait_for(delivered, 20)
            report = client.get("/api/v1/reports/compliance")  # history from the start
            assert report.status_code == 200 and "first_response" in report.text
            (link,) = [line.split(":", 1)[1].strip() for line in demo.lines
                       if line.strip().startswith("Customer link:")]  # fmt: skip
            page = httpx.get(link, timeout=30)
            assert page.status_code == 200, page.text[:300]
            assert "Service levels for Acme" in page.text
    finally:
        code = demo.interrupt()
    assert code == 0
    assert "Traceback" not in demo.stderr()
    assert demo.lines[-1] == "slakeeper demo stopped"


def _posted_at(client: httpx.Client) -> int:
    """When the placed tickets were posted, on the demo's clock: the warning ticket was
    created 50% of its 15-minute target, less 10 s, before (docs/demo.md)."""
    ticket = _placed(client, "warning")
    created = client.get(f"/api/v1/tickets/{ticket}/events").json()["items"][0]["event"]["at"]
    return to_us(parse_instant(created)) + (450 - 10) * 1_000_000


def test_a_second_run_reuses_the_directory_and_reset_starts_over(demo_dir: Path) -> None:
    again = DemoProcess(demo_dir, speed=SPEED)
    token = again.start()
    try:
        first_run = [line for line in again.lines if line.startswith("first run")]
        assert not first_run  # no second backfill
        assert token == orjson.loads((demo_dir / "demo.json").read_bytes())["token"]
        with again.client(token) as client:
            assert client.get("/api/v1/queue").status_code == 200
    finally:
        assert again.interrupt() == 0
    fresh = DemoProcess(demo_dir, speed=SPEED, reset=True)
    new_token = fresh.start()
    try:
        assert any(line.startswith("first run") for line in fresh.lines)
        assert new_token != token
    finally:
        assert fresh.interrupt() == 0
