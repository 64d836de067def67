"""Schema fuzzing with schemathesis against /api/v1/openapi.json: no 5xx, every 4xx explains.

Every operation gets generated requests (valid and invalid bodies, parameters, headers)
with an admin token; answers must never be a server error, and every client error must
carry a ``detail`` that says what was wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from slakeeper.services.tokens import create_token
from slakeeper.settings import Clock, Settings
from slakeeper.store.migrate import upgrade
from slakeeper.store.session import create_database
from slakeeper.web.app import create_app
from tests.service.conftest import EXAMPLE_CONFIG

TOKEN: dict[str, str] = {}


@pytest.fixture
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    url = f"sqlite:///{path}"
    database = create_database(url)
    upgrade(database)
    with database.write() as connection:
        TOKEN["admin"], _ = create_token(connection, name="fuzz", role="admin", actor="t", now=0)
    app = create_app(
        Settings(database_url=url, webhook_secret="s"),
        database=database,
        clock=Clock(1_772_452_800_000_000),
    )
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        client.put(
            "/api/v1/config",
            content=EXAMPLE_CONFIG.read_bytes(),
            headers={"Authorization": f"Bearer {TOKEN['admin']}"},
        )
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    database.dispose()


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"]
)
def test_no_server_errors_and_every_client_error_explains(api_schema: Any, mode: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:
        _fuzz(operation, mode)


def _fuzz(operation: Any, mode: Any) -> None:
    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {TOKEN['admin']}"})
        where = f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
        assert response.status_code < 500, where
        if 400 <= response.status_code < 500:
            assert response.json().get("detail"), where

    try:
        run()
    except Unsatisfiable:  # an operation with nothing to make invalid (no parameters, no body)
        assert mode is GenerationMode.NEGATIVE
