"""A deterministic discrete-event simulator of a B2B support organisation (docs/simulator.md).

It writes the event stream of DESIGN.md section 5; the clock engine computes every SLA
number from that stream. The simulator asks the core only which ticket is due first.
"""

from slakeeper.simulation.engine import Pick, SimulationStats, Simulator, simulate
from slakeeper.simulation.scenario import (
    Scenario,
    default_scenario_path,
    emit_accounts,
    load_scenario,
    parse_scenario,
    scenario_text,
)

__all__ = [
    "Pick",
    "Scenario",
    "SimulationStats",
    "Simulator",
    "default_scenario_path",
    "emit_accounts",
    "load_scenario",
    "parse_scenario",
    "scenario_text",
    "simulate",
]
