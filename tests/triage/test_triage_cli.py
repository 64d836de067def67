"""``slakeeper triage`` train, evaluate and predict end to end, as real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slakeeper.services.triage import Triage
from slakeeper.triage.data import read_csv

COLUMNS = ["--text", "subject,description", "--label", "group", "--fields", "caller"]


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "SLAKEEPER_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "slakeeper.cli", "triage", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
        input=stdin,
    )


@pytest.fixture(scope="module")
def model(tickets_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "group.model"
    done = run("train", "--csv", str(tickets_csv), *COLUMNS, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "on the held-out recent share" in done.stdout
    return out


def test_predict_writes_one_suggestion_per_line(model: Path) -> None:
    lines = [
        {"text": "vpn router latency again", "fields": {"caller": "user3"}},
        {"text": "printer toner jam"},
    ]
    done = run("predict", "--model", str(model), stdin="\n".join(map(json.dumps, lines)))
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["label"] for row in out] == ["network", "printing"]
    assert set(out[0]) == {"label", "confidence", "top", "abstain", "why"}
    assert out[0]["top"][0] == [out[0]["label"], out[0]["confidence"]]
    assert "vpn" in out[0]["why"] or "router" in out[0]["why"]


def test_evaluate_reports_figures_beside_baselines(model: Path, fresh_csv: Path) -> None:
    done = run("evaluate", "--model", str(model), "--csv", str(fresh_csv), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["accuracy"] > result["baselines"]["majority"]["accuracy"] + 0.3
    assert result["top3"] >= result["accuracy"]
    assert result["coverage"][0]["coverage"] == 1.0
    assert {row["label"] for row in result["per_class"]} == {"network", "access", "printing"}


def test_time_ordered_evaluation_trains_on_the_past(tickets_csv: Path) -> None:
    done = run("evaluate", "--csv", str(tickets_csv), *COLUMNS, "--time-col", "created")
    assert done.returncode == 0, done.stderr
    assert "baseline keywords" in done.stdout and "reliability" in done.stdout


def test_probabilities_are_calibrated_on_unseen_tickets(model: Path, fresh_csv: Path) -> None:
    tickets = read_csv(fresh_csv, ["subject", "description"], "group", ["caller"])
    found = Triage(model).suggest_many(tickets.texts, tickets.fields)
    confidence = sum(s.confidence for s in found) / len(found)
    accuracy = sum(s.label == t for s, t in zip(found, tickets.labels, strict=True)) / len(found)
    # About one ticket in ten is mislabelled on purpose: neither 1.0 nor far from accuracy.
    assert abs(confidence - accuracy) < 0.08
    assert confidence < 0.99


def test_abstains_below_the_threshold_only(model: Path) -> None:
    sure = Triage(model, threshold=0.0).suggest("printer toner paper jam")
    never = Triage(model, threshold=1.0).suggest("printer toner paper jam")
    assert not sure.abstain and never.abstain
    vague = Triage(model, threshold=0.6).suggest("please help today")
    assert vague.abstain == (vague.confidence < 0.6)


def test_a_model_of_another_version_is_refused(model: Path, tmp_path: Path) -> None:
    header, _, rest = model.read_bytes().partition(b"\n")
    data = json.loads(header)
    data["sklearn"] = "0.0.1"
    other = tmp_path / "old.model"
    other.write_bytes(json.dumps(data).encode() + b"\n" + rest)
    done = run("predict", "--model", str(other), stdin='{"text": "vpn"}')
    assert done.returncode == 2
    assert "sklearn 0.0.1" in done.stderr and "retrain" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["train", "--csv", "TICKETS", "--text", "subject", "--label", "nope", "--out", "M"],
            "no column 'nope'",
        ),
        (["train", "--from-db", "--label", "team", "--out", "M"], "has no slakeeper store"),
        (["evaluate", "--from-db", "--label", "team"], "has no slakeeper store"),
        (["train", "--from-db", "--label", "group", "--out", "M"], "one of severity, team"),
        (["train", "--from-db", "--csv", "TICKETS", "--label", "team", "--out", "M"], "not both"),
        (["train", "--csv", "TICKETS", "--label", "group", "--out", "M"], "give --csv"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str],
    message: str,
    tickets_csv: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # --from-db reads SLAKEEPER_DATABASE_URL: an empty SQLite file has no store.
    monkeypatch.setenv("SLAKEEPER_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    args = [
        str(tickets_csv) if a == "TICKETS" else str(tmp_path / "m") if a == "M" else a for a in args
    ]
    done = run(*args)
    assert done.returncode == 2 and message in done.stderr
    assert not (tmp_path / "m").exists()


def test_a_bad_prediction_line_exits_2_before_any_output(model: Path) -> None:
    done = run("predict", "--model", str(model), stdin='{"text": "vpn"}\nnot json\n')
    assert done.returncode == 2 and "line 2: not valid JSON" in done.stderr
    assert done.stdout == ""
