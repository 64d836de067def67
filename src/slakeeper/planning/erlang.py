"""Exact Erlang C (M/M/N queue), vectorised with numpy, stable to tens of thousands of erlangs.

No factorials and no powers: the probability that all ``N`` agents are busy comes from the
Erlang B recursion ``B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1))``, where every step is a
contraction in ``[0, 1]`` (no overflow, relative error growing at most like ``n`` ulps).
Erlang C follows as ``C = N·B / (N - A·(1 - B))``.

The least number of agents that meets a target is searched exhaustively upward from one
agent (never from ``round(A + 1)``, which skips the answer ``⌊A⌋ + 1`` whenever the load's
fraction exceeds one half), all cases at once, each leaving the search at its answer.

Units: the load ``A`` in erlangs (arrivals per second x handling seconds); times in
seconds. Every function takes scalars or arrays and broadcasts them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "ErlangTable",
    "agents_after_shrinkage",
    "average_speed_of_answer",
    "erlang_b",
    "erlang_c",
    "evaluate_agents",
    "occupancy",
    "offered_load",
    "productive_agents",
    "required_agents",
    "service_level",
    "solve",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_EPS = 1e-12  # tolerance on products like n·(1 - shrinkage) that should be whole


def offered_load(
    arrivals: npt.ArrayLike, interval_seconds: npt.ArrayLike, aht_seconds: npt.ArrayLike
) -> FloatArray:
    """Erlangs: ``arrivals`` per ``interval_seconds``, each holding an agent ``aht_seconds``."""
    work: FloatArray = np.asarray(arrivals, float) * np.asarray(aht_seconds, float)
    load: FloatArray = work / np.asarray(interval_seconds, float)
    return load


def erlang_b(load: npt.ArrayLike, agents: npt.ArrayLike) -> FloatArray:
    """Blocking probability of ``agents`` servers under ``load`` erlangs (Erlang B)."""
    a, n = np.broadcast_arrays(np.asarray(load, float), np.asarray(agents, np.int64))
    b = np.ones(a.shape)
    top = int(n.max(initial=0))
    for k in range(1, top + 1):
        step = a * b / (k + a * b)
        b = np.where(k <= n, step, b)
    return b


def erlang_c(load: npt.ArrayLike, agents: npt.ArrayLike) -> FloatArray:
    """Probability that an arrival waits; 1 when ``agents <= load`` (the queue never drains)."""
    a, n = np.broadcast_arrays(np.asarray(load, float), np.asarray(agents, np.int64))
    b = erlang_b(a, n)
    return _c_from_b(a, n.astype(float), b)


def _c_from_b(a: FloatArray, n: FloatArray, b: FloatArray) -> FloatArray:
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(stable, n * b / (n - a * (1.0 - b)), 1.0)
    return np.where(a <= 0, 0.0, np.clip(c, 0.0, 1.0))


def _sl_from_c(
    a: FloatArray, n: FloatArray, c: FloatArray, aht: FloatArray, within: FloatArray
) -> FloatArray:
    with np.errstate(over="ignore", invalid="ignore"):
        sl = 1.0 - c * np.exp(-(n - a) * within / aht)
    return np.where(n > a, sl, np.where(a <= 0, 1.0, 0.0))


def service_level(
    load: npt.ArrayLike,
    agents: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_within_seconds: npt.ArrayLike,
) -> FloatArray:
    """Share of arrivals answered within ``answer_within_seconds`` (0 when unstable)."""
    a, n, aht, within = np.broadcast_arrays(
        np.asarray(load, float),
        np.asarray(agents, np.int64),
        np.asarray(aht_seconds, float),
        np.asarray(answer_within_seconds, float),
    )
    c = _c_from_b(a, n.astype(float), erlang_b(a, n))
    return _sl_from_c(a, n.astype(float), c, aht, within)


def average_speed_of_answer(
    load: npt.ArrayLike, agents: npt.ArrayLike, aht_seconds: npt.ArrayLike
) -> FloatArray:
    """Mean wait in seconds, ``C·AHT / (N - A)``; infinite when ``agents <= load``."""
    a, n, aht = np.broadcast_arrays(
        np.asarray(load, float), np.asarray(agents, np.int64), np.asarray(aht_seconds, float)
    )
    c = erlang_c(a, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(n > a, c * aht / (n - a), np.inf)
    return np.where(a <= 0, 0.0, asa)


def occupancy(load: npt.ArrayLike, agents: npt.ArrayLike) -> FloatArray:
    """Share of agent time spent handling, ``A / N`` (capped at 1; 0 without agents)."""
    a, n = np.broadcast_arrays(np.asarray(load, float), np.asarray(agents, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, np.minimum(a / n, 1.0), 0.0)


def required_agents(
    load: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_within_seconds: npt.ArrayLike,
    target: npt.ArrayLike,
    max_occupancy: npt.ArrayLike = 1.0,
) -> IntArray:
    """The least ``N`` with service level >= ``target`` and occupancy <= ``max_occupancy``.

    ``target`` must be below 1 and ``max_occupancy`` above 0; a load of 0 needs 0 agents.
    No ``N`` below ``n0 = max(⌊A⌋ + 1, ⌈A / max_occupancy⌉)`` can qualify (unstable or too
    busy), so each case starts there with ``B(n0)`` summed directly (below), then steps
    the recursion upward, all cases at once, each leaving as soon as it is answered.
    """
    arrays = np.broadcast_arrays(
        np.asarray(load, float),
        np.asarray(aht_seconds, float),
        np.asarray(answer_within_seconds, float),
        np.asarray(target, float),
        np.asarray(max_occupancy, float),
    )
    shape = arrays[0].shape
    a, aht, within, goal, occ = (np.ravel(x) for x in arrays)
    answer = np.zeros(a.size, np.int64)
    active = np.flatnonzero(a > 0)
    la = a[active]
    n = np.maximum(np.floor(la) + 1, np.ceil(la / occ[active] * (1 - _EPS)))
    b = _erlang_b_at(la, n)
    ratio, need = within[active] / aht[active], 1.0 - goal[active]
    while active.size:
        # Every n here exceeds the load: C and the service level need no guard.
        wait = n * b / (n - la * (1.0 - b))
        done = wait * np.exp((la - n) * ratio) <= need
        if done.any():
            answer[active[done]] = n[done]
            keep = ~done
            active, la, n, b = active[keep], la[keep], n[keep], b[keep]
            ratio, need = ratio[keep], need[keep]
        n = n + 1
        b = la * b / (n + la * b)
    return answer.reshape(shape)


def _erlang_b_at(load: FloatArray, agents: FloatArray) -> FloatArray:
    """``B(N)`` directly, for ``N`` just above the load: ``1/B = Σ_j Π_{i<j} (N - i)/A``.

    The terms fall like ``exp(-j²/2A)`` once ``N - j < A``, so ``9√A + 10`` of them reach
    far below one ulp of the sum. Cases are taken in groups of similar load, each summed
    over only as many terms as its largest load needs.
    """
    out = np.empty(load.size)
    order = np.argsort(load)
    for group in np.array_split(order, max(1, min(48, load.size // 128))):
        if group.size == 0:
            continue
        a, n = load[group], agents[group]
        terms = int(min(n.max(), np.ceil(9 * np.sqrt(a.max())) + 10 + (n - a).max()))
        j = np.arange(terms, dtype=float)
        factors = (n[:, None] - j[None, :]) / a[:, None]  # (N - i) / A for i = 0, 1, …
        factors = np.where(j[None, :] < n[:, None], factors, 0.0)
        # Partial products fall from at most N/A (only the first can exceed 1): no overflow.
        total = 1.0 + np.cumprod(factors, axis=1).sum(axis=1)
        out[group] = 1.0 / total
    return out


def agents_after_shrinkage(productive: npt.ArrayLike, shrinkage: npt.ArrayLike) -> IntArray:
    """The least scheduled head count whose ``1 - shrinkage`` share covers ``productive``."""
    p, s = np.broadcast_arrays(np.asarray(productive, float), np.asarray(shrinkage, float))
    scheduled = np.ceil(p / (1.0 - s) - _EPS)
    return scheduled.astype(np.int64)


def productive_agents(scheduled: npt.ArrayLike, shrinkage: npt.ArrayLike) -> IntArray:
    """Agents actually handling work out of ``scheduled`` ones (rounded down)."""
    n, s = np.broadcast_arrays(np.asarray(scheduled, float), np.asarray(shrinkage, float))
    return np.floor(n * (1.0 - s) + _EPS).astype(np.int64)


@dataclass(frozen=True)
class ErlangTable:
    """Erlang C figures for many cases, one array per figure (the CLI's JSON fields)."""

    offered_load: FloatArray
    agents_raw: IntArray  # productive agents
    agents: IntArray  # scheduled agents, after shrinkage
    wait_probability: FloatArray
    service_level: FloatArray
    asa_seconds: FloatArray  # inf when the queue never drains
    occupancy: FloatArray

    def row(self, index: int) -> dict[str, float | int | None]:
        """One case as plain numbers (``asa_seconds`` None when infinite)."""
        asa = float(self.asa_seconds[index])
        return {
            "offered_load": float(self.offered_load[index]),
            "agents_raw": int(self.agents_raw[index]),
            "agents": int(self.agents[index]),
            "wait_probability": float(self.wait_probability[index]),
            "service_level": float(self.service_level[index]),
            "asa_seconds": asa if np.isfinite(asa) else None,
            "occupancy": float(self.occupancy[index]),
        }


def evaluate_agents(
    load: npt.ArrayLike,
    productive: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_within_seconds: npt.ArrayLike,
    scheduled: npt.ArrayLike,
) -> ErlangTable:
    """Every figure for given productive (and scheduled) head counts (arrays, at least 1-D)."""
    a, n, aht, within, sched = np.broadcast_arrays(
        np.atleast_1d(np.asarray(load, float)),
        np.asarray(productive, np.int64),
        np.asarray(aht_seconds, float),
        np.asarray(answer_within_seconds, float),
        np.asarray(scheduled, np.int64),
    )
    nf = n.astype(float)
    c = _c_from_b(a, nf, erlang_b(a, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(a <= 0, 0.0, np.where(n > a, c * aht / (n - a), np.inf))
    return ErlangTable(
        offered_load=a.astype(float),
        agents_raw=n.astype(np.int64),
        agents=sched.astype(np.int64),
        wait_probability=c,
        service_level=_sl_from_c(a, nf, c, aht, within),
        asa_seconds=asa,
        occupancy=occupancy(a, nf),
    )


def solve(
    load: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_within_seconds: npt.ArrayLike,
    target: npt.ArrayLike,
    *,
    max_occupancy: npt.ArrayLike = 1.0,
    shrinkage: npt.ArrayLike = 0.0,
) -> ErlangTable:
    """The least staffing for each case and every figure at that staffing."""
    raw = required_agents(load, aht_seconds, answer_within_seconds, target, max_occupancy)
    scheduled = agents_after_shrinkage(raw, shrinkage)
    return evaluate_agents(load, raw, aht_seconds, answer_within_seconds, scheduled)
