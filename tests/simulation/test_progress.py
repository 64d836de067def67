"""The progress bar of long runs: on stderr when it is a terminal, never into a redirected
stderr unless --progress asks for it, and never on stdout."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

ARGS = ["-m", "slakeeper.cli", "simulate", "--days", "10", "--seed", "2", "--no-attainment"]


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "100", "TERM": "xterm"}


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "run.jsonl"
    done = subprocess.run(
        [sys.executable, *ARGS, "--out", str(out)],
        capture_output=True, timeout=300, check=False, env=_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert out.stat().st_size > 0


def test_progress_forced_into_a_redirected_stderr(tmp_path: Path) -> None:
    out = tmp_path / "run.jsonl"
    done = subprocess.run(
        [sys.executable, *ARGS, "--out", str(out), "--progress"],
        capture_output=True, timeout=300, check=False, env=_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert b"simulating" in done.stderr
    assert done.stdout == b""


def _drain(leader: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal is gone once the child exited and all was read
            return
        if not chunk:
            return
        into.append(chunk)


def test_progress_bar_on_a_terminal_stderr_and_clean_stdout() -> None:
    leader, follower = pty.openpty()
    chunks: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(leader, chunks))
    reader.start()  # read while the child writes, so a full terminal buffer never blocks it
    try:
        done = subprocess.run(
            [sys.executable, *ARGS],
            stdout=subprocess.PIPE, stderr=follower, timeout=300, check=False, env=_env(),
        )  # fmt: skip
    finally:
        os.close(follower)
    reader.join(timeout=30)
    os.close(leader)
    seen = b"".join(chunks)
    assert done.returncode == 0
    assert b"simulating" in seen
    assert b"simulating" not in done.stdout
    first = done.stdout.splitlines()[0]
    assert first.startswith(b'{"id":')
