"""The console on a real database: the service of tests/service with users of each role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slakeeper.services.tokens import Role
from slakeeper.services.users import create_user
from slakeeper.store.session import Database
from tests.service.conftest import (  # noqa: F401  (fixtures)
    EXAMPLE_CONFIG,
    Service,
    database,
    database_url,
    make_service,
)

PASSWORD = "a long enough secret"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def add_users(db: Database) -> None:
    """One user per role, named after it (``admin``, ``agent``, …), all with PASSWORD."""
    with db.write() as connection:
        for role in Role:
            create_user(
                connection, name=role.value, role=role.value, password=PASSWORD, actor="t", now=0
            )


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = CSRF.search(html)
    assert found is not None, "no csrf_token field on the page"
    return found.group(1)


@dataclass
class Console:
    """The app with a browser-like client (it keeps cookies; redirects are not followed)."""

    service: Service

    @property
    def client(self) -> TestClient:
        return self.service.client

    def login(self, name: str, password: str = PASSWORD, **form: Any) -> Any:
        token = csrf_of(self.client.get("/login").text)
        data = {"username": name, "password": password, "csrf_token": token} | form
        return self.client.post("/login", data=data, follow_redirects=False)

    def post(self, path: str, **form: Any) -> Any:
        return self.client.post(path, data=form, follow_redirects=False)


@pytest.fixture
def console(database: Database, database_url: str) -> Iterator[Console]:  # noqa: F811
    """The console on a fresh database, the clock at 2026-03-02T12:00Z, a user per role."""
    made = make_service(database, database_url, "2026-03-02T12:00:00Z", secret_key="k" * 40)
    add_users(database)
    with made.client:
        yield Console(made)


# The browser tests' service and Chromium (tests/console/browser.py), one per test module.
@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A service with a simulated day of tickets, and an admin token for its API."""
    from tests.console.browser import start_site

    yield from start_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    from tests.console.browser import launch

    playwright, chromium = launch()
    yield chromium
    chromium.close()
    playwright.stop()
