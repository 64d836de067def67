"""``slakeeper import events|tickets|eventlog``: history into the service's database.

Thin: each command opens its file, hands the importer's events to
:func:`slakeeper.services.imports.import_items` and prints the summary. Heavy modules are
imported inside the commands, so that ``slakeeper`` itself starts fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from slakeeper.core.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from slakeeper.importers.progress import Advance
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
ProgressOption = Annotated[
    bool | None,
    typer.Option("--progress/--no-progress", help="Progress bar (default: on a terminal)."),
]


@import_app.command("events")
def import_events(
    file: Annotated[Path, typer.Argument(help="Events, one JSON object per line.")],
    config: ConfigOption = None,
    timezone: TimezoneOption = None,
    skip_invalid: SkipOption = False,
    progress: ProgressOption = None,
) -> None:
    """Import events (DESIGN.md section 5) from a JSONL file; evaluate and store clocks."""
    from slakeeper.importers.jsonl import read_events

    timestamps = _timestamps(timezone)

    def items(stream: object, advance: Advance) -> Iterator[SourceItem]:
        return read_events(stream, timestamps=timestamps, advance=advance)  # type: ignore[arg-type]

    _run(file, items, config=config, skip_invalid=skip_invalid, progress=progress)


def _timestamps(timezone: str | None):  # type: ignore[no-untyped-def]
    from slakeeper.core.errors import SlaError
    from slakeeper.importers.timestamps import Timestamps

    if timezone is None:
        return None
    try:
        return Timestamps(timezone)
    except SlaError as exc:
        raise InputError(exc.message, path=("--timezone",)) from None


def _run(
    file: Path,
    items: Callable[[object, Advance], Iterator[SourceItem]],
    *,
    config: Path | None,
    skip_invalid: bool,
    progress: bool | None,
) -> None:
    """Import ``items(stream, advance)`` read from ``file``; print the summary."""
    from slakeeper.commands.service import _actor, _database, _now
    from slakeeper.importers.jsonl import open_source
    from slakeeper.importers.progress import progress_bar
    from slakeeper.services.imports import import_items
    from slakeeper.store.migrate import upgrade

    config_text = _read_config(config) if config is not None else None
    _, database = _database()
    upgrade(database)
    with (
        open_source(file) as stream,
        progress_bar(
            f"importing {file.name}", os.fstat(stream.fileno()).st_size, progress
        ) as advance,
    ):
        summary = import_items(
            database,
            items(stream, advance),
            now=_now(),
            skip_invalid=skip_invalid,
            config_text=config_text,
            author=_actor(),
        )
    database.dispose()
    _print(summary, file, config)


def _read_config(config: Path) -> str:
    try:
        return config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {config}: {exc}", path=("--config",)) from None


def _print(summary: ImportSummary, file: Path, config: Path | None) -> None:
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
            "stored (--skip-invalid stores the valid lines and lists the others)",
            err=True,
        )
        raise typer.Exit(2)
    if config is not None and summary.config is not None:
        state = "stored as version" if summary.config.created else "unchanged: version"
        typer.echo(f"configuration {config}: {state} {summary.config.number}")
    typer.echo(
        f"{file}: read {summary.read:,} events; stored {summary.stored:,} for "
        f"{summary.tickets:,} tickets; {summary.clocks:,} clocks evaluated and stored"
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
