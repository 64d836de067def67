"""Triage at intake in the service: applied above the threshold, left to a human below it,
and the human decisions kept beside the suggestions (services/intake.py).

The model is trained by the real ``slakeeper triage train`` on a CSV whose team follows
from words in the text (tests/triage/conftest.py): "printer toner jam" is clearly
``printing``; a text of filler words gives the model nothing to be sure of.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from slakeeper.services.tokens import Role
from slakeeper.store.events import EventRow
from slakeeper.store.tickets import TicketRow
from tests.service.conftest import Service
from tests.service.test_monitor import CONFIG
from tests.triage.conftest import write_tickets

CLEAR = "printer toner jam queue"
VAGUE = "please help today again"


@pytest.fixture(scope="module")
def team_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("intake")
    tickets = write_tickets(folder / "tickets.csv", 600, seed=1)
    out = folder / "team.model"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "slakeeper.cli", "triage", "train", "--csv", str(tickets)),
            *("--text", "subject,description", "--label", "group", "--out", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


def _config(model: Path, threshold: float = 0.6) -> str:
    return CONFIG + f"triage:\n  team: {{model: '{model}', threshold: {threshold}}}\n"


def created(ticket: str, subject: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{ticket}-c",
        "ticket": ticket,
        "type": "created",
        "at": "2026-03-02T09:00:00Z",
        "severity": "P1",
        "account": "acme",
        "subject": subject,
        "description": subject,
    } | extra


def assign(ticket: str, team: str, when: str = "09:10") -> dict[str, Any]:
    return {
        "id": f"{ticket}-a-{team}",
        "ticket": ticket,
        "type": "assign",
        "at": f"2026-03-02T{when}:00Z",
        "team": team,
        "agent": "ana",
    }


def _post(service: Service, events: Any) -> dict[str, Any]:
    answer = service.post_events(events)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _configure(service: Service, text: str) -> None:
    answer = service.put_config(text)
    assert answer.status_code == 201, answer.text


def _ticket(service: Service, ticket: str) -> dict[str, Any]:
    answer = service.get(f"/api/v1/tickets/{ticket}", role=Role.VIEWER)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _queue(service: Service, **params: Any) -> list[dict[str, Any]]:
    answer = service.get("/api/v1/queue", role=Role.VIEWER, **params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def _accuracy(service: Service) -> dict[str, Any]:
    answer = service.get("/api/v1/triage/accuracy", role=Role.VIEWER)
    assert answer.status_code == 200, answer.text
    return {item["field"]: item for item in answer.json()["items"]}


def test_a_confident_suggestion_is_applied_as_a_system_event_at_the_created_instant(
    service: Service, team_model: Path
) -> None:
    _configure(service, _config(team_model))
    _post(service, created("T-1", CLEAR))
    with service.database.read() as connection:
        events = connection.execute(
            select(EventRow.id, EventRow.at, EventRow.source).where(EventRow.ticket == "T-1")
        ).all()
        team = connection.execute(select(TicketRow.team).where(TicketRow.id == "T-1")).scalar()
    assert {(e.id, e.source) for e in events} == {("T-1-c", "api"), ("triage:T-1:team", "triage")}
    assert len({e.at for e in events}) == 1  # the system event is at the created instant
    assert team == "printing"
    triage = _ticket(service, "T-1")["triage"]
    assert [(t["field"], t["label"], t["applied"]) for t in triage] == [("team", "printing", True)]
    assert triage[0]["confidence"] >= 0.6 and triage[0]["decided"] is None
    stored = service.get("/api/v1/tickets/T-1/events", role=Role.VIEWER).json()["items"]
    system = next(item["event"] for item in stored if item["event"]["id"] == "triage:T-1:team")
    assert system["author"] == "system" and system["type"] == "assign"
    assert system["triage"]["model"] == "team.model"
    assert _queue(service, needs_triage=True) == []


def test_an_unsure_suggestion_waits_for_a_human_who_then_decides(
    service: Service, team_model: Path
) -> None:
    _configure(service, _config(team_model, threshold=0.95))
    _post(service, [created("T-1", VAGUE), created("T-2", "vpn wifi router dns")])
    waiting = _queue(service, needs_triage=True)
    assert [(item["ticket"], item["triage"]) for item in waiting] == [("T-1", ["team"])]
    assert {item["ticket"] for item in _queue(service, needs_triage=False)} == {"T-2"}
    with service.database.read() as connection:
        ids = set(connection.execute(select(EventRow.id)).scalars())
    assert "triage:T-1:team" not in ids and "triage:T-2:team" in ids
    suggested = _ticket(service, "T-1")["triage"][0]
    assert suggested["applied"] is False and suggested["confidence"] < 0.95
    _post(service, assign("T-1", "access"))
    assert _queue(service, needs_triage=True) == []
    decided = _ticket(service, "T-1")["triage"][0]["decided"]
    assert decided["label"] == "access" and decided["by"] == "ana"
    assert decided["changed"] is (suggested["label"] != "access")
    counts = _accuracy(service)["team"]
    assert counts["suggested"] == 2 and counts["abstained"] == 1 and counts["waiting"] == 0
    assert counts["agreed"] + counts["disagreed"] == 1


def test_humans_overriding_applied_suggestions_show_in_the_accuracy(
    service: Service, team_model: Path
) -> None:
    _configure(service, _config(team_model))
    _post(service, [created("T-1", CLEAR), created("T-2", "printer paper scanner jam")])
    _post(service, assign("T-1", "network"))  # a human disagrees with triage on T-1
    counts = _accuracy(service)["team"]
    assert (counts["applied"], counts["kept"], counts["overridden"]) == (2, 1, 1)
    assert counts["kept_share"] == 0.5
    with service.database.read() as connection:
        team = connection.execute(select(TicketRow.team).where(TicketRow.id == "T-1")).scalar()
    assert team == "network"


def test_a_ticket_created_with_its_team_gets_no_suggestion_and_repeats_get_one(
    service: Service, team_model: Path
) -> None:
    _configure(service, _config(team_model))
    _post(service, created("T-1", CLEAR, team="tier1"))
    _post(service, created("T-2", CLEAR))
    again = _post(service, created("T-2", CLEAR))  # the same event again: a duplicate
    assert again["accepted"] == 0
    assert _ticket(service, "T-1")["triage"] == []
    assert len(_ticket(service, "T-2")["triage"]) == 1
    assert _accuracy(service)["team"]["suggested"] == 1


def test_a_missing_model_never_fails_an_ingest(service: Service, tmp_path: Path) -> None:
    _configure(service, _config(tmp_path / "gone.model"))
    answer = _post(service, created("T-1", CLEAR))
    assert answer["accepted"] == 1
    assert _ticket(service, "T-1")["triage"] == []
    assert _accuracy(service) == {}


def test_accuracy_refuses_a_bad_instant_naming_it(service: Service) -> None:
    answer = service.get("/api/v1/triage/accuracy", role=Role.VIEWER, **{"from": "yesterday"})
    assert answer.status_code in (400, 422)
    assert "from" in answer.text


def _history(folder: Path, count: int) -> list[dict[str, Any]]:
    """Tickets created in tier1, moved to their group's team by a human, then solved; the
    last ten are never solved."""
    import csv

    rows = list(csv.DictReader(write_tickets(folder / "history.csv", count, seed=3).open()))
    events: list[dict[str, Any]] = []
    for n, row in enumerate(rows):
        ticket, day = f"H-{n}", f"2026-01-{1 + n % 28:02d}T{8 + n % 9:02d}"
        events.append(
            {"id": f"{ticket}-c", "ticket": ticket, "type": "created", "at": f"{day}:00:00Z"}
            | {"severity": "P1", "account": "acme", "team": "tier1", "subject": row["subject"]}
            | {"description": row["description"]}
        )
        events.append(assign(ticket, row["group"]) | {"at": f"{day}:10:00Z"})
        if n < count - 10:
            events.append(
                {"id": f"{ticket}-s", "ticket": ticket, "type": "status", "at": f"{day}:30:00Z"}
                | {"status": "solved"}
            )
    return events


def test_from_db_learns_the_team_as_it_stood_when_solved(
    database: Any, database_url: str, tmp_path: Path
) -> None:
    from slakeeper.services.ingest import ingest_events
    from slakeeper.services.triage import stored_tickets

    events = _history(tmp_path, 300)
    for start in range(0, len(events), 200):
        ingest_events(database, events[start : start + 200], now=2_000_000_000_000_000)
    tickets = stored_tickets(database, "team")
    assert len(tickets.labels) == 290  # the ten unsolved tickets teach nothing
    assert "tier1" not in tickets.labels  # the human's correction, not the intake team
    assert tickets.times == sorted(tickets.times or [])  # read in time order
    env = dict(os.environ, SLAKEEPER_DATABASE_URL=database_url)
    out = tmp_path / "team.model"
    train = _triage_cli(env, "train", "--from-db", "--label", "team", "--out", str(out))
    assert train.returncode == 0, train.stderr
    from slakeeper.services.triage import Triage

    assert Triage(out).suggest("printer toner jam").label == "printing"
    check = _triage_cli(env, "evaluate", "--from-db", "--label", "team", "--json")
    assert check.returncode == 0, check.stderr
    figures = json.loads(check.stdout)
    assert figures["accuracy"] > figures["baselines"]["majority"]["accuracy"]


def _triage_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "slakeeper.cli", "triage", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def test_serve_loads_the_configured_models_before_the_first_ingest(
    service: Service, team_model: Path, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from slakeeper.services import intake
    from slakeeper.web.app import create_app

    _configure(service, _config(team_model))
    intake._MODELS.clear()
    app = create_app(service.settings, database=service.database, clock=service.clock)
    with TestClient(app):  # the start of a second process of the service
        assert [path for path, _ in intake._MODELS] == [os.path.abspath(team_model)]
    intake._MODELS.clear()
    assert intake.preload_models(service.database) == 1
    # A model that cannot be loaded is skipped (with a warning), never an error at start.
    _configure(service, _config(tmp_path / "gone.model"))
    intake._MODELS.clear()
    assert intake.preload_models(service.database) == 0
    assert intake._MODELS == {}
