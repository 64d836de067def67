"""A small HTTP/1.1 load client on asyncio streams, for benchmarks on loopback.

httpx's async pool spends more CPU per request than the service it measures (seen here:
the server idle at 20% while the client could not send 300 requests a second), so the
benchmarks drive the service with this instead: persistent connections, one request in
flight on each, bodies prepared beforehand, latency measured from the instant each
request was due (open loop: a slow answer never delays the next request's due time).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Outcome:
    """Latencies (seconds, from due time to answer) and statuses of a run."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def p(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)


class Connection:
    """One keep-alive connection."""

    def __init__(self, host: str, port: int, headers: bytes) -> None:
        self.host, self.port, self.headers = host, port, headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            (
                f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
            ).encode()
            + self.headers
            + b"\r\n"
        )
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        content = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, content


def _headers(token: str) -> bytes:
    return (f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n").encode()


async def open_loop(
    host: str,
    port: int,
    token: str,
    path: str,
    bodies: list[bytes],
    rate: float,
    connections: int = 64,
) -> Outcome:
    """POST ``bodies`` at ``rate`` per second over a pool of connections."""
    outcome = Outcome()
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Connection(host, port, _headers(token)))
    started = time.perf_counter()

    async def one(due: float, body: bytes) -> None:
        connection = await pool.get()
        try:
            status, _, _ = await connection.request("POST", path, body)
        finally:
            pool.put_nowait(connection)
        outcome.latencies.append(time.perf_counter() - due)
        outcome.statuses[status] = outcome.statuses.get(status, 0) + 1

    tasks = []
    for n, body in enumerate(bodies):
        due = started + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due, body)))
    await asyncio.gather(*tasks)
    outcome.elapsed = time.perf_counter() - started
    return outcome


async def closed_loop(
    host: str, port: int, token: str, path: str, bodies: list[bytes], in_flight: int
) -> Outcome:
    """POST ``bodies`` as fast as answers come, ``in_flight`` at a time."""
    outcome = Outcome()
    queue = list(reversed(bodies))
    started = time.perf_counter()

    async def worker() -> None:
        connection = Connection(host, port, _headers(token))
        while queue:
            body = queue.pop()
            sent = time.perf_counter()
            status, _, _ = await connection.request("POST", path, body)
            outcome.latencies.append(time.perf_counter() - sent)
            outcome.statuses[status] = outcome.statuses.get(status, 0) + 1

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    outcome.elapsed = time.perf_counter() - started
    return outcome
