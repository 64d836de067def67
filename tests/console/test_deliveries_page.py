"""GET /deliveries: the demo receivers' journal, newest first, refreshed by htmx."""

from __future__ import annotations

from pathlib import Path

import orjson

from slakeeper.store.session import Database
from tests.console.conftest import PASSWORD, Console, add_users
from tests.service.conftest import make_service

LINES = [
    {"at": "2026-03-02T11:58:00Z", "sink": "slack", "kind": "warning",
     "text": "P1 · Acme Corp · first response breaches in 5 min", "ticket": "T-1", "link": ""},
    {"at": "2026-03-02T11:59:00Z", "sink": "email", "kind": "breach",
     "text": "P1 · Acme Corp · first response breached", "ticket": "T-1", "link": ""},
]  # fmt: skip


def _console(database: Database, database_url: str, journal: Path | None) -> Console:
    extra = {"demo_deliveries": str(journal)} if journal is not None else {}
    made = make_service(database, database_url, "2026-03-02T12:00:00Z", secret_key="k" * 40,
                        **extra)  # fmt: skip
    add_users(database)
    return Console(made)


def test_the_page_lists_what_the_receivers_got_newest_first(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    journal = tmp_path / "deliveries.jsonl"
    journal.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in LINES))
    console = _console(database, database_url, journal)
    with console.client:
        assert console.login("viewer", PASSWORD).status_code == 303
        page = console.client.get("/deliveries")
        assert page.status_code == 200
        html = page.text
        assert html.index('data-sink="email"') < html.index('data-sink="slack"')
        assert 'href="/tickets/T-1"' in html
        assert 'href="/deliveries"' in html  # in the navigation
        partial = console.client.get("/deliveries", headers={"HX-Request": "true"})
        assert partial.text.lstrip().startswith('<section id="deliveries"')
        assert "first response breached" in partial.text


def test_without_receivers_the_page_says_so(database: Database, database_url: str) -> None:
    console = _console(database, database_url, None)
    with console.client:
        console.login("viewer", PASSWORD)
        assert "No receivers run with this service" in console.client.get("/deliveries").text


def test_a_signed_out_visitor_is_sent_to_the_login(database: Database, database_url: str) -> None:
    console = _console(database, database_url, None)
    with console.client:
        answer = console.client.get("/deliveries", follow_redirects=False)
        assert answer.status_code == 303 and "/login" in answer.headers["location"]
