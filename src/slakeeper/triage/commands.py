"""``slakeeper triage``: train, evaluate and predict (docs/triage.md).

Heavy imports (scikit-learn, scipy) happen inside the commands, so ``slakeeper`` starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from slakeeper.core.errors import InputError

__all__ = ["triage_app"]

triage_app = typer.Typer(
    help="Suggest severity, product or team from a ticket's text, learned from history.",
    no_args_is_help=True,
)


CsvOpt = Annotated[Path | None, typer.Option("--csv", help="Labelled tickets (CSV with header).")]
TextOpt = Annotated[
    str | None, typer.Option("--text", help="Text column(s), comma-separated: COL[,COL...].")
]
LabelOpt = Annotated[str | None, typer.Option("--label", help="The label column.")]
FieldsOpt = Annotated[
    str | None, typer.Option("--fields", help="Categorical columns (caller, account...).")
]
TimeOpt = Annotated[
    str | None, typer.Option("--time-col", help="Creation time column: split by time.")
]
DbOpt = Annotated[bool, typer.Option("--from-db", help="Use the service's stored tickets.")]


def _wrap(command: Any) -> Any:
    from slakeeper.cli import reports_errors

    return reports_errors(command)


def _columns(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _read(
    csv: Path | None,
    text: str | None,
    label: str | None,
    fields: str | None,
    time_col: str | None,
    from_db: bool,
) -> Any:
    from slakeeper.triage.data import read_csv

    if from_db:
        if csv is not None:
            raise InputError("give --csv FILE or --from-db, not both")
        from slakeeper.services.triage import FROM_DB_LABELS

        if label not in FROM_DB_LABELS:
            known = ", ".join(FROM_DB_LABELS)
            raise InputError(f"--label: with --from-db, one of {known}; got {label!r}")
        return _read_store(label, _columns(fields))
    if csv is None or not _columns(text) or not label:
        raise InputError("give --csv FILE, --text COL[,COL...] and --label COL")
    return read_csv(csv, _columns(text), label, _columns(fields), time_col)


def _read_store(label: str, fields: list[str]) -> Any:
    """The service store's solved tickets (SLAKEEPER_DATABASE_URL)."""
    from slakeeper.services.triage import stored_tickets
    from slakeeper.settings import Settings
    from slakeeper.store.migrate import is_current
    from slakeeper.store.session import create_database

    database = create_database(Settings().database_url)
    try:
        if not is_current(database):
            raise InputError(
                "--from-db: the database has no slakeeper store (run slakeeper db upgrade)"
            )
        return stored_tickets(database, label, fields)
    finally:
        database.dispose()


@triage_app.command("train")
def train_command(
    out: Annotated[Path, typer.Option("--out", help="Model file to write.")],
    csv: CsvOpt = None,
    text: TextOpt = None,
    label: LabelOpt = None,
    fields: FieldsOpt = None,
    time_col: TimeOpt = None,
    from_db: DbOpt = False,
    min_count: Annotated[
        int, typer.Option("--min-count", min=1, help="Rarer labels are grouped as 'other'.")
    ] = 5,
    holdout: Annotated[
        float, typer.Option("--holdout", min=0, max=0.9, help="Recent share measured (0: none).")
    ] = 0.2,
    class_weight: Annotated[
        str, typer.Option("--class-weight", help="none or balanced (favours rare labels).")
    ] = "none",
    c: Annotated[float, typer.Option("--c", min=0.001, help="Inverse regularisation.")] = 0.3,
) -> None:
    """Train a model from a CSV export; print its measured figures."""
    _wrap(_train)(
        out, csv, text, label, fields, time_col, from_db, min_count, holdout, class_weight, c
    )


def _train(
    out: Path,
    csv: Path | None,
    text: str | None,
    label: str | None,
    fields: str | None,
    time_col: str | None,
    from_db: bool,
    min_count: int,
    holdout: float,
    class_weight: str,
    c: float,
) -> None:
    from slakeeper.triage.files import write_model
    from slakeeper.triage.model import Options
    from slakeeper.triage.printing import print_training

    if class_weight not in ("none", "balanced"):
        raise InputError(f"--class-weight: expected none or balanced, got {class_weight!r}")
    tickets = _read(csv, text, label, fields, time_col, from_db)
    options = Options(
        min_count=min_count, c=c, class_weight=None if class_weight == "none" else "balanced"
    )
    from slakeeper.triage.training import train

    header, payload = train(tickets, options, holdout)
    header["source"] = {
        "csv": str(csv),
        "text": _columns(text),
        "label": label,
        "fields": _columns(fields),
        "time_col": time_col,
    }
    write_model(out, header, payload)
    print_training(header)


@triage_app.command("evaluate")
def evaluate_command(
    model: Annotated[
        Path | None, typer.Option("--model", help="Evaluate this model on the whole CSV.")
    ] = None,
    csv: CsvOpt = None,
    text: TextOpt = None,
    label: LabelOpt = None,
    fields: FieldsOpt = None,
    time_col: TimeOpt = None,
    from_db: DbOpt = False,
    test_share: Annotated[
        float, typer.Option("--test-share", help="Without --model: the recent share tested.")
    ] = 0.2,
    min_count: Annotated[int, typer.Option("--min-count", min=1)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Measure a model (or train on the past and test on the recent share) beside baselines."""
    _wrap(_evaluate)(
        model, csv, text, label, fields, time_col, from_db, test_share, min_count, as_json
    )


def _evaluate(
    model: Path | None,
    csv: Path | None,
    text: str | None,
    label: str | None,
    fields: str | None,
    time_col: str | None,
    from_db: bool,
    test_share: float,
    min_count: int,
    as_json: bool,
) -> None:
    from slakeeper.triage.data import split
    from slakeeper.triage.files import read_model
    from slakeeper.triage.model import Options
    from slakeeper.triage.printing import print_evaluation
    from slakeeper.triage.training import evaluate_payload, fit

    if model is not None:
        header, payload = read_model(model)
        source = header.get("source", {})
        text = text or ",".join(source.get("text", []))
        label = label or source.get("label")
        fields = fields if fields is not None else ",".join(source.get("fields", []))
        result = evaluate_payload(
            payload, _read(csv, text, label, fields, None, from_db), min_count
        )
    else:
        past, recent = split(_read(csv, text, label, fields, time_col, from_db), test_share)
        _, payload = fit(past, Options(min_count=min_count))
        result = evaluate_payload(payload, recent, min_count)
        result["split"] = {
            "train": len(past.labels),
            "test": len(recent.labels),
            "by_time": time_col is not None,
        }
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        print_evaluation(result)


@triage_app.command("predict")
def predict_command(
    model: Annotated[Path, typer.Option("--model", help="A model from `triage train`.")],
    input_file: Annotated[
        Path | None, typer.Option("--in", help="JSONL of {text, fields}; default stdin.")
    ] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", min=0, max=1, help="Abstain below this confidence.")
    ] = 0.5,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Tickets per batch.")] = 512,
) -> None:
    """Suggest a label per JSONL line: {"label", "confidence", "top", "abstain", "why"}."""
    _wrap(_predict)(model, input_file, threshold, batch)


def _predict(model: Path, input_file: Path | None, threshold: float, batch: int) -> None:
    from slakeeper.services.triage import Triage

    triage = Triage(model, threshold)
    lines = _lines(input_file)
    rows = [_request(number, line) for number, line in lines]  # all checked before any output
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        found = triage.suggest_many([r[0] for r in chunk], [r[1] for r in chunk])
        sys.stdout.write("".join(json.dumps(s.document()) + "\n" for s in found))


def _lines(path: Path | None) -> list[tuple[int, str]]:
    try:
        text = sys.stdin.read() if path is None else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _request(number: int, line: str) -> tuple[str, dict[str, Any]]:
    try:
        row = json.loads(line)
    except ValueError:
        raise InputError(f"line {number}: not valid JSON") from None
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        raise InputError(f'line {number}: expected {{"text": "...", "fields": {{...}}}}')
    fields = row.get("fields") or {}
    if not isinstance(fields, dict):
        raise InputError(f"line {number}: fields: expected a mapping")
    return row["text"], fields
