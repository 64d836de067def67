"""What the evaluation measures: accuracy, macro-F1, top-3, per class, confusions,
accuracy against coverage and a reliability curve; and the two baselines beside it."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from slakeeper.triage.cleaning import clean_text

__all__ = ["KeywordRules", "majority_report", "report"]

COVERAGES = (1.0, 0.9, 0.8, 0.7, 0.5, 0.3)


@dataclass
class KeywordRules:
    """The keyword-rule baseline: each label's most telling words; most hits wins."""

    majority: str = ""
    keywords: dict[str, list[str]] = field(default_factory=dict)

    def fit(self, texts: list[str], labels: list[str], per_label: int = 15) -> None:
        """Pick, for each label, the words most over-represented in its tickets."""
        self.majority = Counter(labels).most_common(1)[0][0]
        words_by_label: dict[str, Counter[str]] = {label: Counter() for label in set(labels)}
        everywhere: Counter[str] = Counter()
        for text, label in zip(texts, labels, strict=True):
            words = {word for word in clean_text(text).split() if len(word) > 2 and word.isalpha()}
            words_by_label[label].update(words)
            everywhere.update(words)
        sizes = Counter(labels)
        for label, counts in words_by_label.items():
            rest = len(labels) - sizes[label]

            def odds(
                word: str, label: str = label, counts: Counter[str] = counts, rest: int = rest
            ) -> float:
                inside = (counts[word] + 0.5) / (sizes[label] + 1)
                outside = (everywhere[word] - counts[word] + 0.5) / (rest + 1)
                return float(np.log(inside / outside)) * min(counts[word], 20)

            ranked = sorted((w for w in counts if counts[w] >= 2), key=odds, reverse=True)
            self.keywords[label] = ranked[:per_label]

    def predict(self, texts: list[str]) -> list[str]:
        """The label whose keywords a text contains most (none: the majority label)."""
        found = []
        for text in texts:
            words = set(clean_text(text).split())
            hits = {label: len(words.intersection(keys)) for label, keys in self.keywords.items()}
            best = max(hits, key=lambda label: hits[label], default=self.majority)
            found.append(best if hits.get(best) else self.majority)
        return found


def report(truth: list[str], classes: list[str], probs: Any) -> dict[str, Any]:
    """Every figure of the evaluation of calibrated probabilities against the truth."""
    order = np.argsort(-probs, axis=1)
    predicted = [classes[i] for i in order[:, 0]]
    index = {label: i for i, label in enumerate(classes)}
    truth_index = np.array([index.get(label, -1) for label in truth])
    top3 = np.any(order[:, :3] == truth_index[:, None], axis=1)
    confidence = probs[np.arange(len(truth)), order[:, 0]]
    right = np.array([p == t for p, t in zip(predicted, truth, strict=True)])
    result = label_report(truth, predicted)
    result["top3"] = float(top3.mean())
    result["coverage"] = _coverage(confidence, right)
    result["reliability"] = _reliability(confidence, right)
    result["ece"] = float(
        sum(b["count"] * abs(b["confidence"] - b["accuracy"]) for b in result["reliability"])
        / len(truth)
    )
    return result


def label_report(truth: list[str], predicted: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, the per-class table and the confusions that matter most."""
    labels = sorted(set(truth) | set(predicted))
    per_class = []
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label == p)
        support = sum(1 for t in truth if t == label)
        said = sum(1 for p in predicted if p == label)
        precision = tp / said if said else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append(
            {"label": label, "precision": precision, "recall": recall, "f1": f1, "support": support}
        )
    in_truth = [row for row in per_class if row["support"]]
    pairs = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    return {
        "tickets": len(truth),
        "accuracy": sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth),
        "macro_f1": sum(row["f1"] for row in in_truth) / max(1, len(in_truth)),
        "per_class": per_class,
        "confusions": [[t, p, n] for (t, p), n in pairs.most_common(10)],
    }


def majority_report(truth: list[str], majority: str) -> dict[str, Any]:
    """The majority-class baseline: always the most frequent training label."""
    return label_report(truth, [majority] * len(truth))


def _coverage(confidence: Any, right: Any) -> list[dict[str, float]]:
    order = np.argsort(-confidence)
    rows = []
    for share in COVERAGES:
        kept = order[: max(1, round(share * len(order)))]
        rows.append(
            {
                "coverage": share,
                "accuracy": float(right[kept].mean()),
                "threshold": float(confidence[kept].min()),
            }
        )
    return rows


def _reliability(confidence: Any, right: Any, bins: int = 10) -> list[dict[str, float]]:
    rows = []
    edges = np.linspace(0, 1, bins + 1)
    for low, high in itertools.pairwise(edges):
        inside = (confidence >= low) & ((confidence < high) | (high == 1))
        if inside.any():
            rows.append(
                {
                    "bin": f"{low:.1f}-{high:.1f}",
                    "count": int(inside.sum()),
                    "confidence": float(confidence[inside].mean()),
                    "accuracy": float(right[inside].mean()),
                }
            )
    return rows
