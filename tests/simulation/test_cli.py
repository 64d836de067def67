"""``slakeeper simulate`` as a real subprocess: output that ``evaluate --strict`` accepts,
the same bytes for the same seed, the accounts section, and line-numbered errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from slakeeper.config import load_config, parse_document
from slakeeper.simulation import load_scenario
from tests.simulation.conftest import DEFAULT_CONFIG, TINY


def slakeeper(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "slakeeper.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("staffing", ["1", "0.3"])
def test_a_simulated_week_passes_evaluate_strict(tmp_path: Path, staffing: str) -> None:
    out = tmp_path / "week.jsonl"
    done = slakeeper(
        "simulate", "--days", "7", "--seed", "4", "--staffing", staffing, "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    again = tmp_path / "again.jsonl"
    slakeeper("simulate", "--days", "7", "--seed", "4", "--staffing", staffing, "--out", str(again))
    assert out.read_bytes() == again.read_bytes()
    checked = slakeeper(
        "evaluate", "--strict", "--config", str(DEFAULT_CONFIG), "--events", str(out),
        "--now", "2026-01-12T00:00:00Z",
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr[:2000]
    assert checked.stderr == ""


def test_tiny_scenario_with_its_config_passes_evaluate_strict(
    tiny_files: tuple[Path, Path], tmp_path: Path
) -> None:
    scenario, config = tiny_files
    out = tmp_path / "tiny.jsonl"
    done = slakeeper(
        "simulate", "--scenario", str(scenario), "--config", str(config), "--days", "14",
        "--start", "2026-03-23T00:00:00+01:00", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith('{"id":"T-1-1"')
    checked = slakeeper(
        "evaluate", "--strict", "--config", str(config), "--events", str(out),
        "--now", "2026-04-07T00:00:00Z",
    )  # fmt: skip
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr[:2000]


def test_emit_accounts_matches_the_default_configuration() -> None:
    done = slakeeper("simulate", "--emit-accounts")
    assert done.returncode == 0, done.stderr
    emitted = parse_document(done.stdout).data
    config = load_config(DEFAULT_CONFIG)
    assert emitted["tiers"] == list(config.tiers)
    assert set(emitted["accounts"]) == set(config.accounts)
    for account_id, body in emitted["accounts"].items():
        account = config.accounts[account_id]
        assert (body["name"], body["tier"], body["timezone"]) == (
            account.name,
            account.tier,
            account.timezone,
        )
    assert len(load_scenario().agents) == 53


BAD = [
    ("tickets_per_week: 400\n", "tickets_per_week: 400\nfoo: 1\n", ": foo: unknown key"),
    (
        "timezone: Europe/Berlin, share: 1}",
        "timezone: Mars/Olympus, share: 1}",
        ": accounts[0].timezone: ",
    ),
    ('shift: {mon-fri: "09:00-13:00"}}', 'shift: {mon-fri: "09:00-33:00"}}', ": agents[0].shift"),
    ("team: tier2, timezone: UTC", "team: tier3, timezone: UTC", ": agents[2].team: unknown team"),
    ("escalate_to: tier2", "escalate_to: tier9", ": teams.tier1.escalate_to: unknown team"),
    ("median_minutes: 20, sigma", "median_minutes: -2, sigma", ": teams.tier1.handling"),
    ('["{product} down"]', '["{prodct} down"]', ": templates.P1.subjects[0]: bad placeholder"),
    ("tier: standard,", "tier: basic,", ": accounts[1].tier: "),
]


@pytest.mark.parametrize(("old", "new", "expected"), BAD)
def test_bad_scenarios_give_line_numbered_errors(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in TINY
    path = tmp_path / "bad.yaml"
    text = TINY.replace(old, new, 1)
    path.write_text(text)
    line = 1 + text[: text.index(new.splitlines()[-1])].count("\n")
    done = slakeeper("simulate", "--scenario", str(path), "--days", "1")
    assert done.returncode == 2, done.stderr
    assert f"error: {path}:{line}{expected}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_attainment_table_on_stderr_with_out_and_never_on_stdout(tmp_path: Path) -> None:
    out = tmp_path / "days.jsonl"
    written = slakeeper("simulate", "--days", "2", "--seed", "3", "--out", str(out))
    assert written.returncode == 0, written.stderr
    assert "judged by the core" in written.stderr
    rows = [line.split() for line in written.stderr.splitlines()[2:]]
    assert {row[0] for row in rows} >= {"enterprise", "mid_market", "standard"}
    plain = slakeeper("simulate", "--days", "2", "--seed", "3")
    assert plain.stderr == ""
    assert plain.stdout.encode() == out.read_bytes()  # the table never touches the events
