"""``slakeeper simulate --live`` against a running service on the same sped-up clock."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from slakeeper.core.instants import format_instant, to_us
from tests.service.conftest import SIM_CONFIG
from tests.service.servers import ROOT, ServerProcess

SPEED = 3600  # a simulated hour a second


def test_live_simulation_posts_its_events_and_the_service_stores_them_all(
    tmp_path: Path,
) -> None:
    database = tmp_path / "live.db"
    origin = format_instant(to_us(datetime.now(UTC)))
    env = os.environ | {
        "PYTHONPATH": str(ROOT / "src"),
        "SLAKEEPER_DATABASE_URL": f"sqlite:///{database}",
        "SLAKEEPER_CLOCK_ORIGIN": origin,
        "SLAKEEPER_CLOCK_SPEED": str(SPEED),
    }
    made = subprocess.run(
        [sys.executable, "-m", "slakeeper.cli", "token", "create", "--role", "agent",
         "--name", "simulator"], env=env, capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    token = made.stdout.strip()
    server = ServerProcess(f"sqlite:///{database}", tmp_path / "serve.log", env=env,
                           config=SIM_CONFIG)  # fmt: skip
    server.start()
    try:
        live = subprocess.Popen(
            [sys.executable, "-m", "slakeeper.cli", "simulate", "--live", "--url", server.url,
             "--token", token, "--speed", str(SPEED), "--clock-origin", origin],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(6)  # six simulated hours
        live.send_signal(signal.SIGINT)
        out, err = live.communicate(timeout=30)
    finally:
        server.stop()
    assert live.returncode == 0, err
    assert "Traceback" not in err
    found = re.search(r"posted (\d+) events \((\d+) duplicates, (\d+) refused\)", out)
    assert found, out
    posted, duplicates, refused = (int(n) for n in found.groups())
    assert posted > 0 and duplicates == 0 and refused == 0
    with sqlite3.connect(database) as db:  # the service's own events are the monitor's
        stored = db.execute("SELECT count(*) FROM events WHERE id NOT LIKE 'esc:%'").fetchone()
        created = db.execute("SELECT count(*) FROM events WHERE type = 'created'").fetchone()
    assert stored[0] == posted
    assert created[0] > 0
