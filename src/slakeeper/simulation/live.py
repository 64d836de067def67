"""``slakeeper simulate --live``: the simulator in real (or sped-up) time against a service.

Steps, once a wall-clock second (docs/demo.md):

1. the engine handles every action due by the clock's ``now`` (arrivals, agents finishing
   work, customers replying) and its events are POSTed to ``/api/v1/events`` as one batch;
2. it reads ``GET /api/v1/queue``: agents take the ticket the *service* ranks most urgent,
   a ticket the service moved to another team (an escalation's ``assign``) moves to that
   team's queue, and an open ticket the engine does not know (history, another run) is
   adopted into its team's queue;
3. after one simulated day the engine starts afresh from ``now`` (its memory is dropped;
   open tickets come back through step 2), so a run of any length stays small.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import httpx

from slakeeper.core.instants import parse_instant, to_us
from slakeeper.settings import Clock
from slakeeper.simulation.draws import delay, draw
from slakeeper.simulation.engine import _CUSTOMER, _HOLD_END, US, Simulator
from slakeeper.simulation.scenario import Scenario
from slakeeper.simulation.state import TicketState

__all__ = ["LiveCounts", "run_live"]

log = logging.getLogger("slakeeper.simulate")

QUEUE_PAGE = 200  # the most urgent tickets the agents look at


@dataclass
class LiveCounts:
    """What a live run did (read by the CLI and the tests)."""

    posted: int = 0  # events the service accepted
    duplicates: int = 0
    refused: int = 0  # events the service refused (logged)
    adopted: int = 0  # open tickets of the service taken into the simulation
    moved: int = 0  # tickets the service handed to another team
    segments: int = 0


class LiveSimulator(Simulator):
    """The engine, advanced by a clock, picking by the service's queue."""

    def __init__(self, scenario: Scenario, *, start: int, seed: int) -> None:
        self.lines: list[bytes] = []
        super().__init__(scenario, days=1, seed=seed, write=self.lines.append, start=start)
        tag = _base36(start // US)
        self.ticket_prefix = f"L{tag}-"  # unique per day-long segment
        self.event_prefix = f"{tag}:"
        self.rank: dict[str, int] = {}
        self.known: dict[str, TicketState] = {}
        self.agent_of: dict[str, str] = {}
        self._adopted = 0

    def _choose(self, candidates: list[TicketState], at: int) -> TicketState:
        """The service's most urgent ticket first; unknown to it (just posted): by age."""
        last = len(self.rank)
        return min(candidates, key=lambda t: (self.rank.get(t.id, last), t.created, t.number))

    def _picked(self, agent: str, ticket: TicketState, at: int) -> None:
        """The service learns who works the ticket (an ``assign`` of the agent alone: the
        team stays the service's, which an escalation may have changed)."""
        if self.agent_of.get(ticket.id) != agent:
            self.agent_of[ticket.id] = agent
            self._emit(ticket, at, "assign", agent=agent)

    def _enqueue(self, ticket: TicketState, at: int) -> None:
        self.known[ticket.id] = ticket
        super()._enqueue(ticket, at)

    def _on_close(self, at: int, subject: Any) -> None:
        super()._on_close(at, subject)
        self.known.pop(subject[0].id, None)  # closed: forgotten
        self.agent_of.pop(subject[0].id, None)

    def step(self, now: int) -> list[bytes]:
        """Handle what is due by ``now``; the event lines written (step 1)."""
        self._advance(now + 1)
        self.stats.handling_us.clear()  # a live run keeps no growing list
        # `write` appends chunks of JSONL to this very list: split them, then empty it
        lines = b"".join(self.lines).splitlines()
        self.lines.clear()
        return lines

    @property
    def finished(self) -> bool:
        """True once the segment's day is over."""
        return not self._heap or self._heap[0][0] >= self.end

    def follow(self, items: list[dict[str, Any]], now: int, counts: LiveCounts) -> None:
        """Rank, move and adopt from the service's queue (step 2)."""
        self.rank = {item["ticket"]: index for index, item in enumerate(items)}
        for item in items:
            ticket = self.known.get(item["ticket"])
            team = item.get("team")
            if ticket is None:
                if team in self._queues and item.get("status") not in ("solved", "closed"):
                    self._adopt(item, now)
                    counts.adopted += 1
            elif team in self._queues and team != ticket.team:
                self._move(ticket, team, now)
                counts.moved += 1

    def _move(self, ticket: TicketState, team: str, now: int) -> None:
        if ticket.queued:
            self._queues[ticket.team].pop(ticket.number, None)
            ticket.team = team
            self._enqueue(ticket, now)
        else:
            ticket.team = team  # in an agent's hands: the next hand-over starts from there

    def _adopt(self, item: dict[str, Any], now: int) -> None:
        self._adopted -= 1  # negative numbers: never those of the segment's own tickets
        tier = item.get("account_tier") or "standard"
        ticket = TicketState(
            id=item["ticket"], number=self._adopted,
            created=to_us(parse_instant(item["created_at"])),
            account=item.get("account") or "", tier=tier,
            severity=item.get("severity") or "P3",
            product=self._products[draw(self.rng, self._product_weights)],
            team=item["team"], tier_rank=self._tier_rank.get(tier, 3),
            status=item.get("status") or "open", touched=item.get("status") != "new",
        )  # fmt: skip
        customers = self.model.customers
        if ticket.status == "pending":  # waiting on the customer: they will answer
            self.known[ticket.id] = ticket
            self._push(now + delay(self.rng, customers.reply), _CUSTOMER, (ticket, True))
        elif ticket.status == "on_hold":
            self.known[ticket.id] = ticket
            self._push(now + delay(self.rng, customers.third_party), _HOLD_END, ticket)
        else:
            self._enqueue(ticket, now)


def run_live(
    client: httpx.Client,
    scenario: Scenario,
    clock: Clock,
    stop: threading.Event,
    *,
    seed: int = 1,
    counts: LiveCounts | None = None,
) -> LiveCounts:
    """Simulate against the service of ``client`` until ``stop`` is set (steps 1 to 3)."""
    counts = counts if counts is not None else LiveCounts()
    simulator: LiveSimulator | None = None
    while not stop.is_set():
        now = clock.now()
        if simulator is None or simulator.finished:
            simulator = LiveSimulator(scenario, start=now, seed=seed + counts.segments)
            simulator._prime()
            counts.segments += 1
        try:
            _post(client, simulator.step(now), counts)
            simulator.follow(_queue(client), clock.now(), counts)
        except httpx.HTTPError as exc:  # the service restarting: try again next second
            log.warning("live simulation: %s", exc)
        stop.wait(1.0)
    return counts


def _post(client: httpx.Client, lines: list[bytes], counts: LiveCounts) -> None:
    """POST a batch; a refused batch is posted line by line so the good events still land."""
    if not lines:
        return
    answer = client.post("/api/v1/events", content=b"[" + b",".join(lines) + b"]",
                         headers={"content-type": "application/json"})  # fmt: skip
    if answer.status_code == 200:
        body = answer.json()
        counts.posted += body["accepted"]
        counts.duplicates += body["duplicates"]
        return
    if len(lines) == 1:
        counts.refused += 1
        log.warning("live simulation: event refused (%s): %s", answer.status_code,
                    answer.text[:300])  # fmt: skip
        return
    for line in lines:
        _post(client, [line], counts)


def _queue(client: httpx.Client) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/queue", params={"limit": QUEUE_PAGE})
    answer.raise_for_status()
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text or "0"
