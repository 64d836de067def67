"""Random draws of the engine: weighted choices, Poisson counts, lognormal delays, CSAT."""

from __future__ import annotations

import math
import random
from bisect import bisect_right

from slakeeper.simulation.scenario import LogNormal

__all__ = ["csat_score", "cumulative", "delay", "draw", "lognormal", "poisson"]

US = 1_000_000
MINUTE = 60 * US


def cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def draw(rng: random.Random, cumulative: list[float]) -> int:
    index = bisect_right(cumulative, rng.random() * cumulative[-1])
    return min(index, len(cumulative) - 1)


def poisson(rng: random.Random, rate: float) -> int:
    if rate <= 0:
        return 0
    if rate > 30:
        return max(0, round(rng.gauss(rate, math.sqrt(rate))))
    limit, count, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def lognormal(rng: random.Random, spec: LogNormal) -> float:
    return rng.lognormvariate(math.log(spec.median_minutes), spec.sigma)


def delay(rng: random.Random, spec: LogNormal) -> int:
    return max(US, int(lognormal(rng, spec) * MINUTE))


def csat_score(rng: random.Random, hours: float, fast_hours: float) -> int:
    """5 when served fast, falling by about one point each time the wait quadruples."""
    mean = 5.0 - 0.5 * math.log2(1.0 + hours / fast_hours)
    return max(1, min(5, round(rng.gauss(mean, 0.8))))
