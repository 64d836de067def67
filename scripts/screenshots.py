"""Write the console's screenshots for the README into docs/screenshots/ (`make screenshots`).

A simulated history (`slakeeper simulate`, fixed seed) is imported into a fresh SQLite
database (`slakeeper import events`), a customer link is made (`slakeeper link create`),
and `slakeeper serve` runs with its clock fixed at the end of the history, so every page
shows the same instant. Debian's Chromium, driven by Playwright, signs in as an admin
and takes each page at 1280x800: the queue, a ticket, an account, the reports and the
customer page. Only this command writes those files; `make test` never does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
DEMO = ROOT / "src" / "slakeeper" / "demo"
CHROMIUM = Path(os.environ.get("SLAKEEPER_CHROMIUM", "/usr/bin/chromium"))
PASSWORD = "screenshots only"
VIEWPORT = {"width": 1280, "height": 800}


def slakeeper(*args: str, env: dict[str, str], stdin: str | None = None) -> str:
    """Run a slakeeper command; its standard output (a failure stops the script)."""
    done = subprocess.run(
        [sys.executable, "-m", "slakeeper.cli", *args],
        input=stdin, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"slakeeper {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def last_instant(events: Path) -> datetime:
    """The instant of the history's last event."""
    last = max(orjson.loads(line)["at"] for line in events.read_bytes().splitlines() if line)
    return datetime.fromisoformat(last.replace("Z", "+00:00"))


def busiest_account(events: Path, accounts: set[str]) -> str:
    """The configured account with the most tickets (the richest account page)."""
    counts: dict[str, int] = {}
    for line in events.read_bytes().splitlines():
        event = orjson.loads(line)
        if event["type"] == "created" and event.get("account") in accounts:
            counts[event["account"]] = counts.get(event["account"], 0) + 1
    return max(counts, key=lambda account: (counts[account], account))


def configured_accounts(config: Path) -> set[str]:
    from slakeeper.config import load_config

    return set(load_config(config).accounts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="configuration (default: the demo's)")
    parser.add_argument("--scenario", type=Path, default=DEMO / "scenario.yaml")
    # 12 weeks from the scenario's Monday, and into a Wednesday afternoon (UTC): a working day.
    parser.add_argument("--days", type=float, default=86.6, help="days of history")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is absent: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="slakeeper-shots-") as directory:
        folder = Path(directory)
        config = args.config or demo_config(folder)
        events = folder / "events.jsonl"
        env = os.environ | {
            "SLAKEEPER_DATABASE_URL": f"sqlite:///{folder / 'shots.db'}",
            "SLAKEEPER_SECRET_KEY": "screenshots-" + "s" * 40,
            "SLAKEEPER_RUN_MONITOR": "false",
        }
        slakeeper("simulate", "--days", str(args.days), "--seed", str(args.seed), "--config",
                  str(config), "--scenario", str(args.scenario), "--out", str(events),
                  "--no-progress", "--no-attainment", env=env)  # fmt: skip
        now = last_instant(events) - timedelta(hours=2)
        # The clock stands two hours before the last event: tickets are open, clocks run.
        lines = [
            line
            for line in events.read_bytes().splitlines()
            if datetime.fromisoformat(orjson.loads(line)["at"].replace("Z", "+00:00")) <= now
        ]
        events.write_bytes(b"\n".join(lines) + b"\n")
        env["SLAKEEPER_FIXED_NOW"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        slakeeper("db", "upgrade", env=env)
        slakeeper("import", "events", str(events), "--config", str(config), "--no-progress",
                  env=env)  # fmt: skip
        slakeeper("user", "create", "admin", "--role", "admin", "--password-stdin",
                  env=env, stdin=PASSWORD + "\n")  # fmt: skip
        account = busiest_account(events, configured_accounts(config))
        port = free_port()
        env["SLAKEEPER_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        customer = slakeeper("link", "create", account, "--days", "30", env=env).strip()
        server = subprocess.Popen(
            [sys.executable, "-m", "slakeeper.cli", "serve", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(url)
            start = (now - timedelta(days=args.days)).date().isoformat()
            shoot(url, account, customer, start, now.date().isoformat(), args.out)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"screenshots written to {args.out}")
    return 0


def demo_config(folder: Path) -> Path:
    """The demo's configuration (three tiers, a dozen accounts with contracts, calendars in
    three zones), its notifier addresses filled in: the monitor does not run here."""
    text = (DEMO / "config.yaml").read_text()
    text = text.replace("@SLACK_URL@", "http://127.0.0.1:9/slack")
    text = text.replace("@WEBHOOK_URL@", "http://127.0.0.1:9/webhook")
    path = folder / "config.yaml"
    path.write_text(text)
    return path


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("slakeeper serve did not come up")


def shoot(url: str, account: str, customer: str, start: str, end: str, out: Path) -> None:
    """Sign in and take each page."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url + "/login")
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        take(page, url + "/", out / "queue.png")
        ticket = page.locator("a[href^='/tickets/']").first.get_attribute("href")
        take(page, url + str(ticket), out / "ticket.png")
        take(page, f"{url}/accounts/{account}", out / "account.png")
        take(page, f"{url}/reports?from={start}&to={end}&group=tier", out / "report.png")
        visitor = browser.new_page(viewport=VIEWPORT)  # the customer is not signed in
        take(visitor, customer, out / "customer.png")
        browser.close()


def take(page: object, address: str, path: Path) -> None:
    page.goto(address)  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]  # chart animations settle
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    raise SystemExit(main())
