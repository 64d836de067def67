"""Login, sessions, CSRF, the rate limit and the role of each page, over HTTP (no browser)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from slakeeper.core.errors import InputError
from slakeeper.services.monitor import Monitor
from slakeeper.services.users import (
    FAILURES_PER_ADDRESS,
    FAILURES_PER_USER,
    create_user,
    disable_user,
)
from slakeeper.store.alerts import DeliveryRow
from tests.console.conftest import PASSWORD, Console, csrf_of
from tests.service.conftest import EXAMPLE_CONFIG
from tests.service.test_monitor import CONFIG, created

EVENT = {"id": "e1", "ticket": "T-1", "type": "created", "at": "2026-03-02T09:00:00Z",
         "severity": "P1", "account": "acme", "channel": "slack"}  # fmt: skip


def test_a_signed_out_visitor_is_sent_to_login_and_back_afterwards(console: Console) -> None:
    answer = console.client.get("/alerts?show=dead", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Falerts%3Fshow%3Ddead"
    signed_in = console.login("agent", next="/alerts?show=dead")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/alerts?show=dead"
    assert console.client.get("/alerts").status_code == 200


def test_login_never_redirects_to_another_site(console: Console) -> None:
    answer = console.login("agent", next="//evil.example/")
    assert answer.headers["location"] == "/"


def test_a_wrong_password_is_401_with_the_form_again(console: Console) -> None:
    answer = console.login("agent", "not the password")
    assert answer.status_code == 401
    assert "wrong password" in answer.text
    assert console.client.get("/", follow_redirects=False).status_code == 303


def test_the_session_cookie_is_httponly_and_samesite(console: Console) -> None:
    cookie = console.login("viewer").headers["set-cookie"]
    assert "slakeeper_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here: a Secure cookie would never come back


def test_the_session_cookie_is_secure_over_tls(console: Console) -> None:
    answer = console.client.get("https://testserver/login")
    assert "Secure" in answer.headers["set-cookie"]


def test_a_form_post_without_its_csrf_token_is_refused(console: Console) -> None:
    console.login("admin")
    answer = console.post("/logout")
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    assert console.client.get("/users").status_code == 200  # still signed in


def test_a_login_without_its_csrf_token_is_refused(console: Console) -> None:
    console.client.get("/login")
    data = {"username": "admin", "password": PASSWORD}
    answer = console.client.post("/login", data=data, follow_redirects=False)
    assert answer.status_code == 403
    assert console.client.get("/", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_and_a_copied_cookie_with_it(console: Console) -> None:
    console.login("admin")
    copied = dict(console.client.cookies)
    page = console.client.get("/users")
    answer = console.post("/logout", csrf_token=csrf_of(page.text))
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert console.client.get("/users", follow_redirects=False).status_code == 303
    console.client.cookies.clear()
    console.client.cookies.update(copied)
    assert console.client.get("/users", follow_redirects=False).status_code == 303


def test_a_disabled_user_is_signed_out_at_once_and_cannot_log_in(console: Console) -> None:
    console.login("agent")
    with console.service.database.write() as connection:
        disable_user(connection, name="agent", actor="t", now=1)
    assert console.client.get("/", follow_redirects=False).status_code == 303
    assert console.login("agent").status_code == 401


@pytest.mark.parametrize(
    ("role", "page", "status"),
    [
        ("agent", "/users", 403),
        ("viewer", "/users", 403),
        ("ingest", "/", 403),
        ("admin", "/users", 200),
        ("viewer", "/", 200),
        ("viewer", "/alerts", 200),
    ],
)
def test_each_page_opens_to_its_roles_only(
    console: Console, role: str, page: str, status: int
) -> None:
    console.login(role)
    answer = console.client.get(page, follow_redirects=False)
    assert answer.status_code == status
    if status == 403:
        assert f"Your role ({role}) may not open this page" in answer.text


def test_a_viewer_may_not_acknowledge_an_alert(console: Console) -> None:
    console.login("viewer")
    page = console.client.get("/alerts")
    answer = console.post("/alerts/1/ack", csrf_token=csrf_of(page.text))
    assert answer.status_code == 403


def test_dead_letters_are_listed_and_an_admin_retries_them(console: Console) -> None:
    service = console.service
    service.put_config(CONFIG)
    service.clock.set("2026-03-02T09:00:00Z")
    service.post_events(created("T-1"))
    service.clock.set("2026-03-02T09:31:00Z")
    Monitor(service.database, service.clock).tick_once()
    with service.database.write() as connection:
        connection.execute(update(DeliveryRow).values(state="dead", attempts=8))
    console.login("agent")
    dead = console.client.get("/alerts?show=dead")
    assert "<strong>dead</strong>" in dead.text
    assert "Retry dead deliveries" not in dead.text  # not offered to an agent
    alert = re.search(r'id="alert-(\d+)"', dead.text)
    assert alert is not None
    refused = console.post(f"/alerts/{alert[1]}/retry", csrf_token=csrf_of(dead.text))
    assert refused.status_code == 403
    console.login("admin")
    page = console.client.get("/alerts?show=dead")
    retried = console.post(f"/alerts/{alert[1]}/retry", csrf_token=csrf_of(page.text))
    assert retried.status_code == 303
    assert "<strong>dead</strong>" not in console.client.get("/alerts?show=dead").text
    with service.database.read() as connection:
        assert connection.execute(select(DeliveryRow.state)).scalars().all() == ["pending"]


def test_an_alert_acknowledged_in_the_console_names_the_user(console: Console) -> None:
    service = console.service
    service.put_config(CONFIG)
    service.clock.set("2026-03-02T09:00:00Z")
    service.post_events(created("T-1"))
    service.clock.set("2026-03-02T09:31:00Z")
    Monitor(service.database, service.clock).tick_once()
    console.login("agent")
    page = console.client.get("/tickets/T-1")
    alert = re.search(r'id="alert-(\d+)"', page.text)
    assert alert is not None
    answer = console.post(f"/alerts/{alert[1]}/ack", csrf_token=csrf_of(page.text))
    assert answer.status_code == 303
    listed = service.get("/api/v1/alerts").json()["items"]
    assert any(item["acknowledged_by"] == "user:agent" for item in listed)


def test_login_is_limited_per_user_name(console: Console) -> None:
    for attempt in range(FAILURES_PER_USER):
        assert console.login("agent", f"wrong {attempt}").status_code == 401
    limited = console.login("agent")  # even the right password, now
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "Too many" in limited.text
    assert console.login("viewer").status_code == 303  # another name is not limited


def test_login_is_limited_per_address(console: Console) -> None:
    for attempt in range(FAILURES_PER_ADDRESS):
        assert console.login(f"nobody{attempt}", "wrong password").status_code == 401
    assert console.login("admin").status_code == 429


def test_the_rate_limit_window_passes(console: Console) -> None:
    for _ in range(FAILURES_PER_USER):
        console.login("agent", "wrong password")
    assert console.login("agent").status_code == 429
    console.service.clock.set("2026-03-02T12:16:00Z")
    assert console.login("agent").status_code == 303


def test_user_names_are_unique_and_passwords_long_enough(console: Console) -> None:
    with console.service.database.write() as connection, pytest.raises(InputError, match="exists"):
        create_user(connection, name="admin", role="admin", password=PASSWORD, actor="t", now=0)
    with console.service.database.write() as connection, pytest.raises(InputError, match="10"):
        create_user(connection, name="newbie", role="agent", password="short", actor="t", now=0)


def test_the_queue_and_ticket_pages_show_the_ticket(console: Console) -> None:
    console.service.put_config(EXAMPLE_CONFIG.read_text())
    console.service.post_events([EVENT])
    console.login("agent")
    queue = console.client.get("/")
    assert 'data-ticket="T-1"' in queue.text
    assert "breached 2h 50m ago" in queue.text  # first response due 09:10, now 12:00
    ticket = console.client.get("/tickets/T-1")
    assert ticket.status_code == 200
    assert (
        "First response" in ticket.text
        and "acme-contract" in ticket.text
        and "entry-start" in ticket.text
    )
    assert console.client.get("/tickets/T-404").status_code == 404


def test_a_bad_filter_value_is_a_page_that_names_it(console: Console) -> None:
    console.login("agent")
    for page in ("/", "/queue.csv"):  # one set of filters for the page and its export
        answer = console.client.get(page + "?breached=maybe")
        assert answer.status_code == 422
        assert "breached must be yes, no or empty" in answer.text
        answer = console.client.get(page + "?at_risk=sometimes")
        assert answer.status_code == 422
        assert "at_risk must be yes, no or empty" in answer.text
