"""The triage model: TF-IDF word and character n-grams, categorical fields, a linear SVM,
and a temperature that turns its scores into calibrated probabilities.

One linear model serves prediction (fast: one sparse product) and explanation (the terms
of the ticket that weigh most for the suggested label). The temperature is fitted on
out-of-fold scores, so the confidence means what it says on unseen tickets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from slakeeper.core.errors import InputError
from slakeeper.triage.cleaning import clean_text

__all__ = ["OTHER", "Options", "TriageModel", "group_rare"]

OTHER = "other"


@dataclass
class Options:
    """How a model is built (recorded in the model file)."""

    min_count: int = 5
    c: float = 0.3
    class_weight: str | None = None
    char_range: tuple[int, int] = (2, 5)
    field_weight: float = 1.0
    folds: int = 3
    seed: int = 0
    estimator: str = "svm"  # or "logreg": measured side by side in bench/triage.py


def group_rare(labels: list[str], min_count: int) -> tuple[list[str], list[str]]:
    """Labels with fewer than ``min_count`` examples become ``other``; also which ones did."""
    counts = Counter(labels)
    rare = sorted(label for label, n in counts.items() if n < min_count)
    if not rare:
        return labels, []
    gone = set(rare)
    return [OTHER if label in gone else label for label in labels], rare


def field_tokens(fields: dict[str, Any]) -> str:
    """Categorical fields as one token each (``caller=jane_doe``), for a one-hot encoding."""
    return " ".join(
        f"{name}={str(value).strip().casefold().replace(' ', '_')}"
        for name, value in sorted(fields.items())
        if value not in (None, "")
    )


def _split_space(text: str) -> list[str]:
    return text.split()


@dataclass
class TriageModel:
    """A fitted classifier of ticket texts (and fields) into labels."""

    options: Options = field(default_factory=Options)
    classes: list[str] = field(default_factory=list)
    temperature: float = 1.0
    _word: Any = None
    _char: Any = None
    _fields: Any = None
    _svm: Any = None
    _names: Any = None

    def fit(self, texts: list[str], fields: list[dict[str, Any]], labels: list[str]) -> None:
        """Learn from raw texts, their fields and labels (rare labels grouped beforehand)."""
        if len(set(labels)) < 2:
            raise InputError("triage needs at least two labels with enough examples to learn")
        opts = self.options
        cleaned = [clean_text(text) for text in texts]
        self._word = TfidfVectorizer(
            ngram_range=(1, 2),
            min_df=2,
            max_df=0.5,
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w\w+\b",
            max_features=200_000,
            dtype=np.float32,
        )
        self._char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=opts.char_range,
            min_df=2,
            sublinear_tf=True,
            max_features=300_000,
            dtype=np.float32,
        )
        self._fields = TfidfVectorizer(
            analyzer=_split_space,
            lowercase=False,
            use_idf=False,
            norm=None,
            binary=True,
            dtype=np.float32,
        )
        tokens = [field_tokens(each) for each in fields]
        try:
            blocks = [self._word.fit_transform(cleaned), self._char.fit_transform(cleaned)]
        except ValueError:  # an empty vocabulary: nothing occurs in two tickets
            raise InputError("the text columns have no words common to two tickets") from None
        if any(tokens):
            blocks.append(self._fields.fit_transform(tokens) * opts.field_weight)
        else:
            self._fields = None
        x = sparse.hstack(blocks, format="csr")
        y = np.asarray(labels)
        if opts.estimator == "logreg":
            from sklearn.linear_model import LogisticRegression

            self._svm = LogisticRegression(
                C=opts.c * 10, class_weight=opts.class_weight, max_iter=2000
            )
        else:
            self._svm = LinearSVC(C=opts.c, class_weight=opts.class_weight)
        self.temperature = self._calibrate(x, y)
        self._svm.fit(x, y)
        self.classes = [str(each) for each in self._svm.classes_]
        self._names = np.concatenate(
            [
                self._word.get_feature_names_out(),
                np.full(len(self._char.vocabulary_), "", dtype=object),
                *([] if self._fields is None else [self._fields.get_feature_names_out()]),
            ]
        )

    def _calibrate(self, x: Any, y: Any) -> float:
        smallest = min(Counter(y.tolist()).values())
        folds = min(self.options.folds, smallest)
        if folds < 2:
            return 1.0
        split = StratifiedKFold(folds, shuffle=True, random_state=self.options.seed)
        scores = cross_val_predict(self._svm, x, y, cv=split, method="decision_function")
        scores = _two_columns(scores)
        index = np.searchsorted(np.unique(y), y)

        def loss(log_t: float) -> float:
            p = _softmax(scores / np.exp(log_t))
            return float(-np.mean(np.log(p[np.arange(len(index)), index] + 1e-12)))

        return float(np.exp(minimize_scalar(loss, bounds=(-5, 3), method="bounded").x))

    def features(self, texts: list[str], fields: list[dict[str, Any]]) -> Any:
        """The feature matrix of raw texts and their fields (as the fitted vectorisers
        would compute it, without scikit-learn's per-call checks: the service's hot path)."""
        cleaned = [clean_text(text) for text in texts]
        blocks = [
            (vectorize(self._word, cleaned), len(self._word.vocabulary_), 1.0),
            (vectorize(self._char, cleaned), len(self._char.vocabulary_), 1.0),
        ]
        if self._fields is not None:
            tokens = [field_tokens(each) for each in fields]
            blocks.append(
                (
                    vectorize(self._fields, tokens),
                    len(self._fields.vocabulary_),
                    self.options.field_weight,
                )
            )
        return _stack(blocks)

    def probabilities(self, x: Any) -> Any:
        """Calibrated probabilities, one row per ticket, columns in ``classes`` order."""
        scores = np.asarray(x @ self._svm.coef_.T) + self._svm.intercept_
        if scores.shape[1] == 1:
            scores = scores[:, 0]
        return _softmax(_two_columns(scores) / self.temperature)

    def why(self, row: Any, label: str, count: int = 5) -> list[str]:
        """The words and fields of one ticket that weighed most for ``label``."""
        coef = self._svm.coef_
        k = self.classes.index(label)
        weights = coef[0] * (1 if k == 1 else -1) if coef.shape[0] == 1 else coef[k]
        row = row.tocsr()
        contributions = row.data * weights[row.indices]
        order = np.argsort(-contributions)
        found: list[str] = []
        for position in order:
            if contributions[position] <= 0 or len(found) == count:
                break
            name = self._names[row.indices[position]]
            if name:
                found.append(str(name))
        return found


def vectorize(vectorizer: Any, docs: list[str]) -> list[tuple[Any, Any]]:
    """What ``vectorizer.transform(docs)`` computes, for a fitted TfidfVectorizer, as one
    (column indices, values) pair per document: cheaper than scipy matrices for one ticket."""
    analyze = vectorizer.build_analyzer()
    vocabulary = vectorizer.vocabulary_
    rows = []
    for doc in docs:
        counts = Counter(i for i in map(vocabulary.get, analyze(doc)) if i is not None)
        indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if vectorizer.binary:
            values[:] = 1
        elif vectorizer.sublinear_tf:
            values = np.log(values) + 1
        if vectorizer.use_idf:
            values *= vectorizer.idf_[indices]
        if vectorizer.norm == "l2" and len(values):
            values /= np.sqrt(values @ values)
        rows.append((indices, values))
    return rows


def _stack(blocks: list[tuple[list[tuple[Any, Any]], int, float]]) -> Any:
    # Each block: rows of (indices, values), its width, its weight; side by side in one CSR.
    count = len(blocks[0][0])
    indices, values, indptr = [], [], [0]
    for row in range(count):
        offset = 0
        for rows, width, weight in blocks:
            found, data = rows[row]
            indices.append(found + offset)
            values.append(data * weight)
            offset += width
        indptr.append(indptr[-1] + sum(len(each) for each in indices[-len(blocks) :]))
    width = sum(block[1] for block in blocks)
    return sparse.csr_matrix(
        (np.concatenate(values).astype(np.float32), np.concatenate(indices), indptr),
        shape=(count, width),
    )


def _two_columns(scores: Any) -> Any:
    # A two-class SVM returns one score per ticket (for the second class).
    if scores.ndim == 1:
        return np.column_stack([-scores / 2, scores / 2])
    return scores


def _softmax(scores: Any) -> Any:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
