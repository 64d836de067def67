"""Configuration files → :class:`~slakeeper.core.configuration.Configuration`.

Pydantic checks the shape (known keys, required keys, types); the core checks the meaning
(windows, zones, holiday sets). Every problem becomes one line with the file, the line and
the key path, and all of them are reported together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from slakeeper.config.documents import Document, read_document
from slakeeper.config.problems import Problems
from slakeeper.config.sections import load_sections
from slakeeper.core.calendars import Calendar, make_calendar
from slakeeper.core.configuration import Configuration
from slakeeper.core.errors import ConfigError, KeyPath, SlaError

__all__ = ["load_calendar", "load_config", "load_config_document"]


_M = TypeVar("_M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CalendarModel(_Strict):
    """The shape of one entry of ``calendars``."""

    timezone: str
    weekly: Any
    holidays: list[Any] = []
    holiday_sets: list[Any] = []
    overrides: dict[str, Any] = {}


class ConfigModel(_Strict):
    """The shape of a configuration file's top level."""

    calendars: dict[str, dict[str, Any]] = {}
    # The other sections are checked by slakeeper.config.sections, each on its own, so
    # that a problem in one does not hide those of the others.
    tiers: Any = None
    accounts: Any = None
    policies: Any = None
    escalation_paths: Any = None
    notifiers: Any = None
    triage: Any = None


def load_config(path: str | Path) -> Configuration:
    """Read and validate a configuration file."""
    return load_config_document(read_document(path))


def load_config_document(document: Document) -> Configuration:
    """Validate a parsed configuration; :class:`ConfigError` lists every problem."""
    problems: list[str] = []
    data = document.data if document.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError([document.problem((), "expected a mapping at the top level")])
    top = _validate(ConfigModel, data, (), document, problems)
    calendars: dict[str, Calendar] = {}
    for calendar_id, body in (top.calendars if top else {}).items():
        found = _calendar(calendar_id, body, document, problems)
        if found is not None:
            calendars[calendar_id] = found
    config = load_sections(data, calendars, Problems(document, problems))
    if problems:
        raise ConfigError(problems)
    return config


def load_calendar(path: str | Path, calendar_id: str | None = None) -> Calendar:
    """One calendar of a configuration file: ``calendar_id``, or the only one there is."""
    config = load_config(path)
    if calendar_id is None:
        if len(config.calendars) != 1:
            known = ", ".join(config.calendars) or "none"
            raise ConfigError([f"{path}: name a calendar as FILE:ID (calendars here: {known})"])
        return next(iter(config.calendars.values()))
    if calendar_id not in config.calendars:
        known = ", ".join(config.calendars) or "none"
        raise ConfigError([f"{path}: no calendar {calendar_id!r} (calendars here: {known})"])
    return config.calendars[calendar_id]


def _calendar(
    calendar_id: str, body: Any, document: Document, problems: list[str]
) -> Calendar | None:
    path: KeyPath = ("calendars", calendar_id)
    model = _validate(CalendarModel, body, path, document, problems)
    if model is None:
        return None
    try:
        return make_calendar(
            calendar_id,
            timezone=model.timezone,
            weekly=model.weekly,
            holidays=model.holidays,
            holiday_sets=model.holiday_sets,
            overrides=model.overrides,
        )
    except SlaError as exc:
        for each in exc.details:
            problems.append(document.problem((*path, *each.path), each.message))
        return None


def _validate(
    model: type[_M], data: Any, path: KeyPath, document: Document, problems: list[str]
) -> _M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        for error in errors:
            problems.append(document.problem((*path, *error["loc"]), _message(error)))
    if all(error["type"] == "extra_forbidden" for error in errors) and isinstance(data, dict):
        # Only unknown keys: still check the known ones, so every problem shows at once.
        return model.model_validate({key: data[key] for key in data if key in model.model_fields})
    return None


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing required key"
    return str(error["msg"])
