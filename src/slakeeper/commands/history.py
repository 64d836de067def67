"""``slakeeper recommend`` and ``slakeeper whatif``: questions put to history
(docs/recommend.md, docs/whatif.md).

Registered by :mod:`slakeeper.cli`. Both read an event file (``--events``, under
``--config``) or the database (``SLAKEEPER_DATABASE_URL``: the stored log, under
``--config`` or the newest stored configuration), judge running clocks at ``--now``, and
print a Rich table, JSON or CSV. Services and numpy are imported inside the commands.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from slakeeper.core.errors import InputError

__all__ = ["recommend_command", "whatif_command"]

FORMATS = ("table", "json", "csv")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Configuration file (default: the newest stored version)."),
]
EventsOption = Annotated[
    Path | None, typer.Option("--events", help="Events file (JSONL); default: the database.")
]
NowOption = Annotated[
    str | None, typer.Option(help="Judge running clocks at this instant (default: now).")
]
FromOption = Annotated[
    str | None, typer.Option("--from", help="Clocks started from: a date or an instant.")
]
ToOption = Annotated[
    str | None, typer.Option("--to", help="Clocks started before: a date (included) or instant.")
]
ZoneOption = Annotated[
    str, typer.Option("--timezone", help="Time zone of --from/--to dates and of months.")
]
FormatOption = Annotated[str, typer.Option("--format", help="table, json or csv.")]


def recommend_command(
    share: Annotated[
        float, typer.Option("--share", help="Share of clocks the target must meet (0-1).")
    ] = 0.9,
    metric: Annotated[
        str | None, typer.Option("--metric", help="Only these metrics (comma-separated).")
    ] = None,
    config: ConfigOption = None,
    events: EventsOption = None,
    now: NowOption = None,
    start: FromOption = None,
    end: ToOption = None,
    timezone: ZoneOption = "UTC",
    output: FormatOption = "table",
    confidence: Annotated[
        float, typer.Option("--confidence", help="Bootstrap interval level.")
    ] = 0.95,
    resamples: Annotated[int, typer.Option("--resamples", help="Bootstrap resamples.")] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", help="Bootstrap seed: same seed, same interval.")
    ] = 1,
    min_size: Annotated[
        int | None,
        typer.Option("--min-size", help="Fewest clocks per group (default: from --share)."),
    ] = None,
) -> None:
    """The tightest target per severity x tier x metric that history met for --share."""
    from slakeeper.services.histories import parse_window
    from slakeeper.services.recommend import (
        RecommendQuery,
        check_query,
        parse_metrics,
        run_recommend,
    )

    _check_format(output)
    query = RecommendQuery(share, confidence, resamples, seed, min_size)
    check_query(query)
    metrics = parse_metrics(metric)
    window = parse_window(start, end, timezone)
    at = _now(now)
    with _history(config, events) as (path, configuration):
        rows, done = run_recommend(path, configuration, at, window, query, metrics=metrics)
    _say(done)
    if output == "table":
        _print_recommendations(rows, query.share)
    else:
        sys.stdout.write(_render(rows, output))


def whatif_command(
    proposed: Annotated[Path, typer.Option("--proposed", help="The proposed configuration file.")],
    config: ConfigOption = None,
    events: EventsOption = None,
    now: NowOption = None,
    start: FromOption = None,
    end: ToOption = None,
    timezone: ZoneOption = "UTC",
    output: FormatOption = "table",
) -> None:
    """Replay history under the current and a proposed configuration, side by side."""
    from slakeeper.config import load_config
    from slakeeper.services.histories import parse_window
    from slakeeper.services.whatif import run_whatif

    _check_format(output)
    window = parse_window(start, end, timezone)
    at = _now(now)
    candidate = load_config(proposed)
    with _history(config, events) as (path, current):
        comparison, done = run_whatif(path, current, candidate, at, window)
    _say(done)
    if output == "json":
        from slakeeper.services.evaluations import dumps

        document = {
            "accounts": comparison.accounts,
            "severity_metrics": comparison.severity_metrics,
            "total": comparison.total,
        }
        sys.stdout.write(dumps(document).decode() + "\n")
    elif output == "csv":
        rows = [{"scope": "account"} | row for row in comparison.accounts]
        rows += [{"scope": "severity_metric"} | row for row in comparison.severity_metrics]
        rows.append({"scope": "total"} | comparison.total)
        sys.stdout.write(_render(rows, "csv"))
    else:
        _print_comparison(comparison)


# ---- shared ------------------------------------------------------------------------------


def _check_format(value: str) -> None:
    if value not in FORMATS:
        raise InputError(
            f"unknown format {value!r} (expected table, json or csv)", path=("--format",)
        )


def _now(value: str | None) -> int:
    from slakeeper.core.errors import SlaError
    from slakeeper.core.instants import parse_instant_us, to_us

    if value is None:
        return to_us(datetime.now(UTC))  # the CLI, not the core, reads the clock
    try:
        return parse_instant_us(value)
    except SlaError as exc:
        raise InputError(exc.message, path=("--now",)) from None


@contextmanager
def _history(config: Path | None, events: Path | None) -> Iterator[tuple[Path, Any]]:
    """The events file and the configuration: given, or exported from the database."""
    from slakeeper.config import load_config

    if events is not None:
        if config is None:
            raise InputError("needed with --events", path=("--config",))
        yield events, load_config(config)
        return
    from slakeeper.services.histories import stored_configuration, stored_history
    from slakeeper.settings import Settings
    from slakeeper.store.session import create_database

    database = create_database(Settings().database_url)
    try:
        configuration = load_config(config) if config else stored_configuration(database)
        with stored_history(database) as path:
            yield path, configuration
    finally:
        database.dispose()


def _say(done: Any) -> None:
    for text in done.diagnostics:
        typer.echo(text, err=True)
    if done.later:  # normal when judging the past: one line, not one per event
        typer.echo(f"note: {done.later} events after --now ignored", err=True)


def _render(rows: list[dict[str, Any]], output: str) -> str:
    """Rows as JSON (a list of objects) or CSV (a header, then one line each; null empty)."""
    if output == "json":
        from slakeeper.services.evaluations import dumps

        return dumps(rows).decode() + "\n"
    columns: list[str] = []
    for row in rows:
        columns += [column for column in row if column not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return buffer.getvalue()


# ---- tables ------------------------------------------------------------------------------


def _print_recommendations(rows: list[dict[str, Any]], share: float) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "severity",
        "tier",
        "metric",
        "now",
        "clocks",
        "running",
        "target",
        "met",
        "interval",
        title=f"Tightest whole-minute targets met for {share:.0%} of clocks (business time)",
    )
    for row in rows:
        metric = row["metric"] + (f"[{row['team']}]" if row["team"] else "")
        if row["target_minutes"] is None:
            found, met, interval = row["note"], "", ""
        else:
            found = _minutes(row["target_minutes"])
            met = f"{row['met']}/{row['decided']} ({row['met_share']:.1%})"
            interval = f"{_minutes(row['ci_low'])} - {_minutes(row['ci_high'])}"
        table.add_row(
            row["severity"],
            row["tier"],
            metric,
            _minutes(row["current_minutes"]),
            str(row["clocks"]),
            str(row["running"]),
            found,
            met,
            interval,
        )
    Console(width=160).print(table)


def _minutes(value: float | None) -> str:
    if value is None:
        return "-"
    hours, minutes = divmod(value, 60)
    if not hours:
        return f"{value:g}m"
    return f"{hours:g}h{minutes:02g}m" if minutes else f"{hours:g}h"


def _print_comparison(comparison: Any) -> None:
    from rich.console import Console

    console = Console(width=160)
    console.print(_comparison_table("by account", comparison.accounts, ("account",), credits=True))
    console.print(
        _comparison_table(
            "by severity x metric",
            comparison.severity_metrics,
            ("severity", "metric"),
            credits=False,
        )
    )
    whole = [comparison.total | {"history": "all"}]
    console.print(_comparison_table("over the whole history", whole, ("history",), credits=True))


def _comparison_table(
    title: str, rows: list[dict[str, Any]], keys: tuple[str, ...], *, credits: bool
) -> Any:
    from rich.table import Table

    columns = [
        *keys,
        "decided",
        "compliance",
        "proposed",
        "change",
        "breaches",
        "proposed",
        "change",
    ]
    if credits:
        columns += ["credits", "proposed", "change"]
    table = Table(*columns, title=f"What-if {title}: current, proposed, change")
    for row in rows:
        cells = [str(row[key]) for key in keys]
        decided = row["current_decided"], row["proposed_decided"]
        cells.append(str(decided[0]) if decided[0] == decided[1] else "{} -> {}".format(*decided))
        cells += [
            _percent(row["current_compliance"]),
            _percent(row["proposed_compliance"]),
            _points(row["compliance_change"]),
        ]
        cells += [
            str(row["current_breaches"]),
            str(row["proposed_breaches"]),
            f"{row['breaches_change']:+d}",
        ]
        if credits:
            cells += [
                f"{row['current_credits']:,.2f}",
                f"{row['proposed_credits']:,.2f}",
                f"{row['credits_change']:+,.2f}",
            ]
        table.add_row(*cells)
    return table


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _points(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:+.2f} pp"
