"""An independent Erlang C for tests and the benchmark: Poisson terms summed in log space.

``C(N) = P(N)·N/(N-A) / (Σ_{k<N} P(k) + P(N)·N/(N-A))`` with ``P(k) = e^{-A} A^k / k!``
from ``lgamma`` and ``math.fsum``; no Erlang B recursion. ``least_agents`` tries every ``N``
from 1 upward (an exhaustive search).
"""

from __future__ import annotations

import math


def wait_probability(load: float, agents: int) -> float:
    """Erlang C by direct summation of Poisson probabilities."""
    if load <= 0:
        return 0.0
    if agents <= load:
        return 1.0
    log_a = math.log(load)
    terms = [math.exp(k * log_a - load - math.lgamma(k + 1)) for k in range(agents)]
    last = math.exp(agents * log_a - load - math.lgamma(agents + 1)) * agents / (agents - load)
    return last / (math.fsum(terms) + last)


def service_level(load: float, agents: int, aht: float, within: float) -> float:
    """Share answered within ``within`` seconds."""
    if load <= 0:
        return 1.0
    if agents <= load:
        return 0.0
    return 1.0 - wait_probability(load, agents) * math.exp(-(agents - load) * within / aht)


def least_agents(
    load: float, aht: float, within: float, target: float, max_occupancy: float = 1.0
) -> int:
    """The least N meeting the target and the occupancy cap, trying N = 1, 2, 3, …"""
    if load <= 0:
        return 0
    agents = 1
    while not (
        agents > load
        and service_level(load, agents, aht, within) >= target
        and load <= max_occupancy * agents * (1 + 1e-12)
    ):
        agents += 1
    return agents
