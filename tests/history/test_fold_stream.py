"""One pass over a history (services/histories.fold_tickets) folds each ticket once its last
line is read: whatever the worker count, it sees the same logs and says the same things as
the grouping `evaluate` does in one process (core.evaluation.group_events), on a simulated
log salted with bad lines, repeated and reused ids (some long after their first use),
events before `created`, after `--now` and for tickets never created."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from slakeeper.config import load_config
from slakeeper.core.evaluation import LATER, Diagnostic, evaluate_logged
from slakeeper.core.events import Event
from slakeeper.core.instants import parse_instant_us
from slakeeper.services.evaluations import evaluate_file, ticket_document
from slakeeper.services.histories import fold_tickets
from tests.cli.test_evaluate_parallel import CONFIG, NOW, salted

NOW_US = parse_instant_us(NOW)


@dataclass
class Documents:
    """A fold that keeps every ticket's evaluated document."""

    documents: dict[str, Any] = field(default_factory=dict)

    def add(self, ticket: str, log: list[Event], diagnostics: list[Diagnostic]) -> None:
        result = evaluate_logged(ticket, log, load_config(CONFIG), NOW_US, diagnostics)
        if result is not None:
            self.documents[ticket] = ticket_document(result, NOW_US)

    def tally(self) -> Any:
        return self.documents


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fold")
    simulated = folder / "simulated.jsonl"
    command = [sys.executable, "-m", "slakeeper.cli", "simulate", "--days", "3", "--seed", "5"]
    subprocess.run([*command, "--out", str(simulated)], check=True, capture_output=True)
    path = folder / "salted.jsonl"
    path.write_bytes(b"".join(salted(simulated.read_bytes().splitlines(keepends=True))))
    return path


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_each_ticket_is_folded_once_whole_as_one_process_groups_it(log: Path, workers: int) -> None:
    reference = evaluate_file(log, load_config(CONFIG), NOW_US)
    expected = {r.ticket: ticket_document(r, NOW_US) for r in reference.tickets}
    later = [d for d in reference.diagnostics if d.message == LATER]
    notes = sorted(
        (d for d in reference.diagnostics if d.message != LATER), key=lambda d: d.line or 0
    )

    done = fold_tickets(log, NOW_US, Documents, workers=workers)

    folded: dict[str, Any] = {}
    for part in done.tallies:
        assert not folded.keys() & part.keys()  # no ticket folded by two workers
        folded.update(part)
    assert folded == expected
    assert len(folded) > 500
    assert done.later == len(later) > 0
    assert done.diagnostics == [str(d) for d in notes]
    assert any("was already used (line 119)" in text for text in done.diagnostics)
