"""Training and evaluating a triage model on labelled tickets."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict
from typing import Any

from slakeeper.triage.data import Tickets, split
from slakeeper.triage.metrics import KeywordRules, label_report, majority_report, report
from slakeeper.triage.model import OTHER, Options, TriageModel, group_rare

__all__ = ["evaluate_payload", "fit", "train"]


def fit(tickets: Tickets, options: Options) -> tuple[dict[str, Any], dict[str, Any]]:
    """A model (and its baselines) fitted on every ticket: the header summary and payload."""
    labels, rare = group_rare(tickets.labels, options.min_count)
    keep = list(range(len(labels)))
    # An ``other`` with too few tickets to calibrate on is dropped rather than guessed at.
    if rare and labels.count(OTHER) < options.folds:
        keep = [i for i, label in enumerate(labels) if label != OTHER]
    kept = tickets.take(keep)
    kept.labels = [labels[i] for i in keep]
    started = time.perf_counter()
    model = TriageModel(options)
    model.fit(kept.texts, kept.fields, kept.labels)
    keywords = KeywordRules()
    keywords.fit(kept.texts, kept.labels)
    summary = {
        "tickets": len(tickets.labels),
        "trained_on": len(kept.labels),
        "label_counts": dict(Counter(kept.labels).most_common()),
        "grouped_as_other": rare,
        "dropped_rare": len(tickets.labels) - len(kept.labels),
        "fields": sorted({name for each in tickets.fields for name in each}),
        "seconds": round(time.perf_counter() - started, 2),
    }
    header = {
        "labels": model.classes,
        "training": summary,
        "options": asdict(options),
        "temperature": model.temperature,
    }
    return header, {"model": model, "keywords": keywords, "majority": keywords.majority}


def train(
    tickets: Tickets, options: Options, holdout: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Measure on a held-out recent share (when ``holdout``), then fit on everything."""
    metrics = None
    if holdout:
        past, recent = split(tickets, holdout, options.seed)
        _, payload = fit(past, options)
        metrics = evaluate_payload(payload, recent, options.min_count)
    header, payload = fit(tickets, options)
    header["metrics"] = metrics
    return header, payload


def evaluate_payload(payload: dict[str, Any], tickets: Tickets, min_count: int) -> dict[str, Any]:
    """The model's figures on ``tickets`` beside the majority and keyword baselines."""
    model: TriageModel = payload["model"]
    truth = [label if label in model.classes else OTHER for label in tickets.labels]
    probs = model.probabilities(model.features(tickets.texts, tickets.fields))
    result = report(truth, model.classes, probs)
    result["baselines"] = {
        "majority": _short(majority_report(truth, payload["majority"])),
        "keywords": _short(label_report(truth, payload["keywords"].predict(tickets.texts))),
    }
    result["unseen_labels"] = sorted(set(tickets.labels) - set(model.classes) - {OTHER})
    return result


def _short(full: dict[str, Any]) -> dict[str, Any]:
    return {"accuracy": full["accuracy"], "macro_f1": full["macro_f1"]}
