"""The service's settings: one class, read from ``SLAKEEPER_*`` environment variables.

Nothing is read at import time: the CLI and the tests build :class:`Settings` when they
need it, so an engine or a secret never exists before a command asks for one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from slakeeper.core.instants import parse_instant, to_us

__all__ = ["Clock", "FileClock", "ScaledClock", "Settings"]


class Settings(BaseSettings):
    """Everything the service reads from its environment (prefix ``SLAKEEPER_``)."""

    model_config = SettingsConfigDict(env_prefix="SLAKEEPER_", extra="ignore")

    database_url: str = "sqlite:///slakeeper.db"
    # Inbound webhook secret (POST /api/v1/webhooks/events); unset = the route answers 503.
    webhook_secret: str | None = None
    webhook_window_seconds: int = 300
    max_body_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_json_depth: int = Field(default=32, gt=0)
    # Addresses allowed to read /metrics without a token (exact client hosts).
    metrics_allow: list[str] = []
    log_level: str = "INFO"
    # A fixed instant for `now` (tests, demos); empty = the wall clock.
    fixed_now: str | None = None
    # A file holding `now` (an RFC 3339 instant), read at every use: tests drive the clock
    # of several processes at once (the monitor's exactly-once test). Empty = not used.
    clock_file: str | None = None
    # A sped-up clock (demos, tests of the demo): `now` runs `clock_speed` times faster than
    # the wall clock from `clock_origin` on (an RFC 3339 instant; empty = the wall clock
    # ignores the speed). Processes given the same pair agree on `now`.
    clock_origin: str | None = None
    clock_speed: float = Field(default=1.0, gt=0)
    # The demo's receivers' journal (JSONL) that the console's Deliveries page lists.
    demo_deliveries: str | None = None
    db_pool_size: int = 5
    # `serve` runs the monitor in each process (`serve --no-monitor` or false here: API only).
    run_monitor: bool = True
    # PostgreSQL: monitors sleep until a notification (LISTEN) of a nearer next action, at
    # most this long. False: they poll like on SQLite (behind a transaction-pooling
    # PgBouncer, which does not pass LISTEN through).
    monitor_listen: bool = True
    monitor_longest_sleep_seconds: float = Field(default=60.0, gt=0)
    # SQLite, or monitor_listen false: how often the monitor looks for a nearer next action.
    monitor_poll_seconds: float = Field(default=1.0, gt=0)
    # Where people open the console: links in notifications point here.
    public_url: str = "http://127.0.0.1:8000"
    # Signs console session cookies; empty = a key made once and kept in the database.
    secret_key: str | None = None
    # How long a console session lasts without signing in again.
    session_hours: float = Field(default=12, gt=0)

    @field_validator("fixed_now", "clock_origin")
    @classmethod
    def _valid_instant(cls, value: str | None) -> str | None:
        if value:
            parse_instant(value)  # an error names the variable through pydantic
        return value or None

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded database."""
        return self.database_url.startswith("sqlite")

    def clock(self) -> Clock:
        """The clock the service reads ``now`` from."""
        if self.clock_file:
            return FileClock(self.clock_file)
        if self.clock_origin and self.clock_speed != 1.0:
            return ScaledClock(to_us(parse_instant(self.clock_origin)), self.clock_speed)
        return Clock(to_us(parse_instant(self.fixed_now)) if self.fixed_now else None)


class Clock:
    """Where the service (never the core) reads the current instant, in UTC µs."""

    # True when `now` moves by hand, not with the passing of time: a loop cannot sleep
    # toward an instant of it, it looks again every poll.
    jumps = False
    # Clock seconds per wall-clock second: loops divide their sleeps by it.
    speed = 1.0

    def __init__(self, fixed: int | None = None) -> None:
        self.fixed = fixed

    def now(self) -> int:
        """The current instant (the fixed one when set)."""
        if self.fixed is not None:
            return self.fixed
        return to_us(datetime.now(UTC))


class FileClock(Clock):
    """``now`` as written in a file (tests moving the clock of several processes)."""

    jumps = True

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def now(self) -> int:
        """The instant in the file."""
        with open(self.path, encoding="utf-8") as file:
            return to_us(parse_instant(file.read().strip()))


class ScaledClock(Clock):
    """``now = origin + (wall - origin) * speed``: a demo's hour in minutes.

    Every process given the same origin and speed reads the same ``now`` (the wall clock is
    shared), so the service, its monitor and a live simulation agree on simulated time.
    """

    def __init__(self, origin: int, speed: float) -> None:
        super().__init__()
        self.origin = origin
        self.speed = speed

    def now(self) -> int:
        """The scaled instant."""
        wall = to_us(datetime.now(UTC))
        return self.origin + int((wall - self.origin) * self.speed)
