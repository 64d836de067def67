"""Running the simulator in process and reading its output back."""

from __future__ import annotations

import io
from typing import Any

import orjson

from slakeeper.config import load_config
from slakeeper.core.configuration import Configuration
from slakeeper.core.evaluation import evaluate
from slakeeper.core.events import parse_event
from slakeeper.core.instants import parse_instant_us
from slakeeper.simulation import Pick, Scenario, SimulationStats, simulate


def run(
    scenario: Scenario,
    days: float,
    seed: int = 1,
    config: Configuration | None = None,
    trace: list[Pick] | None = None,
) -> tuple[bytes, SimulationStats]:
    """The JSONL bytes of a run, and its statistics."""
    buffer = io.BytesIO()
    stats = simulate(scenario, days=days, seed=seed, write=buffer.write, config=config, trace=trace)
    return buffer.getvalue(), stats


def documents(data: bytes) -> list[dict[str, Any]]:
    """Each JSONL line, decoded."""
    return [orjson.loads(line) for line in data.splitlines()]


def breaches(data: bytes, config_path: Any, now: str) -> tuple[int, int]:
    """(breached clocks, all clocks) of a history evaluated at ``now``."""
    config = load_config(config_path)
    events = [parse_event(doc, n) for n, doc in enumerate(documents(data), start=1)]
    result = evaluate(events, config, parse_instant_us(now))
    assert result.diagnostics == []
    clocks = [cycle for ticket in result.tickets for cycle in ticket.cycles]
    return sum(c.breached_at is not None for c in clocks), len(clocks)
