"""Erlang C requests: one case from CLI options or a JSONL line, checked field by field.

A request has ``arrivals`` per ``interval_seconds``, ``aht_seconds``,
``answer_within_seconds``, and either ``service_level`` (the target, solve for agents) or
``agents`` (given, compute the figures); optional ``max_occupancy`` and ``shrinkage``.
Every problem names its field; :func:`answer_requests` solves all cases in two vectorised
calls and returns the JSON result lines in input order.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from slakeeper.core.durations import parse_duration
from slakeeper.core.errors import InputError, SlaError
from slakeeper.planning import erlang

__all__ = [
    "FIELDS",
    "ErlangRequest",
    "answer_requests",
    "number_text",
    "parse_request",
    "result_json",
]

FIELDS = (
    "arrivals",
    "interval_seconds",
    "aht_seconds",
    "answer_within_seconds",
    "service_level",
    "agents",
    "max_occupancy",
    "shrinkage",
)
RESULT_FIELDS = (
    "offered_load",
    "agents_raw",
    "agents",
    "wait_probability",
    "service_level",
    "asa_seconds",
    "occupancy",
)


@dataclass(frozen=True)
class ErlangRequest:
    """One checked case (times in seconds)."""

    arrivals: float
    interval_seconds: float
    aht_seconds: float
    answer_within_seconds: float
    service_level: float | None
    agents: int | None
    max_occupancy: float = 1.0
    shrinkage: float = 0.0


def parse_request(values: dict[str, Any], names: dict[str, str] | None = None) -> ErlangRequest:
    """Check one case; ``names`` maps fields to how the user wrote them (``--aht``).

    Durations may be seconds or written (``4m``); shares may be ``0.8`` or ``"80%"``.
    Raises :class:`InputError` naming the first bad field.
    """
    names = names or {}

    def named(field: str) -> str:
        return names.get(field, field)

    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise InputError(f"unknown field (expected {', '.join(FIELDS)})", path=(unknown[0],))
    for field in ("arrivals", "interval_seconds", "aht_seconds", "answer_within_seconds"):
        if values.get(field) is None:
            raise InputError("missing required field", path=(named(field),))
    if (values.get("service_level") is None) == (values.get("agents") is None):
        raise InputError(
            f"give exactly one of {named('service_level')} and {named('agents')}",
            path=(named("service_level"),),
        )
    interval = _seconds(values["interval_seconds"], named("interval_seconds"))
    if interval <= 0:
        raise InputError("must be positive", path=(named("interval_seconds"),))
    aht = _seconds(values["aht_seconds"], named("aht_seconds"))
    if aht <= 0:
        raise InputError("must be positive", path=(named("aht_seconds"),))
    return ErlangRequest(
        arrivals=_number(values["arrivals"], named("arrivals"), low=0.0),
        interval_seconds=interval,
        aht_seconds=aht,
        answer_within_seconds=_seconds(
            values["answer_within_seconds"], named("answer_within_seconds")
        ),
        service_level=_optional_share(values, "service_level", named, open_top=True),
        agents=_optional_count(values.get("agents"), named("agents")),
        max_occupancy=_share(values.get("max_occupancy", 1.0), named("max_occupancy"), zero=False),
        shrinkage=_share(values.get("shrinkage", 0.0), named("shrinkage"), top=False),
    )


def _number(value: Any, field: str, *, low: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(f"expected a number, got {value!r}", path=(field,))
    try:
        number = float(value)
    except ValueError:
        raise InputError(f"expected a number, got {value!r}", path=(field,)) from None
    if not math.isfinite(number) or number < low:
        raise InputError(f"expected a finite number >= {low:g}, got {value!r}", path=(field,))
    return number


def _seconds(value: Any, field: str) -> float:
    try:
        return parse_duration(value) / 1e6
    except SlaError as exc:
        raise InputError(exc.message, path=(field,)) from None


def _share(value: Any, field: str, *, zero: bool = True, top: bool = True) -> float:
    """A share in [0, 1], written 0.8 or "80%"; ``zero``/``top`` say if 0 and 1 are allowed."""
    text = value.strip() if isinstance(value, str) else value
    percent = isinstance(text, str) and text.endswith("%")
    number = _number(text[:-1] if percent else text, field, low=0.0)
    share = number / 100 if percent else number
    if share > 1 or (share == 0 and not zero) or (share == 1 and not top):
        low = "0 <" if not zero else "0 <="
        high = "<= 1" if top else "< 1"
        raise InputError(f"expected a share with {low} x {high}, got {value!r}", path=(field,))
    return share


def _optional_share(
    values: dict[str, Any], key: str, named: Any, *, open_top: bool
) -> float | None:
    value = values.get(key)
    if value is None:
        return None
    return _share(value, named(key), zero=False, top=not open_top)


def _optional_count(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(f"expected a whole number, got {value!r}", path=(field,))
    number = _number(value, field, low=0.0)
    if number != int(number):
        raise InputError(f"expected a whole number, got {value!r}", path=(field,))
    return int(number)


def answer_requests(requests: list[ErlangRequest]) -> list[dict[str, float | int | None]]:
    """Results in input order: targets solved in one vectorised call, given staffing in another."""
    results: list[dict[str, float | int | None]] = [{} for _ in requests]
    solve = [i for i, r in enumerate(requests) if r.service_level is not None]
    given = [i for i, r in enumerate(requests) if r.service_level is None]
    if solve:
        table = erlang.solve(
            *_columns([requests[i] for i in solve]),
            np.array([requests[i].service_level for i in solve], float),
            max_occupancy=np.array([requests[i].max_occupancy for i in solve]),
            shrinkage=np.array([requests[i].shrinkage for i in solve]),
        )
        for row, index in enumerate(solve):
            results[index] = table.row(row)
    if given:
        cases = [requests[i] for i in given]
        scheduled = np.array([r.agents for r in cases], np.int64)
        productive = erlang.productive_agents(scheduled, [r.shrinkage for r in cases])
        load, aht, within = _columns(cases)
        table = erlang.evaluate_agents(load, productive, aht, within, scheduled)
        for row, index in enumerate(given):
            results[index] = table.row(row)
    return results


def _columns(cases: list[ErlangRequest]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    load = erlang.offered_load(
        [r.arrivals for r in cases],
        [r.interval_seconds for r in cases],
        [r.aht_seconds for r in cases],
    )
    aht = np.array([r.aht_seconds for r in cases])
    within = np.array([r.answer_within_seconds for r in cases])
    return load, aht, within


def number_text(value: float | int | None) -> str:
    """A JSON number: integral when whole, else at most 12 decimals, never exponent form."""
    if value is None:
        return "null"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    text = f"{value:.12f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def result_json(result: dict[str, float | int | None]) -> str:
    """One result as a JSON object, fields in the documented order."""
    body = ", ".join(f"{json.dumps(key)}: {number_text(result[key])}" for key in RESULT_FIELDS)
    return "{" + body + "}"
