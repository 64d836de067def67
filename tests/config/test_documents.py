"""parse_document / read_document: values, the line of every key path, refused input."""

from __future__ import annotations

from pathlib import Path

import pytest

from slakeeper.config import Document, parse_document, read_document
from slakeeper.core.errors import ConfigError

TEXT = """\
calendars:
  us:
    timezone: America/New_York
    weekly:
      mon: ["09:00-17:00"]
      tue:
        - "08:00-12:00"
        - 13:00-18:00
    holidays:
      - 2026-12-25
    overrides: {2026-11-27: ["09:00-13:00"]}
  always: {timezone: UTC, weekly: 24x7}
tiers: [enterprise, standard]
"""


def problems_of(text: str, source: str = "cfg.yaml") -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_document(text, source)
    return caught.value.problems


def test_values_are_plain_python() -> None:
    doc = parse_document(TEXT, "cfg.yaml")
    assert doc.source == "cfg.yaml"
    assert doc.data == {
        "calendars": {
            "us": {
                "timezone": "America/New_York",
                "weekly": {"mon": ["09:00-17:00"], "tue": ["08:00-12:00", "13:00-18:00"]},
                "holidays": ["2026-12-25"],
                "overrides": {"2026-11-27": ["09:00-13:00"]},
            },
            "always": {"timezone": "UTC", "weekly": "24x7"},
        },
        "tiers": ["enterprise", "standard"],
    }


def test_every_key_path_has_its_line() -> None:
    doc = parse_document(TEXT)
    assert doc.lines[()] == 1
    expected = {
        ("calendars",): 1,
        ("calendars", "us"): 2,
        ("calendars", "us", "timezone"): 3,
        ("calendars", "us", "weekly"): 4,
        ("calendars", "us", "weekly", "mon"): 5,
        ("calendars", "us", "weekly", "mon", 0): 5,
        ("calendars", "us", "weekly", "tue"): 6,
        ("calendars", "us", "weekly", "tue", 0): 7,
        ("calendars", "us", "weekly", "tue", 1): 8,
        ("calendars", "us", "holidays"): 9,
        ("calendars", "us", "holidays", 0): 10,
        ("calendars", "us", "overrides"): 11,
        ("calendars", "us", "overrides", "2026-11-27"): 11,
        ("calendars", "always"): 12,
        ("calendars", "always", "weekly"): 12,
        ("tiers",): 13,
        ("tiers", 1): 13,
    }
    for path, line in expected.items():
        assert doc.lines[path] == line, path


def test_a_key_s_line_is_the_key_not_its_value() -> None:
    # The value of `mon` starts on the next line; the key is what errors should point at.
    doc = parse_document("weekly:\n  mon:\n    - 09:00-17:00\n")
    assert doc.lines[("weekly", "mon")] == 2
    assert doc.lines[("weekly", "mon", 0)] == 3


def test_line_of_falls_back_to_the_nearest_ancestor() -> None:
    doc = parse_document(TEXT)
    assert doc.line_of(("calendars", "us", "timezone")) == 3
    assert doc.line_of(("calendars", "us", "weekly", "wed", 0)) == 4  # wed is absent
    assert doc.line_of(("nowhere", "at", "all")) == 1  # the document itself


def test_problem_names_file_line_and_key() -> None:
    doc = parse_document(TEXT, "cfg.yaml")
    path = ("calendars", "us", "weekly", "tue", 1)
    assert doc.problem(path, "bad") == "cfg.yaml:8: calendars.us.weekly.tue[1]: bad"
    assert doc.problem((), "bad") == "cfg.yaml:1: bad"
    assert Document(source="x.yaml", data=None).problem(("a",), "bad") == "x.yaml: a: bad"


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("2026-12-25", "2026-12-25"),  # YAML 1.1 would make a date
        ("2026-12-25T10:00:00Z", "2026-12-25T10:00:00Z"),  # ... or a datetime
        ("9:00", "9:00"),  # ... or the integer 540 (sexagesimal)
        ("09:00", "09:00"),
        ("1:30:00", "1:30:00"),  # ... or 5400
        ("1:30.5", "1:30.5"),  # ... or the float 90.5
        ("09:00-17:00", "09:00-17:00"),
        ("24x7", "24x7"),
        ("'5'", "5"),
        ("5", 5),
        ("1.5", 1.5),
        ("0.75", 0.75),
        ("true", True),
        ("null", None),
        ("~", None),
        ("1_000", 1000),
    ],
)
def test_scalars(written: str, value: object) -> None:
    assert parse_document(f"v: {written}\n").data == {"v": value}


def test_date_and_number_keys_become_strings() -> None:
    doc = parse_document("2026-11-27: []\n9:00: a\n5: b\n")
    assert doc.data == {"2026-11-27": [], "9:00": "a", "5": "b"}
    assert doc.lines[("5",)] == 3


def test_empty_document_has_no_data() -> None:
    assert parse_document("").data is None
    assert parse_document("# only a comment\n").data is None


def test_json_is_accepted_with_lines() -> None:
    text = (
        '{\n  "calendars": {\n    "c": {"timezone": "UTC",\n          "weekly": "24x7"}\n  }\n}\n'
    )
    doc = parse_document(text, "cfg.json")
    assert doc.data == {"calendars": {"c": {"timezone": "UTC", "weekly": "24x7"}}}
    assert doc.lines[("calendars", "c", "timezone")] == 3
    assert doc.lines[("calendars", "c", "weekly")] == 4


def test_anchors_and_aliases_are_resolved() -> None:
    doc = parse_document("a: &hours ['09:00-17:00']\nb: *hours\n")
    assert doc.data == {"a": ["09:00-17:00"], "b": ["09:00-17:00"]}
    assert doc.lines[("b",)] == 2


def test_duplicate_keys_are_refused_at_the_second_key() -> None:
    text = "calendars:\n  us:\n    timezone: UTC\n    weekly: 24x7\n    timezone: Europe/Paris\n"
    assert problems_of(text) == ["cfg.yaml:5: calendars.us.timezone: duplicate key"]


def test_every_duplicate_key_is_reported() -> None:
    text = "a: 1\nb:\n  c: 1\n  c: 2\na: 3\n"
    assert problems_of(text) == ["cfg.yaml:4: b.c: duplicate key", "cfg.yaml:5: a: duplicate key"]


def test_keys_equal_after_conversion_to_strings_are_duplicates() -> None:
    assert problems_of("5: a\n'5': b\n") == ["cfg.yaml:2: 5: duplicate key"]


def test_non_scalar_keys_are_refused() -> None:
    [problem] = problems_of("top:\n  ? [a, b]\n  : 1\n")
    assert problem.startswith("cfg.yaml:2: top: ")
    assert problem.endswith("keys must be scalars")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('calendars:\n  c:\n    weekly: {mon: ["09:00-17:00"}\n    timezone: UTC\n', 3),
        ("calendars:\n  c:\n    timezone: UTC\n  weekly: x\n   bad: y\n", 5),
        ("a: 1\nb:\n\t- 2\n", 3),
        ('{"a": 1,\n "b": 2,,\n "c": 3}\n', 2),
        ("a: 'unterminated\nb: 2\n", 3),
    ],
)
def test_invalid_yaml_names_its_line(text: str, line: int) -> None:
    [problem] = problems_of(text)
    assert problem.startswith(f"cfg.yaml:{line}: invalid YAML: ")


def test_read_document_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text(TEXT)
    doc = read_document(path)
    assert doc.source == str(path)
    assert doc.lines[("tiers",)] == 13


def test_read_document_refuses_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    with pytest.raises(ConfigError) as caught:
        read_document(path)
    assert caught.value.problems == [f"{path}: cannot read file: No such file or directory"]


def test_read_document_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Müller\n".encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        read_document(path)
    assert caught.value.problems == [f"{path}: not UTF-8 text"]
