"""``slakeeper demo``: receivers, history, service, monitor and live simulation in one process.

Steps (docs/demo.md):

1. the directory: made (or emptied with ``--reset``); its ``demo.json`` keeps the
   generated passwords, token, secrets and ports, so a second run prints the same logins;
2. the receivers start (HTTP for Slack and the webhook, SMTP for email) on the ports of the
   last run when they are free;
3. the database: migrated; on the first run the configuration is stored, 90 days of history
   are simulated and imported, and the admin, the agent and the API token are made;
4. the service (API, console, monitor, deliveries) starts in a thread of this process, on
   the demo's clock (``--speed``);
5. placed tickets are posted, so that a warning, an escalation and a breach fall due in the
   first minute; the live simulation starts; the logins are printed;
6. Ctrl-C (or SIGTERM) stops the simulation, the service and the receivers; exit 0.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from slakeeper.core.instants import format_instant, to_us
from slakeeper.settings import Clock, ScaledClock

__all__ = ["run_demo"]

DAY_US = 86_400 * 1_000_000
Echo = Callable[[str], None]


def run_demo(directory: Path, *, reset: bool, port: int, speed: float, echo: Echo) -> None:
    """Run the demo until Ctrl-C (steps 1 to 6)."""
    started = time.monotonic()
    _check_port(port)
    state = _prepare(directory, reset)
    clock: Clock = _clock(speed)

    receivers = _start_receivers(directory, clock, state)
    stop = threading.Event()
    try:
        _environment(directory, state, receivers, port, speed)
        database = _database(directory, state, receivers, clock, echo)
        server, thread = _serve(database, clock, port)
        live = _go_live(state, clock, port, stop, echo)
        _print_welcome(directory, state, port, database, clock, time.monotonic() - started, echo)
        _wait(stop, thread)
    except KeyboardInterrupt:
        stop.set()
    finally:
        stop.set()
        if "server" in locals():
            server.should_exit = True
            thread.join(timeout=30)
        if "live" in locals():
            live.join(timeout=10)
        receivers.stop()
        if "database" in locals():
            database.dispose()
    echo("slakeeper demo stopped")


def _check_port(port: int) -> None:
    """Refuse a taken port before minutes of set-up, naming the option."""
    import socket

    from slakeeper.core.errors import InputError

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise InputError(f"port {port} is in use: choose another with --port",
                             path=("--port",)) from None  # fmt: skip


def _prepare(directory: Path, reset: bool) -> dict[str, Any]:
    """Step 1: the directory and its state (made on the first run)."""
    if reset and (directory / "demo.json").exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "demo.json"
    if path.exists():
        state: dict[str, Any] = orjson.loads(path.read_bytes())
        return state
    state = {
        "admin_password": secrets.token_urlsafe(12),
        "agent_password": secrets.token_urlsafe(12),
        "webhook_secret": secrets.token_hex(16),
        "secret_key": secrets.token_hex(32),
        "http_port": 0,
        "smtp_port": 0,
        "token": None,
    }
    path.write_bytes(orjson.dumps(state, option=orjson.OPT_INDENT_2))
    return state


def _save(directory: Path, state: dict[str, Any]) -> None:
    (directory / "demo.json").write_bytes(orjson.dumps(state, option=orjson.OPT_INDENT_2))
    (directory / "demo.json").chmod(0o600)


def _clock(speed: float) -> Clock:
    """The wall clock, or one ``speed`` times faster from now on (env for other processes)."""
    if speed == 1.0:
        return Clock()
    origin = to_us(datetime.now(UTC))
    os.environ["SLAKEEPER_CLOCK_ORIGIN"] = format_instant(origin)
    os.environ["SLAKEEPER_CLOCK_SPEED"] = repr(speed)
    return ScaledClock(origin, speed)


def _start_receivers(directory: Path, clock: Clock, state: dict[str, Any]) -> Any:
    """Step 2: on the last run's ports when free (stored notifier URLs name them)."""
    from slakeeper.demo.receivers import Receivers

    journal = directory / "deliveries.jsonl"
    try:
        ports = {"http_port": state["http_port"], "smtp_port": state["smtp_port"]}
        receivers = Receivers.start(journal, clock, state["webhook_secret"], **ports)
    except OSError:  # taken by now: new ports, and a new configuration version names them
        receivers = Receivers.start(journal, clock, state["webhook_secret"])
    state["http_port"], state["smtp_port"] = receivers.http_port, receivers.smtp_port
    return receivers


def _environment(
    directory: Path, state: dict[str, Any], receivers: Any, port: int, speed: float
) -> None:
    """What the service's settings and the email notifier read."""
    os.environ.update({
        "SLAKEEPER_DATABASE_URL": f"sqlite:///{directory.resolve() / 'slakeeper.db'}",
        "SLAKEEPER_SMTP_HOST": "127.0.0.1",
        "SLAKEEPER_SMTP_PORT": str(receivers.smtp_port),
        "SLAKEEPER_SMTP_FROM": "slakeeper-demo@localhost",
        "SLAKEEPER_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SLAKEEPER_SECRET_KEY": state["secret_key"],
        "SLAKEEPER_DEMO_WEBHOOK_SECRET": state["webhook_secret"],
        "SLAKEEPER_DEMO_DELIVERIES": str(receivers.journal.resolve()),
    })  # fmt: skip
    if (
        speed > 1
    ):  # a poll is `speed` clock seconds: look 4 times a clock second (at most 20 a wall second)
        os.environ["SLAKEEPER_MONITOR_POLL_SECONDS"] = str(max(0.05, min(1.0, 4.0 / speed)))


def _database(
    directory: Path, state: dict[str, Any], receivers: Any, clock: Clock, echo: Echo
) -> Any:
    """Step 3: migrate; the first run stores the history, users and token."""
    from slakeeper.demo.history import backfill, config_text
    from slakeeper.services.configs import store_config
    from slakeeper.settings import Settings
    from slakeeper.store.migrate import upgrade
    from slakeeper.store.session import create_database

    database = create_database(Settings().database_url)
    upgrade(database)
    config_path = directory / "config.yaml"
    text = config_text(slack_url=receivers.slack_url, webhook_url=receivers.webhook_url)
    config_path.write_text(text, encoding="utf-8")
    if state["token"] is None:
        echo("first run: simulating and importing 90 days of history ...")
        summary = backfill(database, config_path, directory / "history.jsonl", now=clock.now())
        echo(f"  {summary.tickets:,} tickets, {summary.stored:,} events, "
             f"{summary.clocks:,} clocks")  # fmt: skip
        _make_logins(database, state, clock.now())
    else:
        with database.write() as connection:  # new receiver ports: a new version
            store_config(connection, text=config_path.read_text(encoding="utf-8"),
                         author="demo", now=clock.now())  # fmt: skip
    _save(directory, state)
    return database


def _make_logins(database: Any, state: dict[str, Any], now: int) -> None:
    from slakeeper.services.tokens import create_token
    from slakeeper.services.users import create_user

    with database.write() as connection:
        create_user(connection, name="admin", role="admin", password=state["admin_password"],
                    actor="demo", now=now)  # fmt: skip
        create_user(connection, name="agent", role="agent", password=state["agent_password"],
                    actor="demo", now=now)  # fmt: skip
        state["token"], _ = create_token(connection, name="demo", role="admin", actor="demo",
                                         now=now)  # fmt: skip


def _serve(database: Any, clock: Clock, port: int) -> tuple[Any, threading.Thread]:
    """Step 4: uvicorn in a thread (it leaves the signals to this, the main thread)."""
    import uvicorn

    from slakeeper.settings import Settings
    from slakeeper.web.app import create_app

    app = create_app(Settings(), database=database, clock=clock)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                            access_log=False, lifespan="on")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the service did not start on port {port}")
        time.sleep(0.05)
    return server, thread


def _go_live(
    state: dict[str, Any], clock: Clock, port: int, stop: threading.Event, echo: Echo
) -> threading.Thread:
    """Step 5: the placed tickets, then the live simulation in a thread."""
    import httpx

    from slakeeper.demo.history import placed_events, scenario_path
    from slakeeper.simulation.live import run_live
    from slakeeper.simulation.scenario import load_scenario

    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                          headers={"authorization": f"Bearer {state['token']}"})  # fmt: skip
    now = clock.now()
    run = format(now // 1_000_000, "x")
    answer = client.post("/api/v1/events", json=placed_events(now, run))
    answer.raise_for_status()
    scenario = load_scenario(scenario_path())

    def live() -> None:
        try:
            run_live(client, scenario, clock, stop, seed=now % 1000)
        finally:
            client.close()

    thread = threading.Thread(target=live, name="demo-simulation", daemon=True)
    thread.start()
    return thread


def _customer_link(database: Any, state: dict[str, Any], now: int, port: int) -> str:
    """One customer link (Acme's, valid 30 days), signed with the service's secret."""
    from slakeeper.services.customer_links import create_customer_link, link_path

    with database.write() as connection:
        token = create_customer_link(connection, account="acme", actor="demo", now=now,
                                     expires_at=now + 30 * DAY_US,
                                     secret=state["secret_key"])  # fmt: skip
    return f"http://127.0.0.1:{port}{link_path(token)}"


def _print_welcome(
    directory: Path, state: dict[str, Any], port: int, database: Any, clock: Clock,
    seconds: float, echo: Echo,
) -> None:  # fmt: skip
    link = _customer_link(database, state, clock.now(), port)
    echo(f"""
slakeeper demo is running (up in {seconds:.0f} s)

  Console:        http://127.0.0.1:{port}/
  Logins:         admin / {state["admin_password"]}
                  agent / {state["agent_password"]}
API token: {state["token"]}
  Customer link:  {link}
  Deliveries:     http://127.0.0.1:{port}/deliveries  (Slack and webhook at
                  http://127.0.0.1:{state["http_port"]}, SMTP at 127.0.0.1:{state["smtp_port"]})
  Data:           {directory.resolve()}  (--reset starts over)

Within a minute: a warning, an escalation and a breach, each delivered.
Ctrl-C to stop.""")


def _wait(stop: threading.Event, server: threading.Thread) -> None:
    """Step 6: until Ctrl-C, SIGTERM, or the service's end."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.is_set() and server.is_alive():
        stop.wait(0.5)
