"""A real service process with a simulated day of tickets, and Debian's Chromium driven by
Playwright (never a downloaded browser). Tests that need it skip, with the reason named,
when /usr/bin/chromium is absent; `.ci/run` installs it and forbids skips."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from slakeeper.core.instants import parse_instant, to_us
from slakeeper.services.monitor import Monitor
from slakeeper.services.tokens import create_token
from slakeeper.settings import Clock
from slakeeper.store.migrate import upgrade
from slakeeper.store.session import create_database
from tests.console.conftest import PASSWORD, add_users
from tests.service.conftest import SIM_CONFIG
from tests.service.servers import ServerProcess

CHROMIUM = Path(os.environ.get("SLAKEEPER_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
NOW = "2026-01-06T00:00:00Z"  # the end of the simulated day: many tickets still open
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"Chromium: {CHROMIUM} is absent (apt-get install chromium)"
)


@dataclass
class Site:
    """The running service: its URL and an admin token for the API."""

    url: str
    token: str

    def api(self, path: str, **params: Any) -> Any:
        answer = httpx.get(
            self.url + path, params=params, headers={"Authorization": f"Bearer {self.token}"}
        )
        answer.raise_for_status()
        return answer.json()


def simulate(out: Path) -> None:
    """A simulated day of a support organisation's events (fixed seed)."""
    subprocess.run(
        [sys.executable, "-m", "slakeeper.cli", "simulate", "--days", "1", "--seed", "3",
         "--out", str(out), "--no-progress", "--no-attainment"],
        check=True, capture_output=True,
    )  # fmt: skip


def start_site(tmp: Path) -> Iterator[Site]:
    """Migrate, add a user per role, start `slakeeper serve`, post the simulated events."""
    url = f"sqlite:///{tmp / 'console.db'}"
    database = create_database(url)
    upgrade(database)
    add_users(database)
    with database.write() as connection:
        token, _ = create_token(connection, name="browser", role="admin", actor="t", now=0)
    database.dispose()
    events = tmp / "events.jsonl"
    simulate(events)
    env = {"SLAKEEPER_FIXED_NOW": NOW, "SLAKEEPER_RUN_MONITOR": "false",
           "SLAKEEPER_SECRET_KEY": "browser-tests-" + "k" * 32}  # fmt: skip
    server = ServerProcess(url, tmp / "server.log", env=env, config=SIM_CONFIG)
    server.start()
    try:
        lines = events.read_bytes().splitlines()
        for start in range(0, len(lines), 500):
            body = b"[" + b",".join(lines[start : start + 500]) + b"]"
            answer = httpx.post(server.url + "/api/v1/events", content=body, timeout=60,
                                headers={"Authorization": f"Bearer {token}",
                                         "Content-Type": "application/json"})  # fmt: skip
            answer.raise_for_status()
        monitor_passes(url)
        yield Site(server.url, token)
    finally:
        server.stop()


def monitor_passes(url: str) -> None:
    """The monitor's passes at NOW, until nothing is due: warnings and breaches as alerts."""
    database = create_database(url)
    monitor = Monitor(database, Clock(to_us(parse_instant(NOW))), batch=500)
    try:
        for _ in range(100):
            if not monitor.tick_once().due:
                break
    finally:
        database.dispose()


def launch() -> Any:
    """Playwright and a headless Chromium from Debian's package."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
    )
    return playwright, browser


def sign_in(page: Any, site: Site, name: str, *, next_path: str = "/") -> None:
    """Log in through the form, as a person would."""
    page.goto(f"{site.url}/login?next={next_path}")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical accessibility violations on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
