"""Structured JSON logs with a request id, and Prometheus metrics.

With several worker processes (``serve --workers N``) the metrics live in shared files
(prometheus_client's multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``) so that a scrape of
any worker reports all of them.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from slakeeper.settings import Clock
from slakeeper.store.alerts import AlertRow, DeliveryRow
from slakeeper.store.session import Database
from slakeeper.store.tickets import ClockRow, TicketRow

__all__ = ["Metrics", "RequestLogger", "configure_logging"]

log = logging.getLogger("slakeeper.web")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any extra fields."""

    _SKIP = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
        "message",
        "asctime",
        "color_message",
    }

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._SKIP:
                document[key] = value
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(document, default=str).decode()


def configure_logging(level: str) -> None:
    """Send every log record to stderr as JSON (uvicorn's too)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # request_logger logs requests


class Metrics:
    """The service's counters and histograms, and gauges read from the database on scrape."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        # In multiprocess mode values go to shared files; otherwise to this app's registry.
        self.registry = CollectorRegistry()
        own = None if self.multiprocess else self.registry
        self.ingested = Counter(
            "slakeeper_events_ingested", "Events stored", ["source"], registry=own
        )
        self.duplicates = Counter(
            "slakeeper_events_duplicate", "Events received again (ignored)", registry=own
        )
        self.rejected = Counter(
            "slakeeper_events_rejected", "Events refused", ["reason"], registry=own
        )
        self.latency = Histogram(
            "slakeeper_ingest_seconds",
            "Time to store and evaluate one ingest request",
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=own,
        )
        self.db_errors = Counter(
            "slakeeper_database_errors", "Requests failed by the database", registry=own
        )
        self.states = _StateCollector(database, clock)
        if not self.multiprocess:
            self.registry.register(self.states)

    def render(self) -> bytes:
        """The exposition text of every metric."""
        if not self.multiprocess:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(self.states)
        return generate_latest(registry)


def _by_label(name: str, text: str, label: str, counts: Any) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, text, labels=[label])
    for value, count in counts:
        family.add_metric([value], count)
    return family


class _StateCollector:
    """Open tickets and clocks by state, counted when scraped."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    def collect(self) -> Any:
        now = self.clock.now()
        with self.database.read() as connection:
            open_tickets = connection.execute(
                select(func.count()).select_from(TicketRow).where(TicketRow.is_open)
            ).scalar_one()
            by_state = connection.execute(
                select(ClockRow.status, func.count()).group_by(ClockRow.status)
            ).all()
            oldest = connection.execute(  # ix_tickets_next_action_at
                select(func.min(TicketRow.next_action_at)).where(TicketRow.next_action_at <= now)
            ).scalar()
            alerts = connection.execute(
                select(AlertRow.kind, func.count()).group_by(AlertRow.kind)
            ).all()
            deliveries = connection.execute(
                select(DeliveryRow.state, func.count()).group_by(DeliveryRow.state)
            ).all()
        lag = GaugeMetricFamily(
            "slakeeper_monitor_lag_seconds",
            "now minus the oldest due next_action_at not yet processed (0 when none)",
        )
        lag.add_metric([], 0 if oldest is None else (now - oldest) / 1e6)
        yield lag
        yield _by_label("slakeeper_alerts", "Alerts written, by kind", "kind", alerts)
        yield _by_label("slakeeper_deliveries", "Deliveries by state (pending, delivered, "
                        "dead, suppressed)", "state", deliveries)  # fmt: skip
        dead = GaugeMetricFamily("slakeeper_dead_letters", "Deliveries that gave up")
        dead.add_metric([], dict(deliveries).get("dead", 0))
        yield dead
        tickets = GaugeMetricFamily("slakeeper_open_tickets", "Open tickets")
        tickets.add_metric([], open_tickets)
        yield tickets
        clocks = GaugeMetricFamily("slakeeper_clocks", "Clocks by state", labels=["state"])
        for state, count in by_state:
            clocks.add_metric([state], count)
        yield clocks

    def describe(self) -> list[Any]:
        return []


class RequestLogger:
    """ASGI middleware: a request id (kept from X-Request-ID when sane), a Server-Timing
    header, and one JSON log line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                elapsed = (time.perf_counter() - started) * 1000
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                headers["Server-Timing"] = f"app;dur={elapsed:.2f}"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
