"""``slakeeper plan erlang`` as a real subprocess: JSON fields, --batch, bad input exits 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.planning import reference

FIELDS = [
    "offered_load",
    "agents_raw",
    "agents",
    "wait_probability",
    "service_level",
    "asa_seconds",
    "occupancy",
]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "SLAKEEPER_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "slakeeper.cli", "plan", "erlang", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        env=env,
        check=False,
    )


HANDBOOK = ["--arrivals", "100", "--interval", "30m", "--aht", "3m", "--answer-within", "20s"]


def test_json_reports_every_field_of_the_handbook_example() -> None:
    result = run(*HANDBOOK, "--service-level", "80%", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == FIELDS
    assert document["offered_load"] == 10
    assert document["agents_raw"] == document["agents"] == 14
    assert document["service_level"] == pytest.approx(reference.service_level(10, 14, 180, 20))
    assert document["wait_probability"] == pytest.approx(reference.wait_probability(10, 14))
    assert document["occupancy"] == pytest.approx(10 / 14)
    assert "e-" not in result.stdout


def test_shrinkage_and_occupancy_cap_shape_the_answer() -> None:
    result = run(
        *HANDBOOK,
        "--service-level",
        "0.8",
        "--max-occupancy",
        "0.6",
        "--shrinkage",
        "0.3",
        "--format",
        "json",
    )
    document = json.loads(result.stdout)
    assert document["agents_raw"] == 17  # 10 / 17 = 0.588 <= 0.6 < 10 / 16
    assert document["agents"] == 25  # 25 x 0.7 = 17.5 >= 17 > 24 x 0.7


def test_given_agents_report_figures_and_unstable_staffing_has_null_asa() -> None:
    result = run(*HANDBOOK, "--agents", "10", "--format", "json")
    document = json.loads(result.stdout)
    assert document["asa_seconds"] is None
    assert document["service_level"] == 0
    assert document["wait_probability"] == 1


def test_table_format_names_every_figure() -> None:
    result = run(*HANDBOOK, "--service-level", "0.8")
    assert result.returncode == 0, result.stderr
    for field in FIELDS:
        assert field in result.stdout


def test_batch_answers_each_line_in_order(tmp_path: Path) -> None:
    cases = [
        {
            "arrivals": 100,
            "interval_seconds": 1800,
            "aht_seconds": 180,
            "answer_within_seconds": 20,
            "service_level": 0.8,
        },
        {
            "arrivals": 36,
            "interval_seconds": 3600,
            "aht_seconds": 360,
            "answer_within_seconds": 1200,
            "service_level": 0.7,
        },
        {
            "arrivals": 100,
            "interval_seconds": 1800,
            "aht_seconds": 180,
            "answer_within_seconds": 20,
            "agents": 20,
            "shrinkage": 0.3,
        },
        {
            "arrivals": 5000,
            "interval_seconds": 1800,
            "aht_seconds": 300,
            "answer_within_seconds": 30,
            "service_level": 0.95,
            "max_occupancy": 0.9,
        },
    ]
    text = "".join(json.dumps(case) + "\n" for case in cases)
    from_stdin = run("--batch", stdin=text)
    path = tmp_path / "cases.jsonl"
    path.write_text(text)
    from_file = run("--batch", str(path))
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout
    answers = [json.loads(line) for line in from_stdin.stdout.splitlines()]
    assert [a["agents"] for a in answers[:2]] == [14, 4]
    assert answers[2]["agents_raw"] == 14 and answers[2]["agents"] == 20
    load = 5000 * 300 / 1800
    assert answers[3]["agents_raw"] == reference.least_agents(load, 300, 30, 0.95, 0.9)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--service-level", "0.8", "--interval", "0"], "error: --interval: must be positive"),
        (["--service-level", "1"], "error: --service-level: expected a share"),
        (["--service-level", "0.8", "--agents", "3"], "give exactly one of"),
        (["--service-level", "0.8", "--aht", "soon"], "error: --aht: invalid duration"),
        (["--service-level", "0.8", "--shrinkage", "1"], "error: --shrinkage:"),
        (["--agents", "2.5"], "error: --agents: expected a whole number"),
    ],
)
def test_bad_option_exits_2_with_one_line_naming_it(args: list[str], message: str) -> None:
    base = dict(zip(HANDBOOK[::2], HANDBOOK[1::2], strict=True))
    overrides = dict(zip(args[::2], args[1::2], strict=True))
    flat = [item for pair in {**base, **overrides}.items() for item in pair]
    result = run(*flat)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_bad_batch_lines_are_all_reported_and_nothing_is_written() -> None:
    fields = '"interval_seconds": 60, "aht_seconds": 60, "answer_within_seconds": 0'
    good = '{"arrivals": 1, ' + fields + ', "service_level": 0.5}'
    text = (
        "\n".join(
            [
                good,
                "{not json",
                '{"arrivals": -3, ' + fields + ', "service_level": 0.5}',
                '{"arrivals": 1, ' + fields + ', "service_level": 0.5, "speed": 2}',
            ]
        )
        + "\n"
    )
    result = run("--batch", stdin=text)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: line 2: invalid JSON: Expecting property name enclosed in double quotes",
        "error: line 3: arrivals: expected a finite number >= 0, got -3",
        "error: line 4: speed: unknown field (expected arrivals, interval_seconds, "
        "aht_seconds, answer_within_seconds, service_level, agents, max_occupancy, shrinkage)",
    ]


def test_pyworkforce_readme_example_gives_the_same_staffing() -> None:
    # pyworkforce's README: ErlangC(transactions=100, asa=20/60, aht=3, interval=30,
    # shrinkage=0.3).required_positions(service_level=0.8, max_occupancy=0.85) gives
    # raw_positions 14, positions 20, service_level 0.88835, occupancy 0.71429,
    # waiting_probability 0.17413.
    case = {
        "arrivals": 100,
        "interval_seconds": 1800,
        "aht_seconds": 180,
        "answer_within_seconds": 20,
        "service_level": 0.8,
        "max_occupancy": 0.85,
        "shrinkage": 0.3,
    }
    result = run("--batch", stdin=json.dumps(case) + "\n")
    document = json.loads(result.stdout)
    assert (document["agents_raw"], document["agents"]) == (14, 20)
    assert document["service_level"] == pytest.approx(0.88835, abs=1e-5)
    assert document["occupancy"] == pytest.approx(0.71429, abs=1e-5)
    assert document["wait_probability"] == pytest.approx(0.17413, abs=1e-5)


def test_batch_refuses_options_beside_it() -> None:
    result = run("--batch", "--arrivals", "3", stdin="{}\n")
    assert result.returncode == 2
    assert (
        result.stderr == "error: --batch: every case comes from the input; give no other option\n"
    )
