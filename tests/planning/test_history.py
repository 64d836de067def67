"""Reading what planning needs from an event log: arrivals, touches, handling times."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest

from slakeeper.core.errors import InputError
from slakeeper.planning.history import read_history
from slakeeper.simulation import load_scenario, simulate


def test_handling_time_read_from_the_log_matches_what_the_simulator_drew(tmp_path: Path) -> None:
    scenario = load_scenario()
    buffer = io.BytesIO()
    stats = simulate(scenario, days=10, seed=4, write=buffer.write)  # picking by age
    path = tmp_path / "events.jsonl"
    path.write_bytes(buffer.getvalue())
    history = read_history(path)
    assert history.created.size == stats.tickets
    for team in ("tier1", "tier2"):
        drawn = np.mean(stats.handling_us[team]) / 1e6
        estimated = history.handling_seconds(team)
        assert estimated is not None
        assert estimated == pytest.approx(drawn, rel=0.12), team
    spec = scenario.model.teams["tier1"].handling
    assert history.handling_seconds("tier1") == pytest.approx(
        spec.median_minutes * 60 * math.exp(spec.sigma**2 / 2), rel=0.12
    )
    # Every agent message counts as work of the team holding the ticket.
    messages = sum(len(at) for at in history.work.values())
    assert messages == buffer.getvalue().count(b'"author":"agent"')
    assert history.touches_per_arrival("tier1") > 1
    escalated = buffer.getvalue().count(b'"type":"assign","at"')
    assert sum(len(at) for at in history.assigned.values()) == escalated
    assert history.arrivals("tier2").size == len(history.assigned["tier2"]) > 0


def test_without_agent_names_the_handling_time_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    lines = [
        '{"id":"a1","ticket":"A","type":"created","at":"2026-01-05T09:00:00Z","team":"t1"}',
        '{"id":"a2","ticket":"A","type":"message","at":"2026-01-05T09:10:00Z","author":"agent"}',
    ]
    path.write_text("\n".join(lines) + "\n")
    history = read_history(path)
    assert history.handling_seconds("t1") is None
    assert history.work == {"t1": [1767604200000000]}


def test_a_bad_line_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"id":"a1","ticket":"A","type":"created","at":"2026-01-05T09:00:00Z"}\n'
        '{"id":"a2","ticket":"A","type":"created","at":"yesterday"}\n'
    )
    with pytest.raises(InputError, match=r"^line 2: at: "):
        read_history(path)
    path.write_text("{nope\n")
    with pytest.raises(InputError, match=r"^line 1: invalid JSON"):
        read_history(path)
    with pytest.raises(InputError, match="cannot read"):
        read_history(tmp_path / "missing.jsonl")
