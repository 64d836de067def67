"""Local notification sinks for the demo: what Slack, a webhook and a mail server receive.

One HTTP server plays Slack (``POST /slack``) and a signed webhook (``POST /webhook``, the
signature checked as a real receiver would); an SMTP server (aiosmtpd) plays the mail
server. Each message received is appended as one JSON line to a file, which the console's
Deliveries page reads (:func:`read_received`).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson

from slakeeper.notify.signatures import SignatureError, verify
from slakeeper.settings import Clock

__all__ = ["Receivers", "read_received"]


class _Journal:
    """Appends received messages to a JSONL file (one writer lock for both servers)."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self.clock = clock
        self.lock = threading.Lock()

    def add(self, sink: str, kind: str, text: str, ticket: str, link: str) -> None:
        from slakeeper.core.instants import format_instant

        line = {"at": format_instant(self.clock.now()), "sink": sink, "kind": kind,
                "text": text, "ticket": ticket, "link": link}  # fmt: skip
        with self.lock, open(self.path, "ab") as out:
            out.write(orjson.dumps(line) + b"\n")


@dataclass
class Receivers:
    """The running sinks: their addresses, and how to stop them."""

    http_port: int
    smtp_port: int
    journal: Path
    _http: ThreadingHTTPServer
    _smtp: Any

    @property
    def slack_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/slack"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/webhook"

    @classmethod
    def start(
        cls, journal: Path, clock: Clock, secret: str, *, http_port: int = 0, smtp_port: int = 0
    ) -> Receivers:
        """Start both servers (port 0: one the system picks)."""
        from aiosmtpd.controller import Controller

        writer = _Journal(journal, clock)
        http = ThreadingHTTPServer(("127.0.0.1", http_port), _handler(writer, secret))
        http.daemon_threads = True
        threading.Thread(target=http.serve_forever, name="demo-http", daemon=True).start()
        smtp = Controller(_Mailbox(writer), hostname="127.0.0.1", port=smtp_port or _free())
        smtp.start()
        return cls(http.server_address[1], smtp.port, journal, http, smtp)

    def stop(self) -> None:
        """Stop both servers."""
        self._http.shutdown()
        self._http.server_close()
        self._smtp.stop()


def _free() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _handler(journal: _Journal, secret: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            status = self._receive(body)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def _receive(self, body: bytes) -> int:
            try:
                document = orjson.loads(body)
            except orjson.JSONDecodeError:
                return 400
            if self.path == "/slack" and isinstance(document, dict):
                journal.add("slack", *_slack_fields(document))
                return 200
            if self.path == "/webhook" and isinstance(document, dict):
                try:  # a real receiver refuses what is not signed with the shared secret
                    verify(secret, timestamp=self.headers.get("X-Slakeeper-Timestamp"),
                           signature=self.headers.get("X-Slakeeper-Signature"), body=body,
                           now_seconds=int(time.time()))  # fmt: skip
                except SignatureError:
                    return 401
                fields = (document.get(k) or "" for k in ("kind", "text", "ticket", "link"))
                journal.add("webhook", *(str(f) for f in fields))
                return 200
            return 404

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _slack_fields(payload: dict[str, Any]) -> tuple[str, str, str, str]:
    """(kind, text, ticket, link) of a Block Kit message as slakeeper writes it."""
    text = str(payload.get("text", ""))
    ticket = link = kind = ""
    for block in payload.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("type") == "button":
                link = str(element.get("url", ""))
            if str(element.get("text", "")).startswith("*Ticket* "):
                ticket = str(element["text"])[len("*Ticket* ") :]
        headline = block.get("text", {}).get("text", "") if block.get("type") == "section" else ""
        for name, emoji in (("warning", ":warning:"), ("escalation", ":arrow_up:"),
                            ("breach", ":rotating_light:"), ("objective_missed", ":hourglass:"),
                            ("correction", ":white_check_mark:")):  # fmt: skip
            if headline.startswith(emoji):
                kind = name
    return kind, text, ticket, link


class _Mailbox:
    """aiosmtpd's handler: each mail becomes one line of the journal."""

    def __init__(self, journal: _Journal) -> None:
        self.journal = journal

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(mail, EmailMessage)
        subject = str(mail.get("Subject", "")).removeprefix("[slakeeper] ")
        part = mail.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        ticket = link = ""
        for line in body.splitlines():
            if line.startswith("Ticket: "):
                ticket = line[len("Ticket: ") :]
            elif line.startswith("Open the ticket: "):
                link = line[len("Open the ticket: ") :]
        self.journal.add("email", _kind_of(subject), subject, ticket, link)
        return "250 OK"


def _kind_of(text: str) -> str:
    """The alert kind a message's words name (email carries no kind field)."""
    lowered = text.lower()
    for word, kind in (("breached", "breach"), ("escalat", "escalation"),
                       ("objective", "objective_missed"), ("correct", "correction")):  # fmt: skip
        if word in lowered:
            return kind
    return "warning"


def read_received(path: str | os.PathLike[str], limit: int = 200) -> list[dict[str, Any]]:
    """The last ``limit`` messages of the journal, newest first (none when it is missing)."""
    try:
        with open(path, "rb") as lines:
            last = deque(lines, maxlen=limit)
    except FileNotFoundError:
        return []
    found = []
    for line in reversed(last):
        with contextlib.suppress(orjson.JSONDecodeError):
            found.append(orjson.loads(line))
    return found
