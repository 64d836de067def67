"""Replaying one ticket's log: the rules that start, pause, fulfil and retarget its cycles.

Each rule below cites DESIGN.md section 4 ("Clocks"). :class:`TicketRun` keeps the ticket's
fields, status, matched policy and cycles; :meth:`TicketRun.apply` takes one event (after
every running cycle has reached the marks before it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slakeeper.core.clocks import Cycle, Transition
from slakeeper.core.configuration import Configuration, Rules
from slakeeper.core.events import Author, Event, EventType
from slakeeper.core.policies import Metric, Policy, Status, Target

__all__ = ["TicketRun", "TimelineEntry"]


@dataclass(frozen=True)
class TimelineEntry:
    """One explained step of a ticket's timeline."""

    at: int
    kind: str
    detail: str
    metric: Metric | None = None
    team: str | None = None
    cycle: int | None = None
    event: str | None = None
    line: int | None = None


class TicketRun:
    """The state of one ticket while its log is replayed in order."""

    def __init__(self, config: Configuration, created: Event, *, explain: bool = False) -> None:
        self.config = config
        self.explain = explain
        self.timeline: list[TimelineEntry] = []
        self.notes: list[tuple[str, Event]] = []  # warnings, with the event that caused them
        self.current: Event = created
        self.fields: dict[str, Any] = dict(created.fields)
        self.team: str | None = created.team
        self.agent: str | None = created.agent
        self.status: Status = created.status or Status.NEW
        self.by_agent = created.author is Author.AGENT
        self.cycles: list[Cycle] = []
        self.active: dict[tuple[Metric, str | None], Cycle] = {}
        self.counts: dict[tuple[Metric, str | None], int] = {}
        self.agent_replied = False  # an agent replied publicly, or the ticket was solved
        self.update_owed = self.by_agent  # periodic update: an agent message awaits the next
        self.unanswered_since: int | None = None  # oldest unanswered customer message
        self.escalated: set[tuple[str, str | None, int, int]] = set()
        self.is_closed = False
        self.is_open = self.status.is_open
        self.live: dict[Metric, int] = {}  # cycles per metric that were not cancelled
        self.policy: Policy | None = None
        self.rules: Rules | None = None
        if explain:
            self._note(created.at, "created", f"ticket created by {created.author or 'customer'}")
        self._match(created.at, announce=True)
        self._start_all(created.at)

    # ---- the policy in force -----------------------------------------------------------

    def _ticket_fields(self) -> dict[str, Any]:
        fields = dict(self.fields)
        fields["team"] = self.team
        if fields.get("account_tier") is None:
            account = self.config.accounts.get(str(fields.get("account")))
            if account is not None and account.tier is not None:
                fields["account_tier"] = account.tier
        return fields

    def _match(self, t: int, announce: bool = False) -> bool:
        """Re-run policy matching; True when the policy changed."""
        policy = self.config.policy_for(self._ticket_fields())
        changed = policy is not self.policy
        self.policy = policy
        self._refresh_rules()
        if changed or announce:
            if policy is None:
                self._note(t, "policy", "no policy matches: the ticket has no clocks")
                self.notes.append(("no policy matches the ticket: it has no clocks", self.current))
            else:
                if self.explain:
                    self._note(t, "policy", f"policy {policy.id!r} matches")
                severity = self.fields.get("severity")
                if not policy.has_severity(severity):
                    message = f"policy {policy.id!r} has no targets for severity {severity!r}"
                    self.notes.append((f"{message}: the ticket has no clocks", self.current))
        return changed

    def _refresh_rules(self) -> None:
        """Resolve what the policy in force says for the ticket's severity."""
        policy = self.policy
        self.rules = (
            None if policy is None else self.config.rules(policy, self.fields.get("severity"))
        )

    def _target(self, metric: Metric, team: str | None = None) -> Target | None:
        return None if self.rules is None else self.rules.target(metric, team)

    def _pauses(self, metric: Metric) -> bool:
        return self.rules is not None and self.status in self.rules.pauses[metric]

    # ---- cycles --------------------------------------------------------------------------

    def _start(self, metric: Metric, t: int, team: str | None = None, why: str = "") -> None:
        """Start a cycle at ``t`` if the metric has a target and no cycle is active."""
        key = (metric, team)
        rules = self.rules
        if not self.is_open or rules is None or key in self.active:
            return
        target = rules.target(metric, team)
        if target is None:
            return
        number = self.counts.get(key, 0) + 1
        self.counts[key] = number
        cycle = Cycle(
            metric=metric,
            team=team,
            number=number,
            calendar=rules.calendars[metric],
            target=target,
            started_at=t,
            thresholds=rules.thresholds,
            steps=rules.steps,
            is_paused=self.status in rules.pauses[metric],
        )
        self.cycles.append(cycle)
        self.active[key] = cycle
        self.live[metric] = self.live.get(metric, 0) + 1
        if self.explain:
            self._record(cycle, Transition(t, "start", why))
            if cycle.is_paused:
                self._record(cycle, Transition(t, "pause", f"status {self.status} pauses {metric}"))

    def _fulfil(self, metric: Metric, t: int, why: str, team: str | None = None) -> None:
        cycle = self.active.pop((metric, team), None)
        if cycle is not None:
            cycle.fulfil(t)
            if self.explain:  # marks reached exactly at the fulfilment were withdrawn
                self.timeline = [e for e in self.timeline if not _withdrawn(e, cycle, t)]
                self._record(cycle, Transition(t, "fulfil", why))

    def _fulfil_all(self, t: int, why: str) -> None:
        for key in list(self.active):
            self._fulfil(key[0], t, why, key[1])

    def _start_all(self, t: int) -> None:
        """Start every cycle whose starting condition holds at ``t`` (creation, new target)."""
        if (
            not self.agent_replied
            and not self.by_agent
            and not self._has_live(Metric.FIRST_RESPONSE)
        ):
            self._start(Metric.FIRST_RESPONSE, t, why="first response: no agent reply yet")
        if self._first_response_settled() and self.unanswered_since is not None:
            self._start(
                Metric.NEXT_RESPONSE, t, why="next response: a customer message awaits a reply"
            )
        if self.update_owed:
            self._start(
                Metric.PERIODIC_UPDATE, t, why="periodic update: the next agent update is owed"
            )
        if not self._has_live(Metric.RESOLUTION):
            self._start(Metric.RESOLUTION, t, why="resolution: the ticket is open")
        if self.team is not None:
            self._start(Metric.TEAM_OWNERSHIP, t, self.team, why="the team owns the ticket")

    def _has_live(self, metric: Metric) -> bool:
        """True when a cycle of ``metric`` exists that was not cancelled."""
        return self.live.get(metric, 0) > 0

    def _first_response_settled(self) -> bool:
        """Next response starts once first response is fulfilled, or when none applies.

        A live first-response cycle that is not fulfilled is exactly an active one.
        """
        return (Metric.FIRST_RESPONSE, None) not in self.active

    # ---- events -------------------------------------------------------------------------

    def advance(self, t: int) -> None:
        """Let every running cycle reach its marks at or before ``t``."""
        record = self._record if self.explain else None
        for cycle in self.active.values():
            if cycle.next_at is not None and cycle.next_at <= t:
                cycle.advance(t, record)

    def apply(self, event: Event) -> None:
        """Apply one event, in order, after the ticket's ``created``."""
        self.advance(event.at)
        self.current = event
        kind = event.type  # direct calls, not a table: native calls once compiled
        if kind is EventType.MESSAGE:
            self._on_message(event)
        elif kind is EventType.STATUS:
            self._on_status(event)
        elif kind is EventType.UPDATE:
            self._on_update(event)
        elif kind is EventType.ASSIGN:
            self._on_assign(event)
        elif kind is EventType.CSAT:
            self._on_csat(event)
        elif kind is EventType.ESCALATED:
            self._on_escalated(event)

    def _on_message(self, event: Event) -> None:
        t = event.at
        if not event.public or event.author is Author.SYSTEM:
            if self.explain:
                kind = "internal " if not event.public else ""
                self._note(t, "message", f"{kind}{event.author} message: no clock")
            return
        if event.author is Author.CUSTOMER:
            self._note(t, "message", "public customer message")
            if self.unanswered_since is None:
                self.unanswered_since = t
            if self.is_open and self._first_response_settled():
                self._start(
                    Metric.NEXT_RESPONSE, t, why="next response: customer message awaits a reply"
                )
            return
        self._note(t, "message", "public agent message")
        self.agent_replied = True
        self.unanswered_since = None
        self._fulfil(Metric.FIRST_RESPONSE, t, "first public agent message")
        self._fulfil(Metric.NEXT_RESPONSE, t, "public agent reply")
        self._fulfil(Metric.PERIODIC_UPDATE, t, "public agent update")
        if self.is_open:
            self.update_owed = True
            self._start(Metric.PERIODIC_UPDATE, t, why="periodic update: public agent message")

    def _on_status(self, event: Event) -> None:
        t, old, new = event.at, self.status, event.status
        assert new is not None
        if new is old:
            if self.explain:
                self._note(t, "status", f"status stays {new}")
            return
        self.status = new
        self.is_open = new.is_open
        if self.explain:
            self._note(t, "status", f"status {old} -> {new}")
        if not new.is_open:
            if old.is_open:
                why = (
                    "ticket solved" if new is Status.SOLVED else "ticket closed (counts as solved)"
                )
                self._fulfil_all(t, why)
                self._clear_after_solve()
            self.is_closed = new is Status.CLOSED
            return
        if not old.is_open:
            self._reopen(t)
            return
        for cycle in self.active.values():
            self._set_paused(cycle, t)

    def _clear_after_solve(self) -> None:
        """Solving answers everything so far: nothing is owed until the ticket reopens.

        It also settles first response for good (DESIGN.md section 4: solving meets it), so a
        target that first response gains while solved starts no cycle at the reopen.
        """
        self.unanswered_since = None
        self.update_owed = False
        self.agent_replied = True

    def _reopen(self, t: int) -> None:
        resumed = None
        for cycle in self.cycles:
            if (
                cycle.metric is Metric.RESOLUTION
                and cycle.fulfilled_at is not None
                and cycle.cancelled_at is None
            ):
                cycle.reopen(t, paused=self._pauses(Metric.RESOLUTION))
                self.active[(Metric.RESOLUTION, None)] = cycle
                self._record(
                    cycle, Transition(t, "resume", "reopened: the solved spell counts as paused")
                )
                resumed = cycle
        # A change while solved left the fulfilled cycle alone: what is in force now applies
        # from the reopen, as a change would, and a mark its elapsed time already passed is
        # reached at the reopen, never back-dated (DESIGN.md section 4).
        self._retarget(t, resumed)

    def _set_paused(self, cycle: Cycle, t: int) -> None:
        should = self._pauses(cycle.metric)
        if should and not cycle.is_paused:
            cycle.pause(t)
            self._record(
                cycle, Transition(t, "pause", f"status {self.status} pauses {cycle.metric}")
            )
        elif not should and cycle.is_paused:
            cycle.resume(t)
            self._record(
                cycle,
                Transition(t, "resume", f"status {self.status} does not pause {cycle.metric}"),
            )

    def _on_update(self, event: Event) -> None:
        changes = dict(event.fields)
        if "custom" in changes and changes["custom"] is not None:
            changes["custom"] = {**(self.fields.get("custom") or {}), **changes["custom"]}
        before = self.fields.get("severity")
        self.fields.update(changes)
        if self.explain:
            shown = ", ".join(f"{k}={v!r}" for k, v in event.fields.items())
            self._note(event.at, "update", f"fields changed: {shown}")
        severity_changed = self.fields.get("severity") != before
        changed = self._match(event.at, announce=severity_changed)
        if changed or severity_changed:
            self._retarget(event.at)

    def _on_assign(self, event: Event) -> None:
        t = event.at
        if event.agent is not None:
            self.agent = event.agent
        if not event.assigns_team or event.team == self.team:
            if self.explain:
                self._note(t, "assign", f"assigned to {event.agent or self.team} (team unchanged)")
            return
        old, self.team = self.team, event.team
        if self.explain:
            self._note(t, "assign", f"team {old} -> {event.team}")
        if old is not None:
            self._fulfil(Metric.TEAM_OWNERSHIP, t, "reassigned away from the team", old)
        if self._match(t):
            self._retarget(t)
        if self.team is not None:
            self._start(Metric.TEAM_OWNERSHIP, t, self.team, why="assigned to the team")

    def _on_csat(self, event: Event) -> None:
        self._note(event.at, "csat", f"CSAT score {event.score:g}")

    def _on_escalated(self, event: Event) -> None:
        assert event.metric is not None and event.cycle is not None and event.step is not None
        self.escalated.add((event.metric.value, event.team, event.cycle, event.step))
        self._note(
            event.at,
            "escalated",
            f"escalation step {event.step} of {event.metric} cycle {event.cycle} recorded",
        )

    def _retarget(self, t: int, resumed: Cycle | None = None) -> None:
        """Apply the targets of the (new) policy or severity to every active cycle.

        ``resumed`` (a cycle resumed by a reopen at ``t``) is re-aimed even under the same
        target, so that the marks its elapsed time already reaches are reached at ``t``.
        """
        record = self._record if self.explain else None
        if self.explain and not self.is_open:
            self._note(t, "policy", "ticket solved: its clocks keep their verdicts until a reopen")
        for key, cycle in list(self.active.items()):
            target = self._target(cycle.metric, cycle.team)
            if target is None and cycle.breached_at is not None:
                continue  # a breach is never withdrawn: it waits for its fulfilment
            if target is None:
                self.active.pop(key)
                cycle.cancel(t)
                self.live[cycle.metric] -= 1
                self._record(
                    cycle, Transition(t, "cancel", f"{cycle.metric} has no target any more")
                )
                continue
            rules = self.rules
            assert rules is not None
            calendar = rules.calendars[cycle.metric]
            changed = (
                target != cycle.target
                or calendar is not cycle.calendar
                or rules.thresholds != cycle.thresholds
                or rules.steps != cycle.steps
            )
            if changed and self.explain:  # named before the marks it makes reached at `t`
                detail = _retarget_detail(target, reopened=cycle is resumed)
                self._record(cycle, Transition(t, "retarget", detail))
            if changed or cycle is resumed:
                cycle.retarget(t, target, calendar, rules.thresholds, rules.steps, record)
            self._set_paused(cycle, t)
        self._start_all(t)

    # ---- finishing -------------------------------------------------------------------------

    def finish(self, now: int) -> None:
        """Bring every cycle to ``now``."""
        self.advance(now)

    def escalations_due(self, now: int) -> list[tuple[Cycle, int, int]]:
        """Escalation steps reached by ``now`` with no ``escalated`` event yet."""
        due = []
        for cycle in self.cycles:
            for index, at in cycle.escalations:
                if (cycle.metric.value, cycle.team, cycle.number, index + 1) not in self.escalated:
                    due.append((cycle, index + 1, at))
        return due

    def next_action_at(self, now: int) -> int | None:
        """The earliest instant after ``now`` when a running cycle reaches a mark."""
        found = [
            c.next_at for c in self.active.values() if c.next_at is not None and c.next_at > now
        ]
        return min(found) if found else None

    # ---- explanation ----------------------------------------------------------------------

    def _record(self, cycle: Cycle, transition: Transition) -> None:
        if not self.explain:
            return
        if transition.kind in _REACHED:
            # Reached by time passing: name the event that last set the clock counting.
            event, line = cycle.cause or (None, None)
            detail = f"{transition.detail}; counting since event {event}"
        else:
            event, line = self.current.id, self.current.line
            cycle.cause = (event, line)
            detail = transition.detail
        self.timeline.append(
            TimelineEntry(
                at=transition.at,
                kind=transition.kind,
                detail=detail,
                metric=cycle.metric,
                team=cycle.team,
                cycle=cycle.number,
                event=event,
                line=line,
            )
        )

    def _note(self, t: int, kind: str, detail: str) -> None:
        # Callers building a detail with an f-string check `self.explain` first: replay
        # (explain off) should not pay for text nobody reads.
        if self.explain:
            self.timeline.append(
                TimelineEntry(t, kind, detail, event=self.current.id, line=self.current.line)
            )


_REACHED = {"warning", "breach", "objective", "escalation"}


def _retarget_detail(target: Target, reopened: bool) -> str:
    detail = f"target now {target.sla // 1_000_000}s"
    return f"{detail} (changed while solved: applies from the reopen)" if reopened else detail


def _withdrawn(entry: TimelineEntry, cycle: Cycle, t: int) -> bool:
    return (
        entry.at == t
        and entry.kind in _REACHED
        and (entry.metric, entry.team, entry.cycle) == (cycle.metric, cycle.team, cycle.number)
    )
