"""The discrete-event engine: a heap of timed actions, one seeded generator, integer µs.

Tickets arrive (per account, by hour of week in the account's zone, by season, plus
incident bursts); agents on shift pick work from their team's queue — the oldest ticket
first, or, under a configuration, the ticket whose earliest unfulfilled clock is due first
as :func:`slakeeper.core.evaluation.evaluate_ticket` computes it — and finish it after a
lognormal handling time with one outcome: reply, ask the customer (pending), wait on a
third party (on_hold), escalate (assign) or solve. Customers reply, reopen and answer
CSAT surveys. Every action writes events, in ``at`` order, as they happen.

The simulator computes no SLA number: it only asks the core which clock is due first.
"""

from __future__ import annotations

import heapq
import random
from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from slakeeper.core.clocks import ClockStatus
from slakeeper.core.configuration import Configuration
from slakeeper.core.evaluation import Diagnostic, evaluate_ticket
from slakeeper.core.events import parse_event
from slakeeper.core.instants import format_instant
from slakeeper.core.timelines import compile_years
from slakeeper.core.zones import load_zone
from slakeeper.simulation.absences import absent_days, local_date
from slakeeper.simulation.draws import csat_score, cumulative, delay, draw, lognormal, poisson
from slakeeper.simulation.scenario import (
    CHANNELS,
    MONTHS,
    TEAM_OUTCOMES,
    AgentSpec,
    Scenario,
)
from slakeeper.simulation.state import AgentState, Pick, SimulationStats, TicketState
from slakeeper.simulation.texts import TextMaker

__all__ = ["Pick", "SimulationStats", "Simulator", "simulate"]

US = 1_000_000
MINUTE = 60 * US
HOUR = 3600 * US
DAY = 24 * HOUR
_NEVER = 1 << 62

# Action kinds, in heap entries (at, seq, kind, subject).
_DAY, _ARRIVE, _DONE, _WAKE, _SHIFT_END, _CUSTOMER, _HOLD_END, _REOPEN, _CLOSE, _CSAT = range(10)
_UPDATE = 10


class Simulator:
    """Runs one scenario for ``days`` from ``start``, writing JSONL lines to ``write``."""

    ticket_prefix = "T-"  # ticket ids: T-1, T-2, ...
    event_prefix = ""  # before "<ticket>-<n>" in event ids

    def __init__(
        self,
        scenario: Scenario,
        *,
        days: float,
        seed: int,
        write: Callable[[bytes], Any],
        start: int | None = None,
        config: Configuration | None = None,
        progress: Callable[[int], None] | None = None,
        trace: list[Pick] | None = None,
    ) -> None:
        self.scenario = scenario
        self.model = scenario.model
        self.start = scenario.start if start is None else start
        self.end = self.start + int(days * DAY)
        self.rng = random.Random(seed)
        self.write = write
        self.config = config
        self.progress = progress
        self.trace = trace
        self.stats = SimulationStats()
        self.texts = TextMaker(self.model, self.rng)
        self._heap: list[tuple[int, int, int, Any]] = []
        self._seq = 0
        self._buffer: list[bytes] = []
        self._queues: dict[str, dict[int, TicketState]] = {team: {} for team in self.model.teams}
        self._idle: dict[str, dict[str, AgentState]] = {team: {} for team in self.model.teams}
        self._absent = self._absences(seed)
        self._agents = [self._agent(spec) for spec in scenario.agents]
        self._prepare_arrivals()

    # ---- set-up -------------------------------------------------------------------------

    def _agent(self, spec: AgentSpec) -> AgentState:
        starts, ends = self._shifts(spec)
        away = self._absent.get(spec.id)
        if away:  # a shift that begins on a day away is not worked
            zone = load_zone(spec.timezone)
            kept = [i for i, at in enumerate(starts) if local_date(at, zone) not in away]
            starts, ends = [starts[i] for i in kept], [ends[i] for i in kept]
        return AgentState(spec, starts, ends)

    def _shifts(self, spec: AgentSpec) -> tuple[list[int], list[int]]:
        """The agent's shift starts and ends over the simulated years (UTC µs)."""
        first = datetime.fromtimestamp(self.start / US, UTC).year - 1
        last = datetime.fromtimestamp(self.end / US, UTC).year + 2
        timeline = compile_years(spec.calendar, first, last)
        return timeline.starts_list[:-1], timeline.ends_list[:-1]

    def _absences(self, seed: int) -> dict[str, set[Any]]:
        model = self.model.absences
        if model is None:
            return {}
        first = datetime.fromtimestamp(self.start / US, UTC).date() - timedelta(days=8)
        last = datetime.fromtimestamp(self.end / US, UTC).date() + timedelta(days=2)
        agents = [(spec.id, spec.team) for spec in self.scenario.agents]
        return absent_days(model, agents, first, last, seed)

    def _prepare_arrivals(self) -> None:
        model = self.model
        weights = [a.share if a.share is not None else float(a.size or 1) for a in model.accounts]
        total = sum(weights) or 1.0
        self._account_share = [w / total for w in weights]
        self._account_zone = [load_zone(a.timezone) for a in model.accounts]
        self._per_hour = model.tickets_per_week / 168.0
        self._season = [model.season.get(month, 1.0) for month in MONTHS]
        self._channels = [c for c in CHANNELS if model.channels.get(c, 0) > 0]
        self._channel_weights = cumulative([model.channels[c] for c in self._channels])
        self._severity = {
            tier: (list(mix), cumulative(list(mix.values())))
            for tier, mix in model.severity_mix.items()
        }
        self._products = [p for p, spec in model.products.items() if spec.weight > 0]
        self._product_weights = cumulative([model.products[p].weight for p in self._products])
        self._account_weights = cumulative(self._account_share)
        ranks = {tier: rank for rank, tier in enumerate(("enterprise", "mid_market", "standard"))}
        self._tier_rank = ranks
        self._outcomes = {
            name: (
                [o for o in TEAM_OUTCOMES if team.outcomes.get(o, 0) > 0],
                cumulative(
                    [team.outcomes[o] for o in TEAM_OUTCOMES if team.outcomes.get(o, 0) > 0]
                ),
            )
            for name, team in model.teams.items()
        }

    # ---- running ------------------------------------------------------------------------

    def run(self) -> SimulationStats:
        """Simulate up to the end instant; flushes every event written."""
        self._prime()
        self._advance(self.end)
        if self.progress is not None:
            self.progress(self.end)
        return self.stats

    def _prime(self) -> None:
        """The first day's arrivals and every agent's first wake-up."""
        self._push(self.start, _DAY, self.start)
        for agent in self._agents:
            self._push(self.start, _WAKE, (agent, agent.epoch))

    def _advance(self, until: int) -> bool:
        """Handle the actions before ``until`` (and the end); flush. False once at the end."""
        heap = self._heap
        handlers = {
            _DAY: self._on_day,
            _ARRIVE: self._on_arrive,
            _DONE: self._on_done,
            _WAKE: self._on_wake,
            _SHIFT_END: self._on_shift_end,
            _CUSTOMER: self._on_customer,
            _HOLD_END: self._on_hold_end,
            _REOPEN: self._on_reopen,
            _CLOSE: self._on_close,
            _CSAT: self._on_csat,
            _UPDATE: self._on_update,
        }
        stop = min(until, self.end)
        while heap and heap[0][0] < stop:
            at, _, kind, subject = heapq.heappop(heap)
            handlers[kind](at, subject)
            if len(self._buffer) >= 4096:
                self._flush()
        self._flush()
        return bool(heap) and heap[0][0] < self.end

    def _push(self, at: int, kind: int, subject: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, kind, subject))

    def _flush(self) -> None:
        if self._buffer:
            self.write(b"".join(self._buffer))
            self._buffer.clear()

    def _emit(self, ticket: TicketState, at: int, kind: str, **fields: Any) -> None:
        ticket.n += 1
        document: dict[str, Any] = {
            "id": f"{self.event_prefix}{ticket.id}-{ticket.n}",
            "ticket": ticket.id,
            "type": kind,
            "at": format_instant(at),
        }
        document.update(fields)
        self._buffer.append(orjson.dumps(document) + b"\n")
        self.stats.events += 1
        if self.config is not None:
            ticket.events.append(parse_event(document))

    # ---- arrivals -----------------------------------------------------------------------

    def _on_day(self, at: int, _: Any) -> None:
        """Draw the arrivals of the next 24 hours, hour by hour, account by account."""
        if self.progress is not None:
            self.progress(at)
        rng = self.rng
        arrivals: list[tuple[int, int]] = []
        for hour in range(24):
            begin = at + hour * HOUR
            utc = datetime.fromtimestamp(begin / US, UTC)
            for index, zone in enumerate(self._account_zone):
                local = utc.astimezone(zone)  # hour of week and season in the account's zone
                weight = self.scenario.hour_of_week[local.weekday() * 24 + local.hour]
                season = self._season[local.month - 1]
                rate = self._per_hour * self._account_share[index] * weight * season
                for _ in range(poisson(rng, rate)):
                    arrivals.append((begin + int(rng.random() * HOUR), index))
        bursts = self.model.bursts
        if bursts is not None:
            for _ in range(poisson(rng, bursts.per_week / 7.0)):
                arrivals.extend(self._burst(at + int(rng.random() * DAY)))
        arrivals.sort()
        for when, spec in arrivals:
            self._push(when, _ARRIVE, spec)
        self._push(at + DAY, _DAY, None)

    def _burst(self, at: int) -> list[tuple[int, Any]]:
        bursts = self.model.bursts
        assert bursts is not None
        rng = self.rng
        low, high = bursts.accounts
        count = min(rng.randint(low, high), len(self.model.accounts))
        chosen: list[int] = []
        while len(chosen) < count:
            index = draw(rng, self._account_weights)
            if index not in chosen:
                chosen.append(index)
        product = self._products[draw(rng, self._product_weights)]
        self.stats.bursts += 1
        window = int(bursts.within_minutes * MINUTE)
        return [
            (at + int(rng.random() * window), (index, product, bursts.severity)) for index in chosen
        ]

    def _on_arrive(self, at: int, spec: Any) -> None:
        rng = self.rng
        burst = isinstance(spec, tuple)
        if burst:
            index, product, severity = spec
        else:
            index = spec
        account = self.model.accounts[index]
        if not burst:
            names, cumulative = self._severity[account.tier]
            severity = names[draw(rng, cumulative)]
            product = self._products[draw(rng, self._product_weights)]
        channel = self._channels[draw(rng, self._channel_weights)]
        subject, description = self.texts.make(severity, product)
        self.stats.tickets += 1
        number = self.stats.tickets
        ticket = TicketState(
            id=f"{self.ticket_prefix}{number}",
            number=number,
            created=at,
            account=account.id,
            tier=account.tier,
            severity=severity,
            product=product,
            team=self.model.intake_team,
        )
        if self.config is not None:
            ticket.tier_rank = self.config.tier_rank(account.tier)
        else:
            ticket.tier_rank = self._tier_rank[account.tier]
        custom: dict[str, Any] = {"description": description}
        self._emit(
            ticket,
            at,
            "created",
            severity=severity,
            account=account.id,
            account_tier=account.tier,
            channel=channel,
            subject=subject,
            product=product,
            team=ticket.team,
            tags=["incident"] if burst else [],
            custom=custom,
        )
        if not burst:
            self._plan_change(ticket, at)
        self._enqueue(ticket, at)

    # ---- queues and agents --------------------------------------------------------------

    def _enqueue(self, ticket: TicketState, at: int) -> None:
        ticket.queued = True
        self._queues[ticket.team][ticket.number] = ticket
        for agent in list(self._idle[ticket.team].values()):
            if not ticket.queued:
                break
            skills = agent.spec.skills
            if skills is None or ticket.product in skills:
                self._try_pick(agent, at)

    def _shift(self, agent: AgentState, at: int) -> tuple[bool, int]:
        """(on shift at ``at``, end of that shift or start of the next one)."""
        index = bisect_right(agent.ends, at)
        if index >= len(agent.starts):
            return False, _NEVER
        if agent.starts[index] <= at:
            return True, agent.ends[index]
        return False, agent.starts[index]

    def _available(self, agent: AgentState, at: int) -> None:
        on, boundary = self._shift(agent, at)
        agent.epoch += 1
        if not on:
            agent.idle = False
            self._idle[agent.spec.team].pop(agent.spec.id, None)
            if boundary < self.end:
                self._push(boundary, _WAKE, (agent, agent.epoch))
            return
        self._try_pick(agent, at)

    def _try_pick(self, agent: AgentState, at: int) -> None:
        team = agent.spec.team
        on, end = self._shift(agent, at)
        agent.epoch += 1
        idle = self._idle[team]
        idle.pop(agent.spec.id, None)
        agent.idle = False
        if not on:
            if end < self.end:
                self._push(end, _WAKE, (agent, agent.epoch))
            return
        skills = agent.spec.skills
        queue = self._queues[team]
        candidates = [t for t in queue.values() if skills is None or t.product in skills]
        if not candidates:
            agent.idle = True
            idle[agent.spec.id] = agent
            self._push(end, _SHIFT_END, (agent, agent.epoch))
            return
        chosen = self._choose(candidates, at)
        handling = self._handling(team)
        if at + handling >= end:  # the work would not fit in this shift: done for the day
            on_next, boundary = self._shift(agent, end)
            after = end if on_next else boundary
            if after < self.end:
                self._push(after, _WAKE, (agent, agent.epoch))
            return
        if self.trace is not None:
            self.trace.append(
                Pick(at, agent.spec.id, chosen.id, tuple((c.id, c.n) for c in candidates))
            )
        self.stats.handling_us.setdefault(team, []).append(handling)
        chosen.queued = False
        del queue[chosen.number]
        self._picked(agent.spec.id, chosen, at)
        self._push(at + handling, _DONE, (agent, agent.epoch, chosen))

    def _choose(self, candidates: list[TicketState], at: int) -> TicketState:
        """The ticket an agent takes: the oldest, or under a configuration the most urgent."""
        if self.config is None:
            return min(candidates, key=_age_key)
        for candidate in candidates:
            self._refresh_due(candidate, at)
        return min(candidates, key=_urgency_key)

    def _picked(self, agent: str, ticket: TicketState, at: int) -> None:
        """An agent took ``ticket`` at ``at`` (a history writes nothing; a live run does)."""

    def _handling(self, team: str) -> int:
        spec = self.model.teams[team].handling
        return max(US, int(lognormal(self.rng, spec) * MINUTE))

    def _refresh_due(self, ticket: TicketState, at: int) -> None:
        """The earliest due instant among the ticket's unfulfilled clocks, from the core."""
        if ticket.due_n == ticket.n:
            return  # no event since: the core's due instants are unchanged
        assert self.config is not None
        diagnostics: list[Diagnostic] = []
        result = evaluate_ticket(ticket.id, ticket.events, self.config, at, diagnostics)
        self.stats.evaluations += 1
        due = _NEVER
        if result is not None:
            for cycle in result.cycles:
                if cycle.status in (ClockStatus.RUNNING, ClockStatus.BREACHED):
                    when = cycle.due_at()
                    if when is not None and when < due:
                        due = when
        ticket.due, ticket.due_n = due, ticket.n

    def _on_wake(self, at: int, subject: Any) -> None:
        agent, epoch = subject
        if epoch == agent.epoch:
            self._available(agent, at)

    def _on_shift_end(self, at: int, subject: Any) -> None:
        agent, epoch = subject
        if epoch == agent.epoch and agent.idle:
            self._available(agent, at)

    # ---- work and its outcomes ----------------------------------------------------------

    def _on_done(self, at: int, subject: Any) -> None:
        agent, epoch, ticket = subject
        rng = self.rng
        team = agent.spec.team
        names, cumulative = self._outcomes[team]
        outcome = names[draw(rng, cumulative)]
        self.stats.outcomes[outcome] += 1
        who = agent.spec.id
        self._emit(ticket, at, "message", author="agent", agent=who)
        if not ticket.touched and outcome not in ("solve", "pending", "on_hold"):
            self._status(ticket, at, "open")
        ticket.touched = True
        customers = self.model.customers
        if outcome == "reply":
            self._push(at + delay(rng, customers.reply), _CUSTOMER, (ticket, False))
        elif outcome == "pending":
            self._status(ticket, at, "pending")
            self._push(at + delay(rng, customers.reply), _CUSTOMER, (ticket, True))
        elif outcome == "on_hold":
            self._status(ticket, at, "on_hold")
            self._push(at + delay(rng, customers.third_party), _HOLD_END, ticket)
        elif outcome == "escalate":
            target = self.model.teams[team].escalate_to
            assert target is not None
            self._assign(ticket, at, target, back=False)
        elif outcome == "hand_back" and ticket.came_from:
            self._assign(ticket, at, ticket.came_from[-1], back=True)
        elif outcome == "hand_back":  # nowhere to hand it back to: the agent replies
            self._push(at + delay(rng, customers.reply), _CUSTOMER, (ticket, False))
        else:
            self._solve(ticket, at)
        if epoch == agent.epoch:
            self._available(agent, at)

    def _assign(self, ticket: TicketState, at: int, team: str, *, back: bool) -> None:
        if back:
            ticket.came_from.pop()
        else:
            ticket.came_from.append(ticket.team)
        ticket.team = team
        self._emit(ticket, at, "assign", team=team)
        self._enqueue(ticket, at)

    def _status(self, ticket: TicketState, at: int, status: str) -> None:
        ticket.status = status
        self._emit(ticket, at, "status", status=status)

    def _solve(self, ticket: TicketState, at: int) -> None:
        rng = self.rng
        customers = self.model.customers
        self._status(ticket, at, "solved")
        close_at = at + int(customers.close_after_hours * HOUR)
        if rng.random() < customers.reopen.probability:
            when = at + delay(rng, customers.reopen.delay)
            if when < close_at:
                self._push(when, _REOPEN, (ticket, ticket.epoch))
                return
        self._push(close_at, _CLOSE, (ticket, ticket.epoch))
        changes = self.model.changes
        if changes is not None and rng.random() < changes.while_solved:
            when = at + delay(rng, changes.delay)
            if when < close_at:  # a second look after the solve: raised or lowered one step
                severity = _step(ticket.severity, up=rng.random() < 0.5)
                reopens = rng.random() < changes.reopen_after_change
                self._push(when, _UPDATE, (ticket, severity, ticket.epoch, reopens))
        if rng.random() < customers.csat.probability:
            hours = (at - ticket.created) / HOUR
            score = csat_score(rng, hours, customers.csat.fast_hours)
            self._push(at + delay(rng, customers.csat.delay), _CSAT, (ticket, score))

    def _on_customer(self, at: int, subject: Any) -> None:
        ticket, reopens = subject
        self._emit(ticket, at, "message", author="customer")
        if reopens:
            self._status(ticket, at, "open")
        self._enqueue(ticket, at)

    def _on_hold_end(self, at: int, ticket: TicketState) -> None:
        self._status(ticket, at, "open")
        self._enqueue(ticket, at)

    def _on_reopen(self, at: int, subject: Any) -> None:
        ticket, epoch = subject
        if epoch != ticket.epoch or ticket.status != "solved":
            return
        ticket.epoch += 1
        self._emit(ticket, at, "message", author="customer")
        self._status(ticket, at, "open")
        self._enqueue(ticket, at)

    def _on_close(self, at: int, subject: Any) -> None:
        ticket, epoch = subject
        if epoch != ticket.epoch or ticket.status != "solved":
            return
        self._status(ticket, at, "closed")
        ticket.events = []  # a closed ticket is never picked again

    # ---- severity changes ---------------------------------------------------------------

    def _plan_change(self, ticket: TicketState, at: int) -> None:
        """A P3 that is really an outage is raised to P1; a P1 or P2 may prove milder."""
        changes = self.model.changes
        if changes is None:
            return
        rng = self.rng
        if ticket.severity != "P1" and rng.random() < changes.raise_to_p1:
            severity = "P1"
        elif ticket.severity in ("P1", "P2") and rng.random() < changes.lower:
            severity = _step(ticket.severity, up=False)
        else:
            return
        self._push(at + delay(rng, changes.delay), _UPDATE, (ticket, severity, None, False))

    def _on_update(self, at: int, subject: Any) -> None:
        ticket, severity, epoch, reopens = subject
        if ticket.status == "closed" or severity == ticket.severity:
            return
        if epoch is not None and (epoch != ticket.epoch or ticket.status != "solved"):
            return  # planned while solved, but the ticket was reopened meanwhile
        ticket.severity = severity
        self._emit(ticket, at, "update", fields={"severity": severity})
        if reopens:
            when = at + delay(self.rng, self.model.customers.reply)
            self._push(when, _REOPEN, (ticket, ticket.epoch))

    def _on_csat(self, at: int, subject: Any) -> None:
        ticket, score = subject
        self._emit(ticket, at, "csat", score=score)


def simulate(
    scenario: Scenario,
    *,
    days: float,
    seed: int,
    write: Callable[[bytes], Any],
    start: int | None = None,
    config: Configuration | None = None,
    progress: Callable[[int], None] | None = None,
    trace: list[Pick] | None = None,
) -> SimulationStats:
    """Run ``scenario`` and write its events (JSONL bytes, in ``at`` order) to ``write``."""
    simulator = Simulator(
        scenario,
        days=days,
        seed=seed,
        write=write,
        start=start,
        config=config,
        progress=progress,
        trace=trace,
    )
    return simulator.run()


# ---- helpers ------------------------------------------------------------------------------


def _step(severity: str, *, up: bool) -> str:
    """The severity one step up (towards P1) or down (towards P4)."""
    order = ("P1", "P2", "P3", "P4")
    if severity not in order:
        return severity
    index = order.index(severity) + (-1 if up else 1)
    return order[max(0, min(len(order) - 1, index))]


def _age_key(ticket: TicketState) -> tuple[int, int]:
    return (ticket.created, ticket.number)


def _urgency_key(ticket: TicketState) -> tuple[int, int, int, int]:
    return (ticket.due, ticket.tier_rank, ticket.created, ticket.number)
