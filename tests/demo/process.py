"""``slakeeper demo`` in a child process: its printed lines, its API, its end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.service.servers import ROOT, free_port


class DemoProcess:
    """The demo on ``directory`` at ``speed``, started by :meth:`start`."""

    def __init__(self, directory: Path, *, speed: float, reset: bool = False) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "slakeeper.cli", "demo", "--dir", str(directory),
                "--port", str(self.port), "--speed", str(speed)]  # fmt: skip
        self.args = args + (["--reset"] if reset else [])
        self.lines: list[str] = []
        self.errors = directory.parent / f"{directory.name}-{self.port}.stderr"
        self.process: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 60) -> str:
        """Start and wait for the ``API token:`` line; the token."""
        env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
        with self.errors.open("w") as err:
            self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=err,
                                            text=True, env=env, cwd=ROOT,
                                            start_new_session=True)  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if line.startswith("API token: "):
                    return line.removeprefix("API token: ").strip()
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"no token printed: {self.lines} {self.errors.read_text()[-3000:]}")

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"authorization": f"Bearer {token}"},
                            timeout=10)  # fmt: skip

    def interrupt(self, timeout: float = 40) -> int:
        """Ctrl-C (SIGINT to the demo alone) and wait; the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise

    def stderr(self) -> str:
        return self.errors.read_text()
