"""History tests: the hand-built history (tests/history/history.py) and the service fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.history.history import write_history
from tests.service.conftest import database, database_url  # noqa: F401 (fixtures)


@pytest.fixture
def history_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(current config, proposed config, events) files of the hand-built history."""
    return write_history(tmp_path)
