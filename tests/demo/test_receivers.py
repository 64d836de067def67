"""The demo's receivers: real HTTP and SMTP peers of the real sinks, journaled."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from slakeeper.demo.receivers import Receivers, read_received
from slakeeper.notify.email import EmailSink
from slakeeper.notify.protocol import Message
from slakeeper.notify.signatures import sign
from slakeeper.notify.slack import SlackSink
from slakeeper.notify.webhook import WebhookSink
from slakeeper.settings import Clock

SECRET = "s3cret-for-the-test"
MESSAGE = Message(alert_id=1, kind="breach", ticket="T-9", account="acme", severity="P1",
                  metric="first_response", text="P1 · Acme Corp · first response breached",
                  at="2026-12-04T10:00:00Z", link="http://127.0.0.1:8000/tickets/T-9")  # fmt: skip


@pytest.fixture
def receivers(tmp_path: Path) -> Iterator[Receivers]:
    running = Receivers.start(tmp_path / "got.jsonl", Clock(), SECRET)
    try:
        yield running
    finally:
        running.stop()


def test_each_sink_arrives_in_the_journal_with_its_ticket_and_kind(
    receivers: Receivers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEMO_TEST_SECRET", SECRET)
    monkeypatch.setenv("SLAKEEPER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SLAKEEPER_SMTP_PORT", str(receivers.smtp_port))
    assert SlackSink(receivers.slack_url).send(MESSAGE).ok
    assert WebhookSink(receivers.webhook_url, "DEMO_TEST_SECRET").send(MESSAGE).ok
    assert EmailSink(("lead@example.com",)).send(MESSAGE).ok
    got = read_received(receivers.journal)
    assert [m["sink"] for m in got] == ["email", "webhook", "slack"]  # newest first
    for message in got:
        assert (message["ticket"], message["kind"]) == ("T-9", "breach")
        assert message["text"] == MESSAGE.text
        assert message["link"] == MESSAGE.link


def test_the_webhook_receiver_refuses_a_wrong_signature_and_records_nothing(
    receivers: Receivers,
) -> None:
    stamp = str(int(time.time()))
    signed_otherwise = sign("another secret", int(stamp), b'{"kind":"breach"}')
    answer = httpx.post(
        receivers.webhook_url,
        content=b'{"kind":"breach"}',
        headers={"X-Slakeeper-Timestamp": stamp, "X-Slakeeper-Signature": signed_otherwise},
    )
    assert answer.status_code == 401
    assert read_received(receivers.journal) == []
