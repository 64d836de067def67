"""Shared test set-up: hypothesis profiles."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, max_examples=200)
settings.register_profile(
    "ci", deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "default")


# CI runs with every server the suite needs (PostgreSQL, Chromium): there, a skipped test
# is a failure, so that a missing server can never turn a red run green.
_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _SKIPPED.append(report.nodeid)


def _forbids_skips() -> bool:
    return bool(os.environ.get("SLAKEEPER_FORBID_SKIPS")) and bool(_SKIPPED)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _forbids_skips() and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _forbids_skips():
        terminalreporter.write_line(
            f"SLAKEEPER_FORBID_SKIPS is set and {len(_SKIPPED)} tests were skipped "
            f"(first: {_SKIPPED[0]}): failing the run",
            red=True,
        )
