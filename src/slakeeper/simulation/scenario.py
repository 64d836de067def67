"""Simulation scenarios: a YAML file validated like the configuration (``FILE:LINE: key: …``).

Pydantic checks the shape (known keys, types); :func:`load_scenario` then checks the
meaning (time zones, shifts, references between sections) and reports every problem at
once as a :class:`~slakeeper.core.errors.ConfigError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from slakeeper.config.documents import Document, parse_document, read_document
from slakeeper.config.problems import Problems
from slakeeper.core.calendars import Calendar, make_calendar
from slakeeper.core.errors import ConfigError, KeyPath, SlaError
from slakeeper.core.instants import parse_instant_us
from slakeeper.core.zones import load_zone
from slakeeper.simulation.absences import AbsenceModel, country_of_zone

__all__ = [
    "CHANNELS",
    "DAYS",
    "TEAM_OUTCOMES",
    "TIERS",
    "AgentSpec",
    "Scenario",
    "ScenarioModel",
    "default_scenario_path",
    "emit_accounts",
    "load_scenario",
    "parse_scenario",
    "scenario_text",
]

TIERS = ("enterprise", "mid_market", "standard")
CHANNELS = ("email", "slack", "teams", "chat", "web_form", "api")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# hand_back: assign the ticket back to the team it came from (a reply at the intake team)
TEAM_OUTCOMES = ("reply", "pending", "on_hold", "escalate", "solve", "hand_back")

Tier = Literal["enterprise", "mid_market", "standard"]
Channel = Literal["email", "slack", "teams", "chat", "web_form", "api"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class LogNormal(_Strict):
    """A lognormal delay or duration: its median in minutes and the sigma of its log."""

    median_minutes: float = Field(gt=0)
    sigma: float = Field(default=0.8, ge=0, le=4)


class AccountModel(_Strict):
    """One customer account."""

    id: str
    name: str | None = None
    tier: Tier
    timezone: str
    size: int | None = Field(default=None, ge=1)
    share: float | None = Field(default=None, ge=0)


class BurstModel(_Strict):
    """Incident bursts: several accounts report the same outage within minutes."""

    per_week: float = Field(ge=0)
    accounts: tuple[int, int] = (3, 6)
    within_minutes: float = Field(default=20, gt=0)
    severity: str = "P1"


class ProductModel(_Strict):
    """A product area: its share of tickets, its label and the things that break in it."""

    weight: float = Field(ge=0)
    label: str
    things: list[str] = Field(min_length=1)


class TemplateModel(_Strict):
    """Subjects and short descriptions for one severity (``{product}``, ``{thing}``)."""

    subjects: list[str] = Field(min_length=1)
    descriptions: list[str] = Field(min_length=1)


class TeamModel(_Strict):
    """A team: how long a piece of work takes and what its agents do at the end of it."""

    handling: LogNormal
    escalate_to: str | None = None
    outcomes: dict[str, float]


class AgentModel(_Strict):
    """An agent, or ``count`` alike agents named ``ID-1`` … ``ID-N``."""

    id: str
    count: int = Field(default=1, ge=1)
    team: str
    timezone: str
    shift: dict[str, Any]
    holiday_sets: list[str] | None = None  # default: the country of `timezone`, or `country`
    country: str | None = None
    skills: list[str] | None = None


class CsatModel(_Strict):
    """CSAT survey answers: how often, how long after solving, how speed sets the score."""

    probability: float = Field(ge=0, le=1)
    delay: LogNormal
    fast_hours: float = Field(default=4, gt=0)


class ReopenModel(_Strict):
    """How often and how long after solving a customer reopens."""

    probability: float = Field(ge=0, le=1)
    delay: LogNormal


class ChangesModel(_Strict):
    """Severity changes during a ticket's life, as ``update`` events."""

    raise_to_p1: float = Field(default=0, ge=0, le=1)  # a non-P1 that turns out to be an outage
    lower: float = Field(default=0, ge=0, le=1)  # a P1/P2 lowered one step once understood
    delay: LogNormal = LogNormal(median_minutes=120, sigma=1.0)  # after creation
    while_solved: float = Field(default=0, ge=0, le=1)  # changed after the solve, before closing
    reopen_after_change: float = Field(default=0.5, ge=0, le=1)  # ... and the customer reopens


class CustomersModel(_Strict):
    """How customers and third parties behave."""

    reply: LogNormal
    third_party: LogNormal
    reopen: ReopenModel
    csat: CsatModel
    close_after_hours: float = Field(default=96, gt=0)


class ScenarioModel(_Strict):
    """The shape of a scenario file's top level."""

    start: str = "2026-01-05T00:00:00Z"
    config: str | None = None
    staffing: float = Field(default=1.0, gt=0)
    tickets_per_week: float = Field(gt=0)
    day_weights: dict[str, float]
    hour_weights: list[float] = Field(min_length=24, max_length=24)
    season: dict[str, float] = {}
    channels: dict[Channel, float]
    severity_mix: dict[Tier, dict[str, float]]
    accounts: list[AccountModel] = Field(min_length=1)
    bursts: BurstModel | None = None
    products: dict[str, ProductModel] = Field(min_length=1)
    templates: dict[str, TemplateModel]
    intake_team: str = "tier1"
    teams: dict[str, TeamModel] = Field(min_length=1)
    agents: list[AgentModel] = Field(min_length=1)
    customers: CustomersModel
    absences: AbsenceModel | None = None
    changes: ChangesModel | None = None


@dataclass(frozen=True)
class AgentSpec:
    """One agent, expanded from its group; ``calendar`` is its shift."""

    id: str
    team: str
    timezone: str
    calendar: Calendar
    skills: frozenset[str] | None


@dataclass
class Scenario:
    """A validated scenario, ready for the engine."""

    model: ScenarioModel
    source: str
    start: int  # UTC µs
    config_path: Path | None
    agents: list[AgentSpec]
    hour_of_week: list[float]  # 168 weights, Monday 00h first, mean 1

    @property
    def accounts(self) -> list[AccountModel]:
        """The accounts, in file order."""
        return self.model.accounts


SHIPPED = ("default", "thin")  # scenarios shipped with slakeeper, by name


def default_scenario_path() -> Path:
    """The scenario shipped with slakeeper (about 100,000 tickets a year, 53 agents)."""
    return shipped_scenario_path("default")


def shipped_scenario_path(name: str) -> Path:
    """A scenario shipped with slakeeper: ``default`` or ``thin`` (70% of the agents)."""
    return Path(str(files("slakeeper.simulation") / f"{name}_scenario.yaml"))


def load_scenario(path: str | Path | None = None, *, staffing: float | None = None) -> Scenario:
    """Read and validate a scenario file, or a shipped one by name (default when None)."""
    if path is None or (str(path) in SHIPPED and not Path(path).exists()):
        path = shipped_scenario_path(str(path or "default"))
    return parse_scenario(read_document(path), staffing=staffing)


def parse_scenario(document: Document, *, staffing: float | None = None) -> Scenario:
    """Validate a parsed scenario document; :class:`ConfigError` lists every problem."""
    data = document.data
    if not isinstance(data, dict):
        raise ConfigError([document.problem((), "expected a mapping at the top level")])
    if "base" in data:
        data = _over_base(document, data)
    check = _Checker(document, [])
    model = check.shape(ScenarioModel, data, ())
    if model is None or check.count:  # the shape first: the checks below rely on it
        raise ConfigError(check.lines)
    start = check.instant(model.start)
    check.weights(model)
    check.references(model)
    check.absences(model)
    factor = model.staffing if staffing is None else staffing
    agents = check.agents(model, factor)
    config_path = None
    if model.config is not None:
        config_path = Path(model.config)
        if not config_path.is_absolute():
            config_path = Path(document.source).resolve().parent / config_path
        if not config_path.is_file():
            check.add(("config",), f"no configuration file {str(config_path)!r}")
    if check.count:
        raise ConfigError(check.lines)
    return Scenario(
        model=model,
        source=document.source,
        start=start,
        config_path=config_path,
        agents=agents,
        hour_of_week=_hour_of_week(model),
    )


def _over_base(document: Document, data: dict[str, Any]) -> dict[str, Any]:
    """The scenario's keys over those of its ``base`` (a shipped name or a file).

    Only top-level keys are replaced. A relative ``config`` of the base stays relative to
    the base's own folder.
    """
    base = data["base"]
    if not isinstance(base, str) or not base:
        raise ConfigError([document.problem(("base",), "expected a scenario name or file")])
    path = Path(base)
    if base in SHIPPED and not path.exists():
        path = shipped_scenario_path(base)
    elif not path.is_absolute():
        path = Path(document.source).resolve().parent / path
    if not path.is_file():
        raise ConfigError([document.problem(("base",), f"no scenario file {str(path)!r}")])
    inherited = read_document(path).data
    if not isinstance(inherited, dict) or "base" in inherited:
        message = f"{str(path)!r} must be a complete scenario (a base has no base of its own)"
        raise ConfigError([document.problem(("base",), message)])
    config = inherited.get("config")
    if isinstance(config, str) and not Path(config).is_absolute():
        inherited["config"] = str(path.resolve().parent / config)
    return {**inherited, **{key: value for key, value in data.items() if key != "base"}}


def _hour_of_week(model: ScenarioModel) -> list[float]:
    raw = [model.day_weights.get(day, 0.0) * hour for day in DAYS for hour in model.hour_weights]
    mean = sum(raw) / len(raw)
    return [value / mean for value in raw]


class _Checker(Problems):
    """The meaning of a scenario, once Pydantic has checked its shape."""

    def instant(self, text: str) -> int:
        try:
            return parse_instant_us(text)
        except SlaError as exc:
            self.add(("start",), exc.message)
            return 0

    def weights(self, model: ScenarioModel) -> None:
        for day in model.day_weights:
            if day not in DAYS:
                self.add(("day_weights", day), f"unknown day (expected one of {', '.join(DAYS)})")
        for key, value in model.day_weights.items():
            if value < 0:
                self.add(("day_weights", key), "must not be negative")
        if sum(model.day_weights.values()) <= 0 or sum(model.hour_weights) <= 0:
            self.add(("day_weights",), "the weekly profile has no positive weight")
        for index, value in enumerate(model.hour_weights):
            if value < 0:
                self.add(("hour_weights", index), "must not be negative")
        for month, value in model.season.items():
            if month not in MONTHS:
                self.add(("season", month), f"unknown month (expected {', '.join(MONTHS)})")
            elif value < 0:
                self.add(("season", month), "must not be negative")
        self.mix(("channels",), model.channels)
        for tier, mix in model.severity_mix.items():
            self.mix(("severity_mix", tier), mix)
        for tier in TIERS:
            used = any(account.tier == tier for account in model.accounts)
            if used and tier not in model.severity_mix:
                self.add(("severity_mix",), f"no severity mix for tier {tier!r}")
        if sum(product.weight for product in model.products.values()) <= 0:
            self.add(("products",), "no product has a positive weight")

    def mix(self, path: KeyPath, mix: dict[Any, float]) -> None:
        for key, value in mix.items():
            if value < 0:
                self.add((*path, key), "must not be negative")
        if sum(mix.values()) <= 0:
            self.add(path, "expected at least one positive weight")

    def references(self, model: ScenarioModel) -> None:
        seen: set[str] = set()
        for index, account in enumerate(model.accounts):
            if account.id in seen:
                self.add(("accounts", index, "id"), f"duplicate account {account.id!r}")
            seen.add(account.id)
            self.zone(("accounts", index, "timezone"), account.timezone)
        severities = {sev for mix in model.severity_mix.values() for sev in mix}
        if model.bursts is not None:
            severities.add(model.bursts.severity)
            low, high = model.bursts.accounts
            if not 1 <= low <= high:
                self.add(("bursts", "accounts"), "expected [fewest, most] with 1 <= fewest <= most")
        for severity in sorted(severities):
            if severity not in model.templates:
                self.add(("templates",), f"no templates for severity {severity!r}")
        for severity, template in model.templates.items():
            for kind in ("subjects", "descriptions"):
                for index, text in enumerate(getattr(template, kind)):
                    try:
                        text.format_map({"product": "p", "thing": "t"})
                    except (KeyError, ValueError, IndexError) as exc:
                        where = ("templates", severity, kind, index)
                        self.add(where, f"bad placeholder {exc} (use {{product}} and {{thing}})")
        if model.intake_team not in model.teams:
            self.add(("intake_team",), f"unknown team {model.intake_team!r}")
        for name, team in model.teams.items():
            path: KeyPath = ("teams", name)
            if team.escalate_to is not None and team.escalate_to not in model.teams:
                self.add((*path, "escalate_to"), f"unknown team {team.escalate_to!r}")
            for outcome in team.outcomes:
                if outcome not in TEAM_OUTCOMES:
                    known = ", ".join(TEAM_OUTCOMES)
                    self.add((*path, "outcomes", outcome), f"unknown outcome (expected {known})")
            self.mix((*path, "outcomes"), team.outcomes)
            if team.outcomes.get("solve", 0) <= 0:
                self.add((*path, "outcomes", "solve"), "must be positive (tickets must end)")
            if team.outcomes.get("escalate", 0) > 0 and team.escalate_to is None:
                self.add((*path, "outcomes", "escalate"), "needs escalate_to")

    def zone(self, path: KeyPath, name: str) -> None:
        try:
            load_zone(name)
        except SlaError as exc:
            self.add(path, exc.message)

    def agents(self, model: ScenarioModel, factor: float) -> list[AgentSpec]:
        agents: list[AgentSpec] = []
        seen: set[str] = set()
        for index, group in enumerate(model.agents):
            path: KeyPath = ("agents", index)
            if group.team not in model.teams:
                self.add((*path, "team"), f"unknown team {group.team!r}")
            for skill in group.skills or ():
                if skill not in model.products:
                    self.add((*path, "skills"), f"unknown product {skill!r}")
            weekly = self.shift((*path, "shift"), group.shift)
            try:
                calendar = make_calendar(
                    group.id,
                    timezone=group.timezone,
                    weekly=weekly,
                    holiday_sets=_holiday_sets(model, group),
                )
            except SlaError as exc:
                for each in exc.details:
                    where = each.path
                    if where and where[0] == "weekly":
                        where = ("shift", *where[1:])
                    self.add((*path, *where), each.message)
                continue
            count = max(0, math.floor(group.count * factor + 0.5))
            names = (
                [group.id] if group.count == 1 else [f"{group.id}-{n + 1}" for n in range(count)]
            )
            if group.count == 1 and count == 0:
                names = []
            for name in names:
                if name in seen:
                    self.add((*path, "id"), f"duplicate agent {name!r}")
                seen.add(name)
                skills = frozenset(group.skills) if group.skills is not None else None
                agents.append(AgentSpec(name, group.team, group.timezone, calendar, skills))
        return agents

    def absences(self, model: ScenarioModel) -> None:
        absences = model.absences
        if absences is None:
            return
        for key in ("sick_spell_days", "vacation_block_days"):
            low, high = getattr(absences, key)
            if not 1 <= low <= high:
                self.add(("absences", key), "expected [fewest, most] with 1 <= fewest <= most")
        for index, period in enumerate(absences.periods):
            if period.team not in model.teams:
                self.add(("absences", "periods", index, "team"), f"unknown team {period.team!r}")
            if period.to < period.from_:
                self.add(("absences", "periods", index, "to"), "ends before it begins")

    def shift(self, path: KeyPath, shift: dict[str, Any]) -> dict[str, Any]:
        """``{mon-fri: "09:00-17:00", sat: [...]}`` → a calendar's ``weekly`` mapping."""
        weekly: dict[str, Any] = {}
        for key, windows in shift.items():
            first, _, last = key.partition("-")
            if first not in DAYS or (last and last not in DAYS):
                self.add((*path, key), "expected a day (mon) or a range of days (mon-fri)")
                continue
            span = DAYS[DAYS.index(first) : DAYS.index(last or first) + 1]
            if not span:
                self.add((*path, key), "a range of days must run forward (mon-fri)")
            for day in span:
                if day in weekly:
                    self.add((*path, key), f"{day} is given twice")
                weekly[day] = [windows] if isinstance(windows, str) else windows
        return weekly


def _holiday_sets(model: ScenarioModel, group: AgentModel) -> list[str]:
    """The group's holiday sets: as given, else its country's when public holidays apply."""
    if group.holiday_sets is not None:
        return group.holiday_sets
    if model.absences is None or not model.absences.public_holidays:
        return []
    country = group.country or country_of_zone(group.timezone)
    return [country] if country else []


def emit_accounts(scenario: Scenario) -> str:
    """The ``tiers`` and ``accounts`` sections of a slakeeper configuration, as YAML."""
    accounts: dict[str, dict[str, Any]] = {}
    for account in scenario.accounts:
        body: dict[str, Any] = {"name": account.name or account.id, "tier": account.tier}
        body["timezone"] = account.timezone
        accounts[account.id] = body
    document = {"tiers": list(TIERS), "accounts": accounts}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def scenario_text(text: str, source: str = "<scenario>") -> Scenario:
    """A scenario from YAML text (for tests and embedding)."""
    return parse_scenario(parse_document(text, source))
