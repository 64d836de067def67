"""What-if on the hand-built history: a proposal that tightens P2 first response 2h -> 1h."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from slakeeper.config import load_config
from slakeeper.core.instants import parse_instant_us
from slakeeper.services.histories import Window, parse_window
from slakeeper.services.whatif import changed_severities, run_whatif
from tests.history.history import CURRENT, NOW_US

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _run(files: tuple[Path, Path, Path], window: Window | None = None, workers: int = 1):  # type: ignore[no-untyped-def]
    current, proposed, log = files
    comparison, done = run_whatif(
        log,
        load_config(current),
        load_config(proposed),
        NOW_US,
        window or Window(),
        workers=workers,
    )
    assert done.diagnostics == []
    return comparison


def test_tightening_a_target_shows_the_extra_breaches_and_credits(
    history_files: tuple[Path, Path, Path],
) -> None:
    comparison = _run(history_files)
    acme = next(row for row in comparison.accounts if row["account"] == "acme")
    # Current: the ten answered first responses all within 2h, T11 (95 min) still running.
    assert (acme["current_decided"], acme["current_breaches"]) == (10, 0)
    assert acme["current_compliance"] == 1.0 and acme["current_credits"] == 0.0
    # Proposed 1h: 70, 80, 89m01s and 100 minutes breach (60 is met: fulfilled at due),
    # and T11, 95 minutes old, is breached too: 6 met of 11.
    assert (acme["proposed_decided"], acme["proposed_breaches"]) == (11, 5)
    assert acme["proposed_compliance"] == pytest.approx(6 / 11)
    assert acme["breaches_change"] == 5
    # 0.545 is under 0.95 and under 0.6: the 0.6 row alone applies, 25% of 1,000.
    assert acme["proposed_credits"] == 250.0 and acme["credits_change"] == 250.0
    assert acme["compliance_change"] == pytest.approx(6 / 11 - 1)


def test_rows_per_severity_and_metric_and_the_total(
    history_files: tuple[Path, Path, Path],
) -> None:
    comparison = _run(history_files)
    (row,) = comparison.severity_metrics  # resolution (8h) is decided on no ticket
    assert (row["severity"], row["metric"]) == ("P2", "first_response")
    # acme's 10 and beta's 3 (answered in 5 minutes: met under both).
    assert (row["current_decided"], row["current_breaches"]) == (13, 0)
    assert (row["proposed_decided"], row["proposed_breaches"]) == (14, 5)
    assert "current_credits" not in row
    assert comparison.total["proposed_breaches"] == 5
    assert comparison.total["credits_change"] == 250.0
    beta = next(row for row in comparison.accounts if row["account"] == "beta")
    assert beta["breaches_change"] == 0 and beta["current_credits"] == 0.0


def test_the_same_configuration_changes_nothing(history_files: tuple[Path, Path, Path]) -> None:
    current, _, log = history_files
    comparison = _run((current, current, log))
    for row in [*comparison.accounts, *comparison.severity_metrics, comparison.total]:
        assert row["breaches_change"] == 0 and row["compliance_change"] == 0


def test_the_window_counts_clocks_by_their_start(history_files: tuple[Path, Path, Path]) -> None:
    # T11 started 95 minutes before NOW (10:25Z); the others at 07:01-07:10Z.
    comparison = _run(history_files, parse_window("2026-03-10T10:00:00Z", None))
    acme = next(row for row in comparison.accounts if row["account"] == "acme")
    assert (acme["current_decided"], acme["proposed_decided"]) == (0, 1)
    assert acme["proposed_credits"] == 250.0  # 0 of 1: under 0.6


def test_workers_do_not_change_the_comparison(history_files: tuple[Path, Path, Path]) -> None:
    assert _run(history_files, workers=2) == _run(history_files, workers=1)


def test_a_proposal_of_targets_names_the_severities_it_changes(
    history_files: tuple[Path, Path, Path],
) -> None:
    current, proposed, _ = history_files
    assert changed_severities(load_config(current), load_config(current)) == frozenset()
    assert changed_severities(load_config(current), load_config(proposed)) == {"P2"}


def test_a_proposal_of_anything_else_evaluates_every_ticket_twice(tmp_path: Path) -> None:
    base = load_config_text(tmp_path, CURRENT)
    for change in [
        ("weekly: 24x7}", "weekly: 24x7, holidays: ['2026-03-10']}"),  # a calendar
        ("tier: standard", "tier: enterprise"),  # an account's tier: matching
        ("calendar: always\n", "calendar: always\n    warn_at: [0.5]\n"),  # warnings
        ("  - id: all\n", "  - id: all\n    match: {channel: email}\n"),  # a match
    ]:
        assert CURRENT.count(change[0]) == 1, change
        other = load_config_text(tmp_path, CURRENT.replace(*change))
        assert changed_severities(base, other) is None, change


def load_config_text(folder: Path, text: str):  # type: ignore[no-untyped-def]
    path = folder / "config.yaml"
    path.write_text(text)
    return load_config(path)


@pytest.mark.parametrize("proposal", ["targets", "calendar"])
def test_evaluating_once_where_targets_did_not_change_gives_the_same_rows(
    tmp_path: Path, proposal: str
) -> None:
    # bench/history.py's varied history (severity changes, pauses, reopens, tier upgrades)
    # under the benchmark's configurations; the shortcut must not change a number.
    sys.path.insert(0, str(BENCH))
    from history import NOW_TEXT, write_history
    from whatif import configurations

    log = tmp_path / "events.jsonl"
    write_history(log, 400, 3)
    current, proposed = configurations(tmp_path)
    if proposal == "calendar":  # a calendar change too: no shortcut can apply
        proposed.write_text(proposed.read_text().replace('mon: ["09:00-17:00"]', "mon: []", 1))
    configs = load_config(current), load_config(proposed)
    changed = changed_severities(*configs)
    assert (changed == {"P1", "P2"}) if proposal == "targets" else changed is None
    now = parse_instant_us(NOW_TEXT)
    fast, _ = run_whatif(log, *configs, now, Window(), workers=1)
    full, _ = run_whatif(log, *configs, now, Window(), workers=1, shortcut=False)
    assert fast == full
    assert fast.total["breaches_change"] != 0  # the proposal changed something
