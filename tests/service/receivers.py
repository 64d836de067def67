"""Real local receivers for the sinks: an HTTP server and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from tests.service.servers import free_port


@dataclass
class Received:
    """One request the HTTP receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpReceiver:
    """Records every POST; answers from ``script`` (status, delay) in turn, then 200."""

    requests: list[Received] = field(default_factory=list)
    script: list[tuple[int, float]] = field(default_factory=list)
    always: tuple[int, float] | None = None  # answer every request so
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def http_receiver() -> Iterator[HttpReceiver]:
    """An HTTP receiver on a free port, for the duration of the block."""
    receiver = HttpReceiver(port=free_port())
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with lock:
                status, delay = receiver.always or (
                    receiver.script.pop(0) if receiver.script else (200, 0.0)
                )
                if status < 300:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
            time.sleep(delay)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # caller gave up
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "30")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@contextmanager
def smtp_receiver() -> Iterator[tuple[int, _Mailbox]]:
    """A local SMTP server (aiosmtpd) on a free port: (port, mailbox)."""
    mailbox = _Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()
