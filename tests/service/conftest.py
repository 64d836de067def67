"""The service suite runs on SQLite and, when SLAKEEPER_TEST_DATABASE_URL is set, on PostgreSQL.

Each PostgreSQL test gets a schema of its own (dropped afterwards), so tests never see
each other's rows and never touch the database's other schemas.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from slakeeper.core.instants import parse_instant, to_us
from slakeeper.services.tokens import Role, create_token
from slakeeper.settings import Clock, Settings
from slakeeper.store.migrate import upgrade
from slakeeper.store.session import Database, create_database
from slakeeper.web.app import create_app

PG_URL = os.environ.get("SLAKEEPER_TEST_DATABASE_URL")
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "examples" / "config.yaml"
SIM_CONFIG = ROOT / "src" / "slakeeper" / "simulation" / "default_config.yaml"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                not PG_URL, reason="PostgreSQL: SLAKEEPER_TEST_DATABASE_URL is not set"
            ),
        ],
    ),
]


def pg_schema_url(base: str, schema: str) -> str:
    """``base`` with its search_path set to ``schema`` (a libpq option)."""
    url = make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    query = dict(url.query) | {"options": f"-csearch_path={schema}"}
    return url.set(query=query).render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'slakeeper.db'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema (for tests that only make sense there)."""
    if not PG_URL:
        pytest.skip("PostgreSQL: SLAKEEPER_TEST_DATABASE_URL is not set")
    with postgres_schema() as url:
        yield url


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL whose search_path is a new schema, dropped on exit."""
    assert PG_URL is not None
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(pg_schema_url(PG_URL, "public"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield pg_schema_url(PG_URL, schema)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The database, migrated."""
    db = create_database(database_url)
    upgrade(db)
    yield db
    db.dispose()


class FixedClock(Clock):
    """A clock the test moves by hand."""

    def set(self, instant: str) -> None:
        self.fixed = to_us(parse_instant(instant))


@dataclass
class Service:
    """An app on a real database, a client, a clock, and a token per role."""

    client: TestClient
    database: Database
    clock: FixedClock
    tokens: dict[Role, str]
    settings: Settings

    def headers(self, role: Role = Role.ADMIN) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def post_events(self, events: Any, role: Role = Role.ADMIN) -> Any:
        return self.client.post(
            "/api/v1/events",
            content=orjson.dumps(events),
            headers=self.headers(role) | {"Content-Type": "application/json"},
        )

    def put_config(self, text_: str) -> Any:
        return self.client.put("/api/v1/config", content=text_.encode(), headers=self.headers())

    def get(self, path: str, role: Role = Role.ADMIN, **params: Any) -> Any:
        return self.client.get(path, params=params, headers=self.headers(role))


def make_service(database: Database, database_url: str, now: str, **settings: Any) -> Service:
    clock = FixedClock()
    clock.set(now)
    config = Settings(database_url=database_url, **({"run_monitor": False} | settings))
    tokens = {}
    with database.write() as connection:
        for role in Role:
            tokens[role], _ = create_token(
                connection, name=f"test-{role.value}", role=role.value, actor="test", now=0
            )
    app = create_app(config, database=database, clock=clock)
    return Service(TestClient(app), database, clock, tokens, config)


@pytest.fixture
def service(database: Database, database_url: str) -> Iterator[Service]:
    """The API on a fresh database, the clock at 2026-03-02T12:00Z, one token per role."""
    made = make_service(database, database_url, "2026-03-02T12:00:00Z", webhook_secret="whsec-test")
    with made.client:
        yield made


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every JSON object of a JSONL file."""
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
