"""Shared scenarios for the simulator's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from slakeeper.simulation import default_scenario_path

TINY = """\
start: "2026-03-02T00:00:00Z"
tickets_per_week: 400
day_weights: {mon: 1, tue: 1, wed: 1, thu: 1, fri: 1, sat: 0.2, sun: 0.2}
hour_weights: [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1]
channels: {email: 0.5, chat: 0.5}
severity_mix:
  enterprise: {P1: 0.3, P2: 0.3, P3: 0.4}
  standard: {P1: 0.1, P2: 0.3, P3: 0.6}
accounts:
  - {id: big, tier: enterprise, timezone: Europe/Berlin, share: 1}
  - {id: small, tier: standard, timezone: America/New_York, share: 1}
products:
  api: {weight: 1, label: API, things: [webhook, token]}
  billing: {weight: 1, label: Billing, things: [invoice]}
templates:
  P1: {subjects: ["{product} down"], descriptions: ["{thing} fails for everyone"]}
  P2: {subjects: ["{thing} slow"], descriptions: ["{thing} is slow in {product}"]}
  P3: {subjects: ["question about {thing}"], descriptions: ["how does {thing} work?"]}
teams:
  tier1:
    handling: {median_minutes: 20, sigma: 0.5}
    escalate_to: tier2
    outcomes: {reply: 0.2, pending: 0.2, on_hold: 0.1, escalate: 0.1, solve: 0.4}
  tier2:
    handling: {median_minutes: 30, sigma: 0.5}
    outcomes: {reply: 0.2, solve: 0.8}
agents:
  - {id: ana, team: tier1, timezone: Europe/Berlin, shift: {mon-fri: "09:00-13:00"}}
  - {id: bo, team: tier1, timezone: America/New_York, shift: {mon-fri: "10:00-14:00"},
     skills: [api]}
  - {id: cy, team: tier2, timezone: UTC, shift: {mon-sun: "08:00-20:00"}}
customers:
  reply: {median_minutes: 60, sigma: 1}
  third_party: {median_minutes: 120, sigma: 1}
  reopen: {probability: 0.2, delay: {median_minutes: 600, sigma: 0.5}}
  csat: {probability: 0.5, delay: {median_minutes: 60, sigma: 0.5}}
  close_after_hours: 48
"""

TINY_CONFIG = """\
calendars:
  always: {timezone: UTC, weekly: 24x7}
  office: {timezone: Europe/Berlin, weekly: {mon: ["09:00-17:00"], tue: ["09:00-17:00"],
           wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"]}}
tiers: [enterprise, standard]
policies:
  - id: enterprise
    match: {account_tier: enterprise}
    calendar: always
    targets:
      P1: {first_response: 30m, next_response: 1h, resolution: 4h}
      P2: {first_response: 2h, next_response: 4h, resolution: 8h}
      P3: {first_response: 8h, resolution: 24h}
  - id: standard
    match: {account_tier: standard}
    calendar: office
    targets:
      P1: {first_response: 1h, resolution: 8h}
      P2: {first_response: 4h, resolution: 16h}
      P3: {first_response: 8h, resolution: 40h}
"""


@pytest.fixture
def tiny_files(tmp_path: Path) -> tuple[Path, Path]:
    """The tiny scenario and its configuration, written to files."""
    scenario, config = tmp_path / "tiny.yaml", tmp_path / "tiny-config.yaml"
    scenario.write_text(TINY)
    config.write_text(TINY_CONFIG)
    return scenario, config


DEFAULT_CONFIG = default_scenario_path().parent / "default_config.yaml"
