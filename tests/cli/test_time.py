"""``slakeeper time add|between|batch`` run as a real subprocess on config files in tmp_path.

Expected values are worked out by hand in the comments. The business calendar is New York,
Monday to Friday 09:00-17:00. In November 2026 New York is on EST (UTC-5): 09:00 local is
14:00Z and 17:00 local is 22:00Z. 2026-11-20 is a Friday, 2026-11-23 a Monday.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BUSINESS = """\
calendars:
  ny:
    timezone: America/New_York
    weekly:
      mon: ["09:00-17:00"]
      tue: ["09:00-17:00"]
      wed: ["09:00-17:00"]
      thu: ["09:00-17:00"]
      fri: ["09:00-17:00"]
"""

ALWAYS = """\
calendars:
  always: {timezone: UTC, weekly: 24x7}
"""

TWO = BUSINESS + "  always: {timezone: UTC, weekly: 24x7}\n"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``slakeeper ARGS`` in a fresh interpreter, as a user would."""
    env = {key: value for key, value in os.environ.items() if key != "SLAKEEPER_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "slakeeper.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The single stdout line of a successful run."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1, result.stdout
    return result.stdout.strip()


def bad(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 2, nothing on stdout, exactly one stderr line containing every needle."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.fixture
def business(tmp_path: Path) -> str:
    path = tmp_path / "business.yaml"
    path.write_text(BUSINESS)
    return str(path)


@pytest.fixture
def always(tmp_path: Path) -> str:
    path = tmp_path / "always.yaml"
    path.write_text(ALWAYS)
    return str(path)


@pytest.fixture
def two(tmp_path: Path) -> str:
    path = tmp_path / "two.yaml"
    path.write_text(TWO)
    return str(path)


def add(calendar: str, start: str, duration: str) -> subprocess.CompletedProcess[str]:
    return run("time", "add", "--calendar", calendar, "--start", start, "--duration", duration)


def between(calendar: str, start: str, end: str) -> subprocess.CompletedProcess[str]:
    return run("time", "between", "--calendar", calendar, "--start", start, "--end", end)


# --- time add ---------------------------------------------------------------------------


def test_add_friday_afternoon_plus_4h_is_monday_11_new_york(business: str) -> None:
    # Friday 15:00 New York: 2 h left on Friday (15-17), the weekend is closed, 2 more h on
    # Monday from 09:00: due Monday 11:00 EST = 16:00Z.
    assert ok(add(business, "2026-11-20T15:00:00-05:00", "4h")) == "2026-11-23T16:00:00Z"
    assert ok(add(business, "2026-11-20T20:00:00Z", "4h")) == "2026-11-23T16:00:00Z"


def test_add_across_spring_forward_answers_in_utc(business: str) -> None:
    # 2026-03-08 (Sunday) New York moves to EDT (UTC-4). Friday 03-06 15:00 EST (20:00Z)
    # + 4h is Monday 03-09 11:00 EDT = 15:00Z.
    assert ok(add(business, "2026-03-06T20:00:00Z", "4h")) == "2026-03-09T15:00:00Z"


def test_add_ending_at_closing_time_is_due_at_the_close(business: str) -> None:
    # Monday 09:00 + 8h uses the whole day: due Monday 17:00 (22:00Z), not Tuesday 09:00.
    assert ok(add(business, "2026-11-23T14:00:00Z", "8h")) == "2026-11-23T22:00:00Z"
    # One second more spills over to Tuesday 09:00:01 (14:00:01Z).
    assert ok(add(business, "2026-11-23T14:00:00Z", "28801")) == "2026-11-24T14:00:01Z"


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-11-23T15:00:00Z", "2026-11-23T15:00:00Z"),  # open: start itself
        ("2026-11-23T22:00:00Z", "2026-11-24T14:00:00Z"),  # at the close: next opening
        ("2026-11-21T15:00:00Z", "2026-11-23T14:00:00Z"),  # Saturday: Monday 09:00
        ("2026-11-23T14:00:00Z", "2026-11-23T14:00:00Z"),  # at the opening instant
    ],
)
def test_add_zero_is_start_when_open_else_next_opening(
    business: str, start: str, expected: str
) -> None:
    assert ok(add(business, start, "0")) == expected


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("1h30m", "2026-11-23T15:30:00Z"),
        ("15m", "2026-11-23T14:15:00Z"),
        ("90s", "2026-11-23T14:01:30Z"),
        ("5400", "2026-11-23T15:30:00Z"),
        ("40h", "2026-11-27T22:00:00Z"),  # five whole 8-hour days: Friday 17:00
        ("1.5", "2026-11-23T14:00:01.5Z"),
        ("0.000001", "2026-11-23T14:00:00.000001Z"),
    ],
)
def test_add_duration_forms(business: str, duration: str, expected: str) -> None:
    assert ok(add(business, "2026-11-23T14:00:00Z", duration)) == expected


def test_add_output_has_a_fraction_only_when_non_zero(always: str) -> None:
    assert ok(add(always, "2026-11-23T14:00:00.25Z", "0.75")) == "2026-11-23T14:00:01Z"
    assert ok(add(always, "2026-11-23T14:00:00.25Z", "0.5")) == "2026-11-23T14:00:00.75Z"
    # Offsets are converted: 15:00+01:00 is 14:00Z.
    assert ok(add(always, "2026-11-23T15:00:00+01:00", "0")) == "2026-11-23T14:00:00Z"


def test_days_are_refused_on_a_business_calendar(business: str) -> None:
    bad(add(business, "2026-11-23T14:00:00Z", "2d"), "--duration", "'2d'", "40h")


def test_days_work_on_a_24x7_calendar(always: str) -> None:
    assert ok(add(always, "2026-11-20T20:00:00Z", "2d")) == "2026-11-22T20:00:00Z"
    assert ok(add(always, "2026-11-20T20:00:00Z", "1d12h")) == "2026-11-22T08:00:00Z"


@pytest.mark.parametrize("duration", ["-1h", "-5", "-0.5"])
def test_negative_durations_are_refused(business: str, duration: str) -> None:
    bad(add(business, "2026-11-23T14:00:00Z", duration), "--duration", "negative")


def test_unreadable_duration_is_refused(business: str) -> None:
    bad(add(business, "2026-11-23T14:00:00Z", "soon"), "--duration", "'soon'")


def test_naive_start_is_refused(business: str) -> None:
    bad(add(business, "2026-11-23T14:00:00", "1h"), "--start", "naive")


def test_a_calendar_with_no_more_open_time_is_an_error_not_a_loop(tmp_path: Path) -> None:
    path = tmp_path / "once.yaml"
    path.write_text(
        "calendars:\n"
        "  once:\n"
        "    timezone: UTC\n"
        "    weekly: {}\n"
        '    overrides: {"2026-01-05": ["09:00-10:00"]}\n'
    )
    assert ok(add(str(path), "2026-01-05T09:30:00Z", "30m")) == "2026-01-05T10:00:00Z"
    bad(add(str(path), "2026-01-05T09:30:00Z", "31m"), "once", "no open time")


# --- time between -----------------------------------------------------------------------


def test_between_friday_15_and_monday_11_is_4h(business: str) -> None:
    assert ok(between(business, "2026-11-20T20:00:00Z", "2026-11-23T16:00:00Z")) == "14400"
    # The same instants written with New York offsets.
    start, end = "2026-11-20T15:00:00-05:00", "2026-11-23T11:00:00-05:00"
    assert ok(between(business, start, end)) == "14400"


def test_between_is_zero_when_end_is_not_after_start(business: str) -> None:
    assert ok(between(business, "2026-11-23T16:00:00Z", "2026-11-23T15:00:00Z")) == "0"
    assert ok(between(business, "2026-11-23T16:00:00Z", "2026-11-23T16:00:00Z")) == "0"


def test_between_prints_decimals_only_when_needed_and_never_an_exponent(
    business: str, always: str
) -> None:
    # Half a second less than 4h.
    assert ok(between(business, "2026-11-20T20:00:00.5Z", "2026-11-23T16:00:00Z")) == "14399.5"
    # One microsecond: Python would print 1e-06.
    assert ok(between(business, "2026-11-23T14:00:00Z", "2026-11-23T14:00:00.000001Z")) == (
        "0.000001"
    )
    # The whole representable range: 315,537,897,600 s (days 1-01-01 to 10000-01-01) less 1 µs.
    assert ok(between(always, "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z")) == (
        "315537897599.999999"
    )


def test_between_counts_a_week_of_business_days(business: str) -> None:
    # Saturday to Saturday: five 8-hour days.
    assert ok(between(business, "2026-11-21T00:00:00Z", "2026-11-28T00:00:00Z")) == "144000"


@pytest.mark.parametrize("option", ["--start", "--end"])
def test_between_refuses_naive_instants(business: str, option: str) -> None:
    instants = {"--start": "2026-11-23T14:00:00Z", "--end": "2026-11-23T16:00:00Z"}
    instants[option] = "2026-11-23T15:00:00"
    bad(between(business, instants["--start"], instants["--end"]), option, "naive")


# --- FILE[:ID] --------------------------------------------------------------------------


def test_file_alone_works_when_it_has_one_calendar(business: str) -> None:
    assert ok(add(business, "2026-11-20T20:00:00Z", "4h")) == "2026-11-23T16:00:00Z"
    assert ok(add(f"{business}:ny", "2026-11-20T20:00:00Z", "4h")) == "2026-11-23T16:00:00Z"


def test_file_with_several_calendars_needs_an_id(two: str) -> None:
    line = bad(add(two, "2026-11-20T20:00:00Z", "4h"), "FILE:ID", "ny", "always")
    assert line.startswith(f"error: {two}:")
    assert ok(add(f"{two}:ny", "2026-11-20T20:00:00Z", "4h")) == "2026-11-23T16:00:00Z"
    assert ok(add(f"{two}:always", "2026-11-20T20:00:00Z", "4h")) == "2026-11-21T00:00:00Z"
    assert ok(between(f"{two}:always", "2026-11-20T20:00:00Z", "2026-11-21T00:00:00Z")) == "14400"


def test_unknown_calendar_id_is_refused(two: str) -> None:
    bad(add(f"{two}:nope", "2026-11-20T20:00:00Z", "4h"), "'nope'", "ny, always")


def test_missing_calendar_file_is_refused(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.yaml")
    bad(add(missing, "2026-11-20T20:00:00Z", "4h"), "missing.yaml", "cannot read file")
    bad(add(f"{missing}:ny", "2026-11-20T20:00:00Z", "4h"), "missing.yaml", "cannot read file")


def test_json_calendar_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "calendars.json"
    weekly = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    calendar = {"timezone": "America/New_York", "weekly": weekly}
    path.write_text(json.dumps({"calendars": {"ny": calendar}}, indent=2))
    assert ok(add(str(path), "2026-11-20T20:00:00Z", "4h")) == "2026-11-23T16:00:00Z"


def test_time_commands_refuse_an_invalid_configuration_with_every_problem(
    tmp_path: Path,
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "calendars:\n  ny:\n    timezone: Mars/Olympus\n    weekly: 24x7\n    holidays: [someday]\n"
    )
    result = add(str(path), "2026-11-20T20:00:00Z", "4h")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {path}:3: calendars.ny.timezone: unknown time zone 'Mars/Olympus' "
        "(expected an IANA name such as Europe/Berlin)",
        f"error: {path}:5: calendars.ny.holidays[0]: invalid date 'someday': expected YYYY-MM-DD",
    ]


# --- time batch -------------------------------------------------------------------------


def batch(calendar: str, *lines: str) -> list[str]:
    """Run a batch and return its output lines (exit 0, nothing on stderr)."""
    result = run("time", "batch", "--calendar", calendar, stdin="".join(f"{x}\n" for x in lines))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout.splitlines()


def request(**fields: object) -> str:
    return json.dumps(fields)


def test_batch_answers_each_line_in_order(business: str) -> None:
    out = batch(
        business,
        request(op="add", start="2026-11-20T20:00:00Z", seconds=14400),
        request(op="between", start="2026-11-20T20:00:00Z", end="2026-11-23T16:00:00Z"),
        request(op="add", start="2026-11-23T14:00:00Z", seconds=8 * 3600),
        request(op="add", start="2026-11-23T14:00:00Z", seconds=1.5),
        request(op="between", start="2026-11-23T14:00:00Z", end="2026-11-23T14:00:00.000001Z"),
        request(op="add", start="2026-11-23T14:00:00Z", duration="1h30m"),
        request(op="add", start="2026-11-21T15:00:00Z", seconds=0),
    )
    # The exact text matters: instants as JSON strings, seconds as plain JSON numbers.
    assert out == [
        '{"result": "2026-11-23T16:00:00Z"}',
        '{"result": 14400}',
        '{"result": "2026-11-23T22:00:00Z"}',
        '{"result": "2026-11-23T14:00:01.5Z"}',
        '{"result": 0.000001}',
        '{"result": "2026-11-23T15:30:00Z"}',
        '{"result": "2026-11-23T14:00:00Z"}',
    ]


def test_batch_reports_bad_lines_and_still_answers_the_others(business: str) -> None:
    good_add = request(op="add", start="2026-11-20T20:00:00Z", seconds=14400)
    good_between = request(op="between", start="2026-11-20T20:00:00Z", end="2026-11-23T16:00:00Z")
    lines = [
        good_add,  # 1
        '{"op": "add", "start": "2026-11-20T20:00:00Z"',  # 2 broken JSON
        request(op="add", start="2026-11-20T20:00:00", seconds=60),  # 3 naive instant
        request(op="add", seconds=60),  # 4 missing start
        request(op="between", start="2026-11-20T20:00:00Z"),  # 5 missing end
        request(op="add", start="2026-11-20T20:00:00Z"),  # 6 missing seconds
        request(op="multiply", start="2026-11-20T20:00:00Z", seconds=60),  # 7 unknown op
        request(start="2026-11-20T20:00:00Z", seconds=60),  # 8 missing op
        request(op="add", start="2026-11-20T20:00:00Z", seconds=-1),  # 9 negative seconds
        request(  # 10 pause a > b
            op="add",
            start="2026-11-23T14:00:00Z",
            seconds=60,
            pauses=[["2026-11-23T15:00:00Z", "2026-11-23T14:30:00Z"]],
        ),
        request(op="add", start="2026-11-20T20:00:00Z", seconds="2d"),  # 11 days on business
        "[1, 2]",  # 12 not an object
        good_between,  # 13
    ]
    out = batch(business, *lines)
    assert len(out) == len(lines)
    assert out[0] == '{"result": "2026-11-23T16:00:00Z"}'
    assert out[-1] == '{"result": 14400}'
    expected = {
        2: "invalid JSON",
        3: "start: naive instant",
        4: "start: missing",
        5: "end: missing",
        6: "seconds: missing",
        7: "op: unknown op 'multiply'",
        8: "op: missing",
        9: "seconds: negative",
        10: "pauses[0]: pause starts after it ends",
        11: "seconds: duration '2d' uses days",
        12: "expected a JSON object",
    }
    for number, needle in expected.items():
        answer = json.loads(out[number - 1])
        assert list(answer) == ["error"], answer
        assert answer["error"].startswith(f"line {number}: "), answer
        assert needle in answer["error"], (needle, answer)


def test_batch_pauses_count_as_closed(business: str) -> None:
    monday_9 = "2026-11-23T14:00:00Z"
    out = batch(
        business,
        # 1h from 09:00 with 09:30-10:00 paused: due 10:30 local = 15:30Z.
        request(
            op="add",
            start=monday_9,
            seconds=3600,
            pauses=[["2026-11-23T14:30:00Z", "2026-11-23T15:00:00Z"]],
        ),
        # 09:00-11:00 less overlapping pauses 09:30-10:00 and 09:45-10:15 (45 min in all).
        request(
            op="between",
            start=monday_9,
            end="2026-11-23T16:00:00Z",
            pauses=[
                ["2026-11-23T14:30:00Z", "2026-11-23T15:00:00Z"],
                ["2026-11-23T14:45:00Z", "2026-11-23T15:15:00Z"],
            ],
        ),
        # A pause over closing time (16:00-18:00 local) removes only the open hour 16-17:
        # Monday 09:00 to Tuesday 10:00 is 9h open, 8h counted.
        request(
            op="between",
            start=monday_9,
            end="2026-11-24T15:00:00Z",
            pauses=[["2026-11-23T21:00:00Z", "2026-11-23T23:00:00Z"]],
        ),
        # Zero seconds while paused: the end of the pause.
        request(
            op="add",
            start=monday_9,
            seconds=0,
            pauses=[["2026-11-23T14:00:00Z", "2026-11-23T14:30:00Z"]],
        ),
        # An empty pause (a == b) changes nothing; "pauses": null is no pauses.
        request(op="add", start=monday_9, seconds=60, pauses=[[monday_9, monday_9]]),
        request(op="add", start=monday_9, seconds=60, pauses=None),
        # A naive instant inside a pause names its place.
        request(op="add", start=monday_9, seconds=60, pauses=[[monday_9, "2026-11-23T15:00"]]),
        request(op="add", start=monday_9, seconds=60, pauses={"a": 1}),
    )
    assert out[:6] == [
        '{"result": "2026-11-23T15:30:00Z"}',
        '{"result": 4500}',
        '{"result": 28800}',
        '{"result": "2026-11-23T14:30:00Z"}',
        '{"result": "2026-11-23T14:01:00Z"}',
        '{"result": "2026-11-23T14:01:00Z"}',
    ]
    assert json.loads(out[6])["error"].startswith("line 7: pauses[0][1]: naive instant")
    assert json.loads(out[7])["error"].startswith("line 8: pauses: expected a list")


def test_batch_days_work_on_a_24x7_calendar(always: str) -> None:
    out = batch(
        always,
        request(op="add", start="2026-11-20T20:00:00Z", seconds="2d"),
        request(op="add", start="2026-11-20T20:00:00Z", duration="1d"),
        request(op="between", start="2026-11-20T20:00:00Z", end="2026-11-22T20:00:00.5Z"),
    )
    assert out == [
        '{"result": "2026-11-22T20:00:00Z"}',
        '{"result": "2026-11-21T20:00:00Z"}',
        '{"result": 172800.5}',
    ]


def test_batch_with_no_input_prints_nothing(business: str) -> None:
    assert batch(business) == []


def test_batch_with_a_bad_calendar_exits_2(two: str) -> None:
    result = run("time", "batch", "--calendar", two, stdin=request(op="add"))
    bad(result, "FILE:ID")


def test_every_time_command_has_help() -> None:
    for command in (["time"], ["time", "add"], ["time", "between"], ["time", "batch"]):
        result = run(*command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout
