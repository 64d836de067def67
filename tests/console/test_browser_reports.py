"""/reports and /config in a real browser: Debian's Chromium, driven by Playwright, against
a real `slakeeper serve` holding a simulated day (the clock fixed at its end)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.browser import (
    DESKTOP,
    PHONE,
    Site,
    needs_chromium,
    serious_violations,
    sign_in,
)

pytestmark = [pytest.mark.browser, needs_chromium]

# Pixels of a canvas that something was drawn on (Chart.js starts from a transparent one).
DRAWN = """canvas => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) drawn++;
  return drawn;
}"""


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # The charts must draw under the console's real CSP: no bypass here.
    context = browser.new_context(viewport=DESKTOP)
    yield context.new_page()
    context.close()


def test_a_report_draws_its_charts_on_their_canvases(page: Any, site: Site) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    sign_in(page, site, "viewer", next_path="/reports")
    assert page.get_by_role("heading", name="Reports", exact=True).is_visible()
    canvas = page.locator("canvas#chart-compliance")
    page.wait_for_function("() => document.querySelector('#chart-compliance').chart")
    assert canvas.evaluate(DRAWN) > 1000
    drawn = page.locator("canvas.chart").evaluate_all(f"cs => cs.map({DRAWN})")
    assert len(drawn) >= 4 and all(count > 1000 for count in drawn)
    # Nothing refused by the Content-Security-Policy; only the favicon is missing.
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []


def test_the_chart_numbers_are_in_a_table_too(page: Any, site: Site) -> None:
    sign_in(page, site, "viewer", next_path="/reports")
    details = page.locator("details.numbers").first
    details.locator("summary").click()
    table = details.locator("table.figures")
    assert table.is_visible()
    rows = table.locator("tbody tr").count()
    expected = site.api("/api/v1/reports/compliance", by="week,severity",
                        **{"from": "2025-10-20", "to": "2026-01-06"})  # fmt: skip
    assert rows == len(expected)


def test_the_grouping_is_kept_in_the_url(page: Any, site: Site) -> None:
    sign_in(page, site, "viewer", next_path="/reports")
    page.get_by_label("Group by").select_option("channel")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"group=channel"))
    assert "by channel" in (page.locator("#chart-compliance-title").text_content() or "")
    page.wait_for_function("() => document.querySelector('#chart-compliance').chart")
    labels = page.locator("#chart-compliance").evaluate(
        "c => c.chart.data.datasets.map(d => d.label)"
    )
    channels = site.api("/api/v1/reports/compliance", by="channel")
    assert labels == sorted(row["channel"] for row in channels)
    page.reload()
    assert page.get_by_label("Group by").input_value() == "channel"


def test_an_agent_cannot_open_the_admin_pages(page: Any, site: Site) -> None:
    sign_in(page, site, "agent", next_path="/config")
    assert page.get_by_role("button", name="Save as new version").count() == 0
    answer = page.goto(site.url + "/reports/whatif")
    assert answer.status == 403
    assert page.get_by_text("Your role (agent) may not open this page.").is_visible()


def test_a_config_form_without_its_csrf_token_is_refused(page: Any, site: Site) -> None:
    sign_in(page, site, "admin", next_path="/config")
    page.evaluate(
        "() => document.querySelector('form.config-edit input[name=csrf_token]').remove()"
    )
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Validate").click()
    assert navigation.value.status == 403
    assert page.get_by_text("CSRF token is missing").is_visible()


def test_the_keyboard_reaches_the_config_forms(page: Any, site: Site) -> None:
    sign_in(page, site, "admin", next_path="/config")
    page.get_by_label("Configuration (YAML or JSON)").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Validate"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Save as new version"


PAGES = ["/reports", "/reports?group=team", "/config", "/config/versions", "/config/versions/1",
         "/reports/whatif"]  # fmt: skip


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_pages_have_no_serious_accessibility_violation(
    browser: Any, site: Site, size: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shots = Path(os.environ.get("SLAKEEPER_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    shots.mkdir(parents=True, exist_ok=True)
    viewport = DESKTOP if size == "desktop" else PHONE
    context = browser.new_context(viewport=viewport, bypass_csp=True)  # axe is injected
    page = context.new_page()
    sign_in(page, site, "admin")
    found: dict[str, list[str]] = {}
    for path in PAGES:
        page.goto(site.url + path)
        page.wait_for_load_state("load")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        found[path] = serious_violations(page)  # the tables of numbers included
        name = re.sub(r"[^a-z0-9]+", "-", path).strip("-")
        page.screenshot(path=str(shots / f"{size}-{name}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} scrolls sideways at {size} width"
    context.close()
    assert {path: v for path, v in found.items() if v} == {}


def test_an_admin_compares_a_proposal_side_by_side(
    page: Any, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> None:
    sign_in(page, site, "admin", next_path="/reports/whatif")
    text = page.get_by_label("Proposed configuration (YAML or JSON)").input_value()
    looser = text.replace("P1: {first_response: 30m, next_response: 1h",
                          "P1: {first_response: 4h, next_response: 1h")  # fmt: skip
    assert looser != text
    page.get_by_label("Proposed configuration (YAML or JSON)").fill(looser)
    page.get_by_role("button", name="Compare").click()
    page.wait_for_load_state()
    row = page.locator("tr", has=page.locator("th", has_text="P1")).filter(
        has_text="First response"
    )
    cells = row.locator("td").all_text_contents()
    current, proposed = int(cells[4]), int(cells[5])  # breaches under each
    # A looser target never adds a breach; the simulated day (seed 3) has P1 first
    # responses later than 30 minutes, all well within 4 hours.
    assert current > 0 and proposed < current
    assert page.get_by_role("heading", name="Per account").is_visible()
    shots = Path(os.environ.get("SLAKEEPER_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    page.screenshot(path=str(shots / "desktop-whatif-result.png"), full_page=True)
