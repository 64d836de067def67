"""``slakeeper recommend`` and ``whatif`` as real processes: formats and bad input (exit 2,
one line per problem)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from tests.history.history import NOW
from tests.history.test_sources import run

PROBLEM = re.compile(r"^error: (?P<file>.+?):(?P<line>\d+): (?P<path>\S+): (?P<message>.+)$")


def offline(files: tuple[Path, Path, Path], *args: str) -> list[str]:
    current, _, log = files
    return [*args, "--events", str(log), "--config", str(current), "--now", NOW]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--metric", "first_reply"],
            "error: --metric: unknown metric 'first_reply' (metrics: first_response, "
            "next_response, periodic_update, resolution, team_ownership)",
        ),
        (["--share", "1"], "error: --share: expected a share between 0 and 1 (exclusive), got 1"),
        (["--share", "0"], "error: --share: expected a share between 0 and 1 (exclusive), got 0"),
        (
            ["--share", "-0.5"],
            "error: --share: expected a share between 0 and 1 (exclusive), got -0.5",
        ),
        (
            ["--format", "xml"],
            "error: --format: unknown format 'xml' (expected table, json or csv)",
        ),
        (
            ["--from", "2026-13-01"],
            "error: --from: invalid date '2026-13-01' (expected YYYY-MM-DD)",
        ),
    ],
)
def test_recommend_refuses_bad_input_with_one_line(
    history_files: tuple[Path, Path, Path], args: list[str], expected: str
) -> None:
    result = run(*offline(history_files, "recommend", *args))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [expected]
    assert result.stdout == ""


def test_events_without_a_configuration_are_refused(history_files: tuple[Path, Path, Path]) -> None:
    result = run("recommend", "--events", str(history_files[2]))
    assert result.returncode == 2
    assert result.stderr == "error: --config: needed with --events\n"


def test_a_proposal_that_does_not_validate_shows_every_problem(
    history_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    text = history_files[1].read_text()
    text = text.replace("P2: {first_response: 1h,", "P2: {first_response: 1 hour,")
    text = text.replace("tier: standard", "tier: gold")
    bad.write_text(text)
    result = run(*offline(history_files, "whatif", "--proposed", str(bad)))
    assert result.returncode == 2, result.stderr
    problems = [PROBLEM.match(line) for line in result.stderr.splitlines()]
    assert all(problems) and len(problems) == 2, result.stderr
    lines = text.splitlines()
    found = {(m["path"], int(m["line"])) for m in problems if m}
    assert {path for path, _ in found} == {
        "accounts.beta.tier",
        "policies[0].targets.P2.first_response",
    }
    for path, number in found:
        assert path.split(".")[-1] in lines[number - 1]
    assert all(m["file"] == str(bad) for m in problems if m)
    assert result.stdout == ""


def test_whatif_csv_has_one_row_per_account_group_and_total(
    history_files: tuple[Path, Path, Path],
) -> None:
    result = run(
        *offline(history_files, "whatif", "--proposed", str(history_files[1])), "--format", "csv"
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["scope"], row["account"] or row["metric"]) for row in rows] == [
        ("account", "acme"),
        ("account", "beta"),
        ("severity_metric", "first_response"),
        ("total", ""),
    ]
    assert rows[0]["credits_change"] == "250.0" and rows[2]["credits_change"] == ""


def test_the_tables_print_side_by_side(history_files: tuple[Path, Path, Path]) -> None:
    result = run(*offline(history_files, "whatif", "--proposed", str(history_files[1])))
    assert result.returncode == 0, result.stderr
    assert "What-if by account" in result.stdout and "+250.00" in result.stdout
    result = run(*offline(history_files, "recommend", "--min-size", "5"))
    assert result.returncode == 0, result.stderr
    assert "too small: 3 clocks, needs 5" in result.stdout and "1h36m" in result.stdout
