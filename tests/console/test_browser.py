"""The console in a real browser: Debian's Chromium, driven by Playwright, against a real
`slakeeper serve` holding a simulated day of tickets (the clock fixed at its end)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slakeeper.core.instants import parse_instant, to_us
from slakeeper.services.users import FAILURES_PER_USER
from slakeeper.web.console.pages import duration_text
from tests.console.browser import (
    DESKTOP,
    NOW,
    PHONE,
    Site,
    needs_chromium,
    serious_violations,
    sign_in,
)

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # bypass_csp: axe-core is injected as a script, which the console's CSP would refuse.
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    yield context.new_page()
    context.close()


def _row_ids(page: Any) -> list[str]:
    return page.locator("table.queue tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.ticket)"
    )


def test_log_in_and_out(page: Any, site: Site) -> None:
    page.goto(site.url + "/")
    assert page.url == f"{site.url}/login?next=%2F"
    sign_in(page, site, "agent")
    assert page.url == site.url + "/"
    assert page.get_by_role("heading", name="Queue").is_visible()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(site.url + "/login")
    page.goto(site.url + "/alerts")
    assert page.url.startswith(site.url + "/login?next=")


def test_login_returns_to_the_page_asked_for(page: Any, site: Site) -> None:
    page.goto(site.url + "/alerts?show=dead")
    page.get_by_label("User name").fill("viewer")
    page.get_by_label("Password").fill("a long enough secret")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site.url + "/alerts?show=dead")


def test_the_queue_lists_tickets_in_urgency_order(page: Any, site: Site) -> None:
    sign_in(page, site, "viewer")
    expected = [item["ticket"] for item in site.api("/api/v1/queue", limit=50)["items"]]
    assert len(expected) == 50  # a full page: the simulated day leaves more open
    assert _row_ids(page) == expected
    dues = page.locator("table.queue .badge[data-due]").evaluate_all(
        "bs => bs.map(b => b.closest('tr').dataset.ticket)"
    )
    assert dues  # countdowns are shown
    page.get_by_role("link", name="Next page").click()
    page.wait_for_load_state()
    second = site.api("/api/v1/queue", limit=50, cursor=site.api("/api/v1/queue")["next_cursor"])
    assert _row_ids(page) == [item["ticket"] for item in second["items"]]


def test_a_countdown_changes_as_time_passes(page: Any, site: Site) -> None:
    page.clock.install(time=NOW)
    sign_in(page, site, "agent")
    first = page.locator('.badge[data-state="ok"], .badge[data-state="warning"]').first
    ticket = first.locator("xpath=ancestor::tr").get_attribute("data-ticket")
    badge = page.locator(f'tr[data-ticket="{ticket}"] .badge[data-due]').first
    before = badge.text_content()
    assert re.search(r"\d+[hms]", before or "")
    # Two minutes later in the browser, then one tick of its timers: the countdown's
    # second, not the 30 s refresh (which would show the server's fixed clock again).
    page.clock.set_system_time("2026-01-06T00:02:00+00:00")
    page.clock.run_for(1000)
    after = badge.text_content() or ""
    due = to_us(parse_instant(badge.get_attribute("data-due")))
    left = due - to_us(parse_instant("2026-01-06T00:02:01Z"))
    assert after != before
    assert after.startswith(f"{badge.get_attribute('data-metric')}: {duration_text(left)} left")


def test_a_countdown_turns_to_breached_when_its_due_instant_passes(page: Any, site: Site) -> None:
    page.clock.install(time=NOW)
    sign_in(page, site, "agent")
    running = page.locator('.badge[data-state="ok"], .badge[data-state="warning"]').first
    due = running.get_attribute("data-due")
    ticket = running.locator("xpath=ancestor::tr").get_attribute("data-ticket")
    badge = page.locator(f'tr[data-ticket="{ticket}"] .badge[data-due="{due}"]').first
    page.clock.set_system_time(due.replace("Z", "+00:00"))
    page.clock.run_for(2000)
    assert badge.get_attribute("data-state") == "breached"
    assert "breached" in (badge.text_content() or "")


def test_the_queue_refreshes_in_place_keeping_scroll_and_selection(page: Any, site: Site) -> None:
    page.clock.install(time=NOW)
    sign_in(page, site, "agent")
    page.keyboard.press("j")
    page.evaluate("() => { window.scrollTo(0, 600); window.notReloaded = true; }")
    page.evaluate(
        "() => { window.swapped = false;"
        " document.addEventListener('htmx:afterSettle', () => { window.swapped = true; }); }"
    )
    page.clock.run_for(31_000)  # past the 30 s refresh
    page.wait_for_function("() => window.swapped === true")
    assert page.evaluate("() => window.notReloaded") is True  # the same document
    assert page.evaluate("() => window.scrollY") == 600
    assert page.locator("tr.selected").count() == 1
    focused = page.evaluate("() => document.activeElement.closest('tr')?.dataset.ticket")
    assert focused == page.locator("tr.selected").get_attribute("data-ticket")


def test_filters_change_the_url_and_the_rows(page: Any, site: Site) -> None:
    sign_in(page, site, "agent")
    everything = _row_ids(page)
    page.get_by_label("Breached").select_option("yes")
    page.wait_for_url(re.compile(r"breached=yes"))
    page.wait_for_function("() => !document.querySelector('tr[data-ticket]:not(.is-breached)')")
    breached = _row_ids(page)
    expected = site.api("/api/v1/queue", breached="true", limit=50)["items"]
    assert breached == [item["ticket"] for item in expected]
    assert breached != everything
    page.get_by_label("Team").fill("tier2")
    page.get_by_label("Team").press("Enter")
    page.wait_for_url(re.compile(r"team=tier2"))
    assert "breached=yes" in page.url and "agent=" not in page.url
    expected = site.api("/api/v1/queue", breached="true", team="tier2", limit=50)["items"]
    page.wait_for_function(
        "n => document.querySelectorAll('table.queue tbody tr').length === n", arg=len(expected)
    )
    assert _row_ids(page) == [item["ticket"] for item in expected]
    page.reload()  # the filters live in the URL
    assert page.get_by_label("Team").input_value() == "tier2"


def test_keyboard_moves_through_the_queue_and_opens_a_ticket(page: Any, site: Site) -> None:
    sign_in(page, site, "agent")
    ids = _row_ids(page)
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.locator("tr.selected").get_attribute("data-ticket") == ids[1]
    page.keyboard.press("k")
    assert page.locator("tr.selected").get_attribute("data-ticket") == ids[0]
    page.keyboard.press("o")
    page.wait_for_url(f"{site.url}/tickets/{ids[0]}")


def test_a_ticket_shows_its_clocks_and_timeline(page: Any, site: Site) -> None:
    sign_in(page, site, "agent")
    first = _row_ids(page)[0]
    page.locator("a.open").first.click()
    page.wait_for_url(f"{site.url}/tickets/{first}")
    timeline = site.api(f"/api/v1/tickets/{first}/timeline")["items"]
    assert page.locator("table.timeline tbody tr").count() == len(timeline)
    clocks = site.api(f"/api/v1/tickets/{first}")["clocks"]
    assert page.locator("section.clock").count() == len(clocks)
    assert page.locator("section.clock svg.bar").count() == len(clocks)
    assert page.get_by_text("First response", exact=False).first.is_visible()


def test_an_agent_cannot_open_admin_pages(page: Any, site: Site) -> None:
    sign_in(page, site, "agent")
    answer = page.goto(site.url + "/users")
    assert answer.status == 403
    assert page.get_by_text("Your role (agent) may not open this page.").is_visible()
    assert page.get_by_role("link", name="Users").count() == 0  # not offered either


def test_a_form_post_without_its_csrf_token_is_refused(page: Any, site: Site) -> None:
    sign_in(page, site, "agent")
    page.evaluate("() => document.querySelector('form.logout input[name=csrf_token]').remove()")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Log out").click()
    assert navigation.value.status == 403
    assert page.get_by_text("CSRF token is missing").is_visible()


def test_login_is_rate_limited(page: Any, site: Site) -> None:
    for attempt in range(FAILURES_PER_USER):
        page.goto(site.url + "/login")
        page.get_by_label("User name").fill("ingest")
        page.get_by_label("Password").fill(f"wrong guess {attempt}")
        page.get_by_role("button", name="Sign in").click()
        assert page.get_by_text("wrong password").is_visible()
    page.goto(site.url + "/login")
    page.get_by_label("User name").fill("ingest")
    page.get_by_label("Password").fill("a long enough secret")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    assert navigation.value.status == 429
    assert page.get_by_text("too many failed logins").is_visible()


def test_an_agent_acknowledges_an_alert(page: Any, site: Site) -> None:
    sign_in(page, site, "agent", next_path="/alerts")
    first = site.api("/api/v1/alerts", limit=1)["items"][0]
    assert first["acknowledged_at"] is None
    row = page.locator(f"#alert-{first['id']}")
    row.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(site.url + "/alerts")
    assert "acknowledged by user:agent" in (
        page.locator(f"#alert-{first['id']}").text_content() or ""
    )
    assert site.api("/api/v1/alerts", limit=1)["items"][0]["acknowledged_by"] == "user:agent"
    assert page.get_by_role("button", name="Retry dead deliveries").count() == 0  # admin only


PAGES = ["/", "/?breached=yes", "/tickets/{first}", "/alerts", "/users", "/tickets/none"]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_page_has_no_serious_accessibility_violation(
    browser: Any, site: Site, size: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shots = Path(os.environ.get("SLAKEEPER_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    shots.mkdir(parents=True, exist_ok=True)
    viewport = DESKTOP if size == "desktop" else PHONE
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    first = site.api("/api/v1/queue", limit=1)["items"][0]["ticket"]
    found: dict[str, list[str]] = {}
    for path in ["/login", *PAGES]:
        if path == "/":
            sign_in(page, site, "admin")
        page.goto(site.url + path.format(first=first))
        found[path] = serious_violations(page)
        name = re.sub(r"[^a-z0-9]+", "-", path.format(first=first)).strip("-") or "queue"
        page.screenshot(path=str(shots / f"{size}-{name}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} scrolls sideways at {size} width"
    context.close()
    assert {path: v for path, v in found.items() if v} == {}


def _new_link(page: Any, site: Site, account: str) -> str:
    """Make a customer link of ``account`` through the admin's form; its URL on the site
    (the page writes it under SLAKEEPER_PUBLIC_URL, which the test server leaves unset)."""
    sign_in(page, site, "admin", next_path=f"/accounts/{account}")
    page.get_by_role("button", name="Create customer link").click()
    page.wait_for_load_state()
    url = page.locator("input.link-url").first.input_value()
    assert url.startswith("http://127.0.0.1:8000/c/")
    return site.url + url.removeprefix("http://127.0.0.1:8000")


def _open_tickets_of(site: Site, account: str) -> list[str]:
    found, cursor = [], None
    while True:
        params = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        answer = site.api("/api/v1/queue", **params)
        found += [item["ticket"] for item in answer["items"] if item["account"] == account]
        cursor = answer["next_cursor"]
        if not cursor:
            return found


def test_the_account_chart_draws_under_the_csp(browser: Any, site: Site) -> None:
    context = browser.new_context(viewport=DESKTOP)  # the CSP enforced, unlike `page`'s
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    sign_in(page, site, "viewer", next_path="/accounts")
    first = page.locator("table.accounts tbody tr").first
    first.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/accounts/[^/?]+$"))
    page.wait_for_function("() => window.Chart && Chart.getChart('trend-chart')")
    painted = page.evaluate(
        """() => { const c = document.getElementById('trend-chart');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
                   return [c.width, c.height, n]; }"""
    )
    assert painted[0] > 100 and painted[1] > 100
    assert painted[2] > 1000  # axes, labels and the line: far from blank
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
    problems = [p for p in problems if "404" not in p]  # the favicon, checked above
    assert problems == []  # no script or CSP error
    context.close()


def test_a_customer_link_shows_one_account_only(browser: Any, site: Site) -> None:
    admin = browser.new_context(viewport=DESKTOP)
    url = _new_link(admin.new_page(), site, "acme")
    admin.close()
    assert url.startswith(site.url + "/c/")
    customer = browser.new_context(viewport=DESKTOP)  # no session: a customer's browser
    page = customer.new_page()
    answer = page.goto(url)
    assert answer.status == 200
    assert page.get_by_role("heading", name="Service levels for Acme Corp").is_visible()
    shown = page.locator("tr[data-ticket]").evaluate_all("rs => rs.map(r => r.dataset.ticket)")
    assert shown == _open_tickets_of(site, "acme")[:200]
    assert page.get_by_role("navigation").count() == 0
    assert page.get_by_role("button", name="Log out").count() == 0
    assert page.get_by_role("link").count() == 0  # no way into the rest of the console
    others = ["Globex", "Initech", "Umbrella", "Hooli", "Stark"]
    text = page.locator("body").inner_text()
    assert not [name for name in others if name in text]
    altered = url[:-1] + ("A" if url[-1] != "A" else "B")
    assert page.goto(altered).status == 404
    assert page.get_by_text("This link is not valid").is_visible()
    assert page.locator("tr[data-ticket]").count() == 0
    customer.close()


NEW_PAGES = ["/risk", "/risk?tz=America/New_York", "/accounts", "/accounts?sort=compliance",
             "/accounts/acme", "{link}", "/c/1.1.not-a-link"]  # fmt: skip


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_risk_accounts_and_customer_pages_have_no_serious_violation(
    browser: Any, site: Site, size: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shots = Path(os.environ.get("SLAKEEPER_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    shots.mkdir(parents=True, exist_ok=True)
    viewport = DESKTOP if size == "desktop" else PHONE
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    link = _new_link(page, site, "acme").removeprefix(site.url)
    found: dict[str, list[str]] = {}
    for path in NEW_PAGES:
        page.goto(site.url + path.format(link=link))
        if path == "/accounts/acme":
            page.wait_for_function("() => window.Chart && Chart.getChart('trend-chart')")
        found[path] = serious_violations(page)
        name = re.sub(r"[^a-z0-9]+", "-", path.replace("{link}", "customer")).strip("-")
        page.screenshot(path=str(shots / f"{size}-{name[:40]}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} scrolls sideways at {size} width"
    context.close()
    assert {path: v for path, v in found.items() if v} == {}


def test_the_accounts_list_is_reached_and_read_by_keyboard(page: Any, site: Site) -> None:
    sign_in(page, site, "viewer")
    for _ in range(12):  # skip link, brand, then the navigation
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent") == "Accounts":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(site.url + "/accounts")
    page.locator("table.accounts a").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/accounts/[^/?]+$"))
    assert page.get_by_role("heading", name=re.compile("Compliance, last 12 weeks")).is_visible()
