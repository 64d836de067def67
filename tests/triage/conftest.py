"""A small labelled CSV whose labels follow from words in the text (with some noise)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

WORDS = {
    "network": ["vpn", "wifi", "router", "firewall", "dns", "latency"],
    "access": ["password", "login", "account", "locked", "reset", "permission"],
    "printing": ["printer", "toner", "paper", "scanner", "jam", "queue"],
}
FILLER = ["please", "help", "urgent", "today", "again", "since", "monday", "our", "team", "the"]


def write_tickets(path: Path, count: int, seed: int) -> Path:
    """``count`` tickets: subject, description, caller, group, created."""
    rng = random.Random(seed)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["subject", "description", "caller", "group", "created"])
        for n in range(count):
            group = rng.choice(sorted(WORDS))
            # One in ten tickets is mislabelled: the model cannot be perfectly sure.
            words = WORDS[rng.choice(sorted(WORDS))] if rng.random() < 0.1 else WORDS[group]
            subject = " ".join(rng.sample(words, 2) + rng.sample(FILLER, 2))
            description = " ".join(rng.sample(FILLER, 4) + rng.sample(words, 1))
            caller = f"user{rng.randrange(30)}"
            writer.writerow([subject, description, caller, group, f"2024-01-01 {n % 24:02d}:00"])
    return path


@pytest.fixture(scope="session")
def tickets_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tickets(tmp_path_factory.mktemp("triage") / "tickets.csv", 600, seed=1)


@pytest.fixture(scope="session")
def fresh_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tickets(tmp_path_factory.mktemp("triage") / "fresh.csv", 400, seed=2)
