"""``slakeeper check CONFIG`` run as a real subprocess on files written to tmp_path.

Every refused file exits 2 with one ``error: FILE:LINE: KEY.PATH: message`` line per problem
on stderr, where LINE is the line of the offending key in the file, and no traceback.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROBLEM = re.compile(r"^error: (?P<file>.+?):(?P<line>\d+): (?P<path>\S+): (?P<message>.+)$")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "SLAKEEPER_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "slakeeper.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def assert_ok(result: subprocess.CompletedProcess[str], path: Path, calendars: int) -> None:
    """Exit 0 with one summary line ``ok: PATH: N calendar(s), …`` and nothing on stderr."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert re.fullmatch(
        rf"ok: {re.escape(str(path))}: {calendars} calendars?\b.*\n", result.stdout
    ), result.stdout


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the only line of ``text`` containing ``marker``."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(found) == 1, (marker, found)
    return found[0]


def check(tmp_path: Path, text: str, name: str = "config.yaml") -> tuple[Path, list[str]]:
    """Write ``text`` and check it; return the file and its stderr lines (exit code 2)."""
    path = tmp_path / name
    path.write_text(text)
    result = run("check", str(path))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    return path, result.stderr.splitlines()


def problems(path: Path, lines: list[str]) -> list[tuple[int, str, str]]:
    """Each stderr line as (line, key path, message), checking it names ``path``."""
    parsed = []
    for line in lines:
        match = PROBLEM.match(line)
        assert match is not None, line
        assert match["file"] == str(path), line
        parsed.append((int(match["line"]), match["path"], match["message"]))
    return parsed


def calendar(body: str) -> str:
    """A configuration with one calendar ``c`` whose body (indented 4) is ``body``."""
    return "calendars:\n  c:\n" + "".join(f"    {line}\n" for line in body.splitlines())


# --- accepted files -------------------------------------------------------------------


def test_example_calendars_are_valid() -> None:
    path = EXAMPLES / "calendars.yaml"
    assert_ok(run("check", str(path)), path, calendars=4)


def test_json_configuration_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    config = {
        "calendars": {
            "ny": {
                "timezone": "America/New_York",
                "weekly": {"mon": ["09:00-17:00"], "tue": ["08:00-12:00", "13:00-18:00"]},
                "holidays": ["2026-12-24"],
                "holiday_sets": ["US"],
                "overrides": {"2026-11-27": ["09:00-13:00"]},
            },
            "always": {"timezone": "UTC", "weekly": "24x7"},
        }
    }
    path.write_text(json.dumps(config, indent=2))
    assert_ok(run("check", str(path)), path, calendars=2)


def test_json_configuration_problems_name_their_lines(tmp_path: Path) -> None:
    text = '{\n  "calendars": {\n    "c": {\n      "timezone": "Nowhere/City",\n'
    text += '      "weekly": "24x7"\n    }\n  }\n}\n'
    path, lines = check(tmp_path, text, "config.json")
    assert problems(path, lines) == [
        (
            4,
            "calendars.c.timezone",
            "unknown time zone 'Nowhere/City' (expected an IANA name such as Europe/Berlin)",
        )
    ]


@pytest.mark.parametrize(
    "body",
    [
        'weekly: {mon: ["22:00-24:00"], tue: ["00:00-02:00"]}',  # 24:00 meets 00:00
        'weekly: {sun: ["22:00-06:00"], mon: ["06:00-12:00"]}',  # overnight meets Monday
        'weekly: {mon: ["09:00:30-17:00:15"]}',  # seconds
        'weekly: {mon: ["9:00-17:00"]}',  # one-digit hour
        "weekly: 24x7\nholidays: [2026-12-25]\nholiday_sets: [US-CA, DE-BY]",
        'weekly: {mon: ["09:00-17:00"]}\n'
        'overrides: {2026-11-23: [], "2026-11-24": ["10:00-11:00"]}',
    ],
)
def test_valid_calendar_forms(tmp_path: Path, body: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(calendar("timezone: Europe/Berlin\n" + body))
    assert_ok(run("check", str(path)), path, calendars=1)


# --- one problem each: exit 2, one line, the offending key's line --------------------------

CASES = {
    "unknown time zone": (
        calendar("timezone: Mars/Olympus\nweekly: 24x7"),
        "Mars/Olympus",
        "calendars.c.timezone",
        "unknown time zone 'Mars/Olympus'",
    ),
    "hour 25": (
        calendar('timezone: UTC\nweekly:\n  mon: ["09:00-17:00"]\n  tue: ["25:00-17:00"]'),
        "25:00",
        "calendars.c.weekly.tue[0]",
        "invalid time '25:00'",
    ),
    "end equals start": (
        calendar('timezone: UTC\nweekly:\n  mon: ["09:00-09:00"]'),
        "09:00-09:00",
        "calendars.c.weekly.mon[0]",
        "its end equals its start",
    ),
    "starts at 24:00": (
        calendar('timezone: UTC\nweekly:\n  mon: ["24:00-02:00"]'),
        "24:00-02:00",
        "calendars.c.weekly.mon[0]",
        "cannot start at 24:00",
    ),
    "not a window": (
        calendar('timezone: UTC\nweekly:\n  mon: ["9 to 5"]'),
        "9 to 5",
        "calendars.c.weekly.mon[0]",
        "invalid window '9 to 5'",
    ),
    "overlapping windows": (
        calendar('timezone: UTC\nweekly:\n  mon: ["09:00-12:00", "11:00-17:00"]'),
        "mon:",
        "calendars.c.weekly.mon",
        "windows 09:00-12:00 and 11:00-17:00 overlap",
    ),
    "overnight into the next day": (
        calendar('timezone: UTC\nweekly:\n  mon: ["22:00-06:00"]\n  tue: ["05:00-12:00"]'),
        "mon:",
        "calendars.c.weekly.mon",
        "overnight window runs past midnight into tue's window 05:00-12:00",
    ),
    "overnight sunday into monday": (
        calendar('timezone: UTC\nweekly:\n  mon: ["05:00-12:00"]\n  sun: ["22:00-06:00"]'),
        "sun:",
        "calendars.c.weekly.sun",
        "into mon's window",
    ),
    "overnight into an override": (
        calendar(
            'timezone: UTC\nweekly:\n  mon: ["22:00-06:00"]\noverrides:\n'
            '  "2026-11-24": ["05:00-07:00"]'
        ),
        "2026-11-24",
        "calendars.c.overrides.2026-11-24",
        "overnight window runs past midnight",
    ),
    "unknown weekday": (
        calendar('timezone: UTC\nweekly:\n  mon: ["09:00-17:00"]\n  funday: []'),
        "funday",
        "calendars.c.weekly.funday",
        "unknown weekday 'funday'",
    ),
    "weekly neither 24x7 nor a mapping": (
        calendar("timezone: UTC\nweekly: 9to5"),
        "9to5",
        "calendars.c.weekly",
        "expected '24x7' or a mapping of weekdays",
    ),
    "holiday not a date": (
        calendar('timezone: UTC\nweekly: 24x7\nholidays:\n  - "2026-12-25"\n  - Christmas'),
        "Christmas",
        "calendars.c.holidays[1]",
        "invalid date 'Christmas'",
    ),
    "override key not a date": (
        calendar('timezone: UTC\nweekly: 24x7\noverrides:\n  "2026-02-30": []'),
        "2026-02-30",
        "calendars.c.overrides.2026-02-30",
        "invalid date '2026-02-30'",
    ),
    "unknown holiday set": (
        calendar("timezone: UTC\nweekly: 24x7\nholiday_sets:\n  - US\n  - XX"),
        "- XX",
        "calendars.c.holiday_sets[1]",
        "unknown holiday set 'XX'",
    ),
    "unknown subdivision": (
        calendar("timezone: UTC\nweekly: 24x7\nholiday_sets:\n  - US-CA\n  - US-XX"),
        "US-XX",
        "calendars.c.holiday_sets[1]",
        "US has no subdivision 'XX'",
    ),
    "duplicate key": (
        "calendars:\n  c:\n    timezone: UTC\n    weekly: 24x7\n    timezone: Europe/Paris\n",
        "Europe/Paris",
        "calendars.c.timezone",
        "duplicate key",
    ),
    "duplicate calendar": (
        "calendars:\n  c: {timezone: UTC, weekly: 24x7}\n  c: {timezone: UTC, weekly: 24x7}\n",
        None,  # the second "c:" is on line 3
        "calendars.c",
        "duplicate key",
    ),
    "unknown top-level key": (
        calendar("timezone: UTC\nweekly: 24x7") + "calendar_sets: {}\n",
        "calendar_sets",
        "calendar_sets",
        "unknown key",
    ),
    "unknown calendar key": (
        calendar("timezone: UTC\nweekly: 24x7\nholiday: [2026-12-25]"),
        "holiday:",
        "calendars.c.holiday",
        "unknown key",
    ),
    "missing timezone": (
        calendar("weekly: 24x7"),
        "c:",  # reported at the calendar that lacks it
        "calendars.c.timezone",
        "missing required key",
    ),
    "missing weekly": (
        calendar("timezone: UTC"),
        "c:",
        "calendars.c.weekly",
        "missing required key",
    ),
}


@pytest.mark.parametrize(("text", "marker", "path", "message"), CASES.values(), ids=list(CASES))
def test_one_problem_one_line_at_the_key(
    tmp_path: Path, text: str, marker: str | None, path: str, message: str
) -> None:
    file, lines = check(tmp_path, text)
    assert len(lines) == 1, lines
    [(line, key_path, said)] = problems(file, lines)
    assert line == (line_of(text, marker) if marker else 3)
    assert key_path == path
    assert message in said


def test_invalid_yaml_names_its_line(tmp_path: Path) -> None:
    text = calendar('timezone: UTC\nweekly: {mon: ["09:00-17:00"}\nholidays: []')
    file, lines = check(tmp_path, text)
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {file}:{line_of(text, 'weekly')}: invalid YAML: ")


def test_invalid_json_names_its_line(tmp_path: Path) -> None:
    text = '{\n  "calendars": {\n    "c": {"timezone": "UTC",, "weekly": "24x7"}\n  }\n}\n'
    file, lines = check(tmp_path, text, "config.json")
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {file}:3: invalid YAML: ")


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    file, lines = check(tmp_path, "- calendars\n")
    assert lines == [f"error: {file}:1: expected a mapping at the top level"]


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = run("check", str(missing))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {missing}: cannot read file: No such file or directory\n"


# --- several problems: all reported, each at its own line ------------------------------

SEVERAL = """\
calendars:
  us:
    timezone: America/New_Yrok
    weekly:
      mon: ["09:00-17:00", "16:00-18:00"]
    holidays:
      - 2026-12-25
      - next friday
    holiday_sets: [US, ZZ]
    overrides:
      "2026-11-27": ["13:00-09:00:99"]
  eu:
    timezone: Europe/Berlin
    weekly: 24x7
    color: blue
  fine: {timezone: UTC, weekly: 24x7}
policy: []
"""


def test_every_problem_of_a_file_is_reported(tmp_path: Path) -> None:
    file, lines = check(tmp_path, SEVERAL)
    found = problems(file, lines)
    # Each problem at the line of the text that holds the offending key or item.
    markers = {
        "calendars.us.timezone": "New_Yrok",
        "calendars.us.weekly.mon": "16:00-18:00",
        "calendars.us.holidays[1]": "next friday",
        "calendars.us.holiday_sets[1]": "ZZ",
        "calendars.us.overrides.2026-11-27[0]": "09:00:99",
        "calendars.eu.color": "color",
        "policy": "policy",
    }
    assert len(found) == len(lines) == len(markers)
    assert {path: line for line, path, _ in found} == {
        path: line_of(SEVERAL, marker) for path, marker in markers.items()
    }
    assert sorted(line for line, _, _ in found) == [3, 5, 8, 9, 11, 15, 17]


def test_every_problem_inside_weekly_is_reported(tmp_path: Path) -> None:
    text = calendar('timezone: UTC\nweekly:\n  mon: ["25:00-17:00"]\n  funday: []')
    file, lines = check(tmp_path, text)
    assert sorted((line, path) for line, path, _ in problems(file, lines)) == [
        (5, "calendars.c.weekly.mon[0]"),
        (6, "calendars.c.weekly.funday"),
    ]


def test_check_has_help() -> None:
    result = run("check", "--help")
    assert result.returncode == 0
    assert "CONFIG" in result.stdout.upper()
