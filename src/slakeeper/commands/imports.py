"""``slakeeper import events|tickets|eventlog``: history into the service's database.

Thin: each command opens its file, hands the importer's events to
:func:`slakeeper.services.imports.import_items` and prints the summary. Heavy modules are
imported inside the commands, so that ``slakeeper`` itself starts fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from slakeeper.core.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from slakeeper.importers.progress import Advance
    from slakeeper.services.import_workers import LineSource
    from slakeeper.services.imports import ImportSummary, SourceItem

__all__ = ["import_app"]

import_app = typer.Typer(
    help="Import history (events, ticket rows, event logs) into the database.",
    no_args_is_help=True,
)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Store this configuration as a new version first, when it differs."
    ),
]
TimezoneOption = Annotated[
    str | None,
    typer.Option(
        "--timezone",
        help="IANA zone of timestamps written without an offset (refused without it).",
    ),
]
SkipOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Store the valid lines and list the invalid ones (default: "
        "an invalid line refuses the whole file).",
    ),
]
WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        min=0,
        max=16,
        help="Processes that evaluate tickets while the import stores (default 0: none; "
        "they pay only where cores are idle).",
    ),
]
EventWorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=0,
        max=16,
        help="Processes that read and evaluate the file's tickets while the import stores "
        "its events (default: one on a machine of two cores or more, for a file of 4 MB or "
        "more; 0: none).",
    ),
]
ProgressOption = Annotated[
    bool | None,
    typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal)."),
]


MappingOption = Annotated[
    Path, typer.Option("--mapping", help="Mapping file (YAML; docs/importing.md).")
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Write the events to this JSONL file instead of importing them."),
]


@import_app.command("events")
def import_events(
    file: Annotated[Path, typer.Argument(help="Events, one JSON object per line.")],
    config: ConfigOption = None,
    timezone: TimezoneOption = None,
    skip_invalid: SkipOption = False,
    workers: EventWorkersOption = None,
    progress: ProgressOption = None,
) -> None:
    """Import events (DESIGN.md section 5) from a JSONL file; evaluate and store clocks."""
    from functools import partial

    from slakeeper.importers.jsonl import line_item, read_events
    from slakeeper.services.import_workers import LineSource

    timestamps = _timestamps(timezone, None) if timezone is not None else None

    def source(stream: BinaryIO, advance: Advance) -> tuple[Iterator[SourceItem], None]:
        return read_events(stream, timestamps=timestamps, advance=advance), None

    lines = LineSource(str(file), partial(line_item, timestamps=timestamps))
    _run(file, source, config=config, skip_invalid=skip_invalid, progress=progress,
         workers=workers, out=None, lines=lines)  # fmt: skip


@import_app.command("eventlog")
def import_eventlog(
    file: Annotated[Path, typer.Argument(help="Event log (CSV), one row per activity.")],
    mapping: MappingOption,
    config: ConfigOption = None,
    timezone: TimezoneOption = None,
    skip_invalid: SkipOption = False,
    workers: WorkersOption = 0,
    progress: ProgressOption = None,
    out: OutOption = None,
) -> None:
    """Import an event log (case, activity, timestamp, resource, attributes) through a
    mapping of activities to events and of attributes to ticket fields."""
    from slakeeper.importers.eventlog import read_eventlog
    from slakeeper.importers.mapping import MappingFormat, load_mapping

    rules = load_mapping(mapping, MappingFormat.EVENTLOG)
    timestamps = _timestamps(timezone, rules.timestamp_format)

    def source(stream: BinaryIO, advance: Advance) -> tuple[Iterator[SourceItem], Any]:
        rows, items = read_eventlog(stream, rules, timestamps, source=str(file), advance=advance)
        return items, lambda: rows.count

    _run(file, source, config=config, skip_invalid=skip_invalid, progress=progress,
         workers=workers, out=out)  # fmt: skip


@import_app.command("tickets")
def import_tickets(
    file: Annotated[Path, typer.Argument(help="Tickets (CSV), one row per ticket.")],
    mapping: MappingOption,
    config: ConfigOption = None,
    timezone: TimezoneOption = None,
    skip_invalid: SkipOption = False,
    workers: WorkersOption = 0,
    progress: ProgressOption = None,
    out: OutOption = None,
) -> None:
    """Import one row per ticket (created, first response, solved, closed, fields, CSAT)
    through a mapping; each row becomes the ticket's events."""
    from slakeeper.importers.mapping import MappingFormat, load_mapping
    from slakeeper.importers.tickets_csv import read_tickets

    rules = load_mapping(mapping, MappingFormat.TICKETS)
    timestamps = _timestamps(timezone, rules.timestamp_format)

    def source(stream: BinaryIO, advance: Advance) -> tuple[Iterator[SourceItem], Any]:
        rows, items = read_tickets(stream, rules, timestamps, source=str(file), advance=advance)
        return items, lambda: rows.count

    _run(file, source, config=config, skip_invalid=skip_invalid, progress=progress,
         workers=workers, out=out)  # fmt: skip


def _timestamps(timezone: str | None, pattern: str | None) -> Any:
    from slakeeper.core.errors import SlaError
    from slakeeper.importers.timestamps import Timestamps

    try:
        return Timestamps(timezone, pattern)
    except SlaError as exc:
        raise InputError(exc.message, path=("--timezone",)) from None


def _run(
    file: Path,
    source: Any,
    *,
    config: Path | None,
    skip_invalid: bool,
    progress: bool | None,
    workers: int | None,
    out: Path | None,
    lines: LineSource | None = None,
) -> None:
    """Import (or with ``out``, convert) the events ``source`` reads from ``file``."""
    from slakeeper.importers.jsonl import open_source
    from slakeeper.importers.progress import progress_bar

    config_text = _read_config(config) if config is not None else None
    verb = "converting" if out is not None else "importing"
    with open_source(file) as stream:
        size = os.fstat(stream.fileno()).st_size
        with progress_bar(f"{verb} {file.name}", size, progress) as advance:
            items, rows = source(stream, advance)
            if out is not None:
                summary = _convert(items, out, skip_invalid)
            else:
                summary = _store(items, config_text, skip_invalid, workers, lines)
    _print(summary, file, config, rows=rows() if rows is not None else None, out=out)


def _store(
    items: Iterator[SourceItem],
    config_text: str | None,
    skip: bool,
    workers: int | None,
    lines: LineSource | None,
) -> ImportSummary:
    from slakeeper.commands.service import _actor, _database, _now
    from slakeeper.services.imports import import_items
    from slakeeper.store.migrate import upgrade

    _, database = _database()
    upgrade(database)
    try:
        return import_items(database, items, now=_now(), skip_invalid=skip,
                            config_text=config_text, author=_actor(),
                            workers=workers, lines=lines)  # fmt: skip
    finally:
        database.dispose()


def _convert(items: Iterator[SourceItem], out: Path, skip: bool) -> ImportSummary:
    from slakeeper.services.imports import convert_items

    lines: list[bytes] = []
    summary = convert_items(items, lines.append, skip_invalid=skip)
    if summary.committed:
        try:
            out.write_bytes(b"".join(lines))
        except OSError as exc:
            message = f"cannot write {out}: {exc.strerror or exc}"
            raise InputError(message, path=("--out",)) from None
    return summary


def _read_config(config: Path) -> str:
    try:
        return config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {config}: {exc}", path=("--config",)) from None


def _print(
    summary: ImportSummary, file: Path, config: Path | None, *, rows: int | None, out: Path | None
) -> None:
    """The summary on stdout; a refused file's problems on stderr, then exit 2."""
    problems = [str(problem) for problem in summary.problems]
    rest = summary.unshown_kinds()
    if rest:
        counts = ", ".join(f"{kind}: {count:,}" for kind, count in rest.most_common())
        problems.append(f"... and {sum(rest.values()):,} more ({counts})")
    if not summary.committed:
        for line in problems:
            typer.echo(f"error: {line}", err=True)
        typer.echo(
            f"error: {file}: {summary.problem_count:,} invalid line"
            f"{'s' if summary.problem_count != 1 else ''} of {summary.read:,}: nothing was "
            f"{'written' if out is not None else 'stored'} (--skip-invalid keeps the valid "
            "lines and lists the others)",
            err=True,
        )
        raise typer.Exit(2)
    if config is not None and summary.config is not None:
        state = "stored as version" if summary.config.created else "unchanged: version"
        typer.echo(f"configuration {config}: {state} {summary.config.number}")
    if rows is not None:
        read = f"{rows:,} rows, {summary.read - summary.unreadable:,} events"
    else:
        read = f"{summary.read:,} lines"
    if out is not None:
        typer.echo(
            f"{file}: read {read}; wrote {summary.stored:,} for {summary.tickets:,} tickets "
            f"to {out}"
        )
    else:
        typer.echo(
            f"{file}: read {read}; stored {summary.stored:,} for {summary.tickets:,} tickets; "
            f"{summary.clocks:,} clocks evaluated and stored"
        )
    if summary.duplicates:
        lines = ", ".join(str(line) for line in summary.duplicate_lines)
        more = summary.duplicates - len(summary.duplicate_lines)
        tail = f" and {more:,} more" if more else ""
        typer.echo(
            f"skipped {summary.duplicates:,} already stored (same id and payload): "
            f"lines {lines}{tail}"
        )
    if problems:
        typer.echo(f"skipped {summary.problem_count:,} invalid:")
        for line in problems:
            typer.echo(f"  {line}")
