"""Days an agent is away: sick days, vacations and team-wide leave periods.

Public holidays are not drawn here: an agent's shift calendar carries the holiday set of
the agent's country (see :func:`country_of_zone`), so a holiday is simply a closed day.
The days below are drawn from their own generator (seeded from the run's seed), so the
arrivals of a run do not change when only the absences do.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AbsenceModel", "LeavePeriod", "absent_days", "country_of_zone"]

_WORKING_DAYS_PER_YEAR = 250.0


class LeavePeriod(BaseModel):
    """A stretch when a share of a team is away (a conference, a summer, a reorganisation)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    team: str
    from_: date = Field(alias="from")
    to: date
    share: float = Field(gt=0, le=1)


class AbsenceModel(BaseModel):
    """How often agents are away; the shipped scenario uses realistic European-ish numbers."""

    model_config = ConfigDict(extra="forbid")

    public_holidays: bool = True  # each agent's shift skips its country's public holidays
    sick_days_per_year: float = Field(default=0, ge=0, le=100)
    sick_spell_days: tuple[int, int] = (1, 3)
    vacation_days_per_year: float = Field(default=0, ge=0, le=200)
    vacation_block_days: tuple[int, int] = (5, 10)
    periods: list[LeavePeriod] = []


def absent_days(
    model: AbsenceModel, agents: list[tuple[str, str]], first: date, last: date, seed: int
) -> dict[str, set[date]]:
    """Absent dates per agent id, for ``agents`` given as (id, team), between two dates."""
    rng = random.Random(f"absences:{seed}")
    span = (last - first).days + 1
    out: dict[str, set[date]] = {}
    for agent_id, _ in agents:
        days: set[date] = set()
        _sick(rng, model, first, span, days)
        _vacations(rng, model, first, span, days)
        out[agent_id] = days
    for period in model.periods:
        members = [agent_id for agent_id, team in agents if team == period.team]
        away = rng.sample(members, round(len(members) * period.share))
        length = (period.to - period.from_).days + 1
        for agent_id in away:
            out[agent_id].update(period.from_ + timedelta(days=n) for n in range(length))
    return out


def _sick(rng: random.Random, model: AbsenceModel, first: date, span: int, days: set[date]) -> None:
    low, high = model.sick_spell_days
    mean_spell = (low + high) / 2
    # spells start on any calendar day; the rate counts working days only (5 in 7)
    rate = model.sick_days_per_year / mean_spell / (_WORKING_DAYS_PER_YEAR * 7 / 5)
    for offset in range(span):
        if rng.random() < rate:
            length = rng.randint(low, high)
            days.update(first + timedelta(days=offset + n) for n in range(length))


def _vacations(
    rng: random.Random, model: AbsenceModel, first: date, span: int, days: set[date]
) -> None:
    low, high = model.vacation_block_days
    if model.vacation_days_per_year <= 0:
        return
    blocks = model.vacation_days_per_year / ((low + high) / 2) * span / 365.0
    count = int(blocks) + (1 if rng.random() < blocks - int(blocks) else 0)
    for _ in range(count):
        working = rng.randint(low, high)
        begin = rng.randrange(-7, span)  # a block may have begun before the run
        length = working * 7 // 5  # working days → calendar days, weekends included
        days.update(first + timedelta(days=begin + n) for n in range(length))


@cache
def country_of_zone(zone: str) -> str | None:
    """The ISO country code of an IANA zone, from tzdata's zone.tab (None when it has none)."""
    text = (files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3 and parts[2] == zone:
                return parts[0]
    return None


def local_date(at_us: int, zone: object) -> date:
    """The date of a UTC µs instant in a zone."""
    return datetime.fromtimestamp(at_us / 1_000_000, UTC).astimezone(zone).date()  # type: ignore[arg-type]
