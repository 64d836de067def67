"""The ``slakeeper`` command: thin wrappers that parse, call one function and print.

Exit codes: 0 ok, 2 bad input (one line per problem, naming the key, line or field),
1 internal error. Bad input never shows a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from slakeeper.commands.demo import demo
from slakeeper.commands.history import recommend_command, whatif_command
from slakeeper.commands.imports import import_app
from slakeeper.commands.links import link_app
from slakeeper.commands.plan import plan_app
from slakeeper.commands.service import db_app, monitor, serve, token_app, user_app
from slakeeper.core.errors import InputError, SlaError
from slakeeper.triage.commands import triage_app

if TYPE_CHECKING:
    from slakeeper.core.calendars import Calendar
    from slakeeper.core.evaluation import Diagnostic

# The core (numpy) and the services are imported inside the commands that use them:
# `slakeeper --help` and the commands that need neither start without them.

app = typer.Typer(
    name="slakeeper",
    help="slakeeper: SLA clocks for B2B support, exact to the microsecond.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
time_app = typer.Typer(
    help="Business-time arithmetic on a calendar of a configuration file.",
    no_args_is_help=True,
)
app.add_typer(time_app, name="time")
app.add_typer(plan_app, name="plan")
app.add_typer(triage_app, name="triage")

_F = TypeVar("_F", bound=Callable[..., Any])

CalendarOption = Annotated[
    str,
    typer.Option(
        "--calendar",
        help="FILE[:ID]: a configuration file and the calendar in it (ID may be left out "
        "when the file has one calendar).",
    ),
]


def _fail(lines: Iterable[str]) -> typer.Exit:
    for line in lines:
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(2)


def reports_errors(command: _F) -> _F:
    """Turn slakeeper's errors into exit code 2 and one line each; anything else into 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SlaError as exc:
            problems = getattr(exc, "problems", None) or [str(each) for each in exc.details]
            raise _fail(problems) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # the CLI's top: report, never a bare traceback
            if os.environ.get("SLAKEEPER_DEBUG"):
                raise
            typer.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


for _group, _name in (
    (db_app, "db"),
    (token_app, "token"),
    (user_app, "user"),
    (import_app, "import"),
    (link_app, "link"),
):
    for _command in _group.registered_commands:
        _command.callback = reports_errors(_command.callback)  # type: ignore[arg-type]
    app.add_typer(_group, name=_name)
app.command("serve")(reports_errors(serve))
app.command("demo")(reports_errors(demo))
app.command("monitor")(reports_errors(monitor))
app.command("recommend")(reports_errors(recommend_command))
app.command("whatif")(reports_errors(whatif_command))


def open_calendar(spec: str) -> Calendar:
    """The calendar named by ``FILE[:ID]``."""
    from slakeeper.config import load_calendar

    if Path(spec).is_file() or ":" not in spec:
        return load_calendar(spec)
    file, _, calendar_id = spec.rpartition(":")
    return load_calendar(file, calendar_id)


@app.command()
@reports_errors
def check(
    config: Annotated[Path, typer.Argument(help="Configuration file (YAML or JSON).")],
) -> None:
    """Validate a configuration file; print every problem with its line and key."""
    from slakeeper.config import load_config

    loaded = load_config(config)
    counts = (
        (len(loaded.calendars), "calendar", "calendars"),
        (len(loaded.tiers), "tier", "tiers"),
        (len(loaded.accounts), "account", "accounts"),
        (len(loaded.policies), "policy", "policies"),
        (len(loaded.escalation_paths), "escalation path", "escalation paths"),
        (len(loaded.notifiers), "notifier", "notifiers"),
    )
    summary = ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts)
    typer.echo(f"ok: {config}: {summary}")


@time_app.command("add")
@reports_errors
def time_add(
    calendar: CalendarOption,
    start: Annotated[str, typer.Option(help="Start instant, RFC 3339 with an offset.")],
    duration: Annotated[str, typer.Option(help="Business time: 1h30m, 15m, 90s or seconds.")],
) -> None:
    """Print the instant at which DURATION of open time has passed after START."""
    from slakeeper.core.instants import format_instant, parse_instant, to_us
    from slakeeper.core.timelines import add_us

    cal = open_calendar(calendar)
    begin = _field("--start", parse_instant, start)
    amount = _field("--duration", _duration_parser(cal), duration)
    typer.echo(format_instant(add_us(cal, to_us(begin), amount)))


@time_app.command("between")
@reports_errors
def time_between(
    calendar: CalendarOption,
    start: Annotated[str, typer.Option(help="Start instant, RFC 3339 with an offset.")],
    end: Annotated[str, typer.Option(help="End instant, RFC 3339 with an offset.")],
) -> None:
    """Print the open seconds in [START, END) (0 when END is not after START)."""
    from slakeeper.core.durations import format_seconds
    from slakeeper.core.instants import parse_instant, to_us
    from slakeeper.core.timelines import between_us

    cal = open_calendar(calendar)
    begin = to_us(_field("--start", parse_instant, start))
    finish = to_us(_field("--end", parse_instant, end))
    typer.echo(format_seconds(between_us(cal, begin, finish)))


@time_app.command("batch")
@reports_errors
def time_batch(calendar: CalendarOption) -> None:
    """Answer JSONL requests from stdin, one JSON object per line, in order.

    Requests: {"op":"add","start":ISO,"seconds":N,"pauses":[[A,B],...]} (or "duration":"1h")
    and {"op":"between","start":ISO,"end":ISO,"pauses":[...]}. Answers: {"result": ISO},
    {"result": seconds} or {"error": "..."} for a line that cannot be answered.
    """
    from slakeeper.services.business_time import answer_requests

    cal = open_calendar(calendar)
    sys.stdout.flush()
    answer_requests(cal, sys.stdin.buffer, sys.stdout.buffer)


def _duration_parser(calendar: Calendar) -> Callable[[Any], int]:
    """Durations as the calendar allows them: days only on a 24x7 calendar."""
    from slakeeper.core.durations import parse_duration

    return functools.partial(parse_duration, allow_days=calendar.is_24x7)


_V = TypeVar("_V")


def _field(name: str, parse: Callable[[Any], _V], value: Any) -> _V:
    """Parse one field; an error names the field."""
    try:
        return parse(value)
    except SlaError as exc:
        raise InputError(exc.message, path=(name,)) from None


class OutputFormat(StrEnum):
    """How ``evaluate`` prints its results."""

    JSON = "json"
    TABLE = "table"


def _now(value: str | None) -> int:
    from slakeeper.core.instants import parse_instant, to_us

    if value is None:
        return to_us(datetime.now(UTC))  # the CLI, not the core, reads the clock
    return to_us(_field("--now", parse_instant, value))


def _report(diagnostics: list[Diagnostic], strict: bool) -> None:
    for diagnostic in diagnostics:
        typer.echo(str(diagnostic), err=True)
    if strict and diagnostics:
        raise typer.Exit(2)


@app.command("evaluate")
@reports_errors
def evaluate_command(
    config: Annotated[Path, typer.Option("--config", help="Configuration file.")],
    events: Annotated[Path, typer.Option("--events", help="Events, one JSON object per line.")],
    now: Annotated[
        str | None, typer.Option(help="Evaluate at this instant (default: the current time).")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="json or table.")] = (
        OutputFormat.JSON
    ),
    strict: Annotated[bool, typer.Option(help="Exit 2 on any diagnostic.")] = False,
) -> None:
    """Replay events offline and print every clock of every ticket."""
    from slakeeper.config import load_config
    from slakeeper.services.evaluations import evaluate_file, ticket_document

    at = _now(now)
    configuration = load_config(config)
    if output is OutputFormat.TABLE:
        evaluation = evaluate_file(events, configuration, at)
        _report(evaluation.diagnostics, strict)
        print_table([ticket_document(result, at) for result in evaluation.tickets])
        return
    from slakeeper.services.replay import replay_file

    # Stream: each ticket is written as soon as it is evaluated (on every core for a large
    # file); problems follow on stderr. --strict writes nothing unless there are none, so
    # its output waits in a temporary file rather than in memory.
    with _closed_pipe_quiet():
        sys.stdout.flush()
        if not strict:
            _report_texts(replay_file(events, configuration, at, sys.stdout.buffer), strict)
            sys.stdout.buffer.flush()
            return
        with tempfile.TemporaryFile() as held:
            _report_texts(replay_file(events, configuration, at, held), strict)
            held.seek(0)
            shutil.copyfileobj(held, sys.stdout.buffer, 1 << 20)
        sys.stdout.buffer.flush()


def _report_texts(diagnostics: list[str], strict: bool) -> None:
    for text in diagnostics:
        typer.echo(text, err=True)
    if strict and diagnostics:
        raise typer.Exit(2)


@contextlib.contextmanager
def _closed_pipe_quiet() -> Iterator[None]:
    """A reader that stops early (``| head``) ends the command quietly, exit code 1."""
    try:
        yield
    except BrokenPipeError:
        # Python would complain again while flushing stdout at exit: point it at devnull.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(1) from None


@app.command("explain")
@reports_errors
def explain_command(
    config: Annotated[Path, typer.Option("--config", help="Configuration file.")],
    events: Annotated[Path, typer.Option("--events", help="Events, one JSON object per line.")],
    ticket: Annotated[str, typer.Option("--ticket", help="The ticket to explain.")],
    now: Annotated[
        str | None, typer.Option(help="Explain at this instant (default: the current time).")
    ] = None,
) -> None:
    """Print one ticket's timeline: every start, pause, warning, breach and fulfilment."""
    from slakeeper.config import load_config
    from slakeeper.services.evaluations import explain_file, explain_lines

    at = _now(now)
    result, diagnostics = explain_file(events, load_config(config), at, ticket)
    _report(diagnostics, strict=False)
    if result is None:
        raise InputError(f"no ticket {ticket!r} in {events}", path=("--ticket",))
    for line in explain_lines(result, at):
        typer.echo(line)


@app.command("simulate")
@reports_errors
def simulate_command(
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="Scenario file (default: the shipped one).")
    ] = None,
    days: Annotated[float, typer.Option("--days", min=0, help="Days to simulate.")] = 7,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same bytes.")] = 1,
    out: Annotated[
        Path | None, typer.Option("--out", help="Events file (JSONL); default: stdout.")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Start instant (default: the scenario's).")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Pick by urgency under this configuration."),
    ] = None,
    pick: Annotated[
        str | None, typer.Option("--pick", help="age or urgency (default: urgency with a config).")
    ] = None,
    staffing: Annotated[
        float | None, typer.Option("--staffing", min=0, help="Multiply every agent group's count.")
    ] = None,
    emit_accounts: Annotated[
        bool, typer.Option("--emit-accounts", help="Print the scenario's accounts section.")
    ] = False,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Progress bar on stderr (default: runs over a week, when stderr is a terminal).",
        ),
    ] = None,
    attainment: Annotated[
        bool | None,
        typer.Option(
            "--attainment/--no-attainment",
            help="Attainment table on stderr at the end (default: with --out).",
        ),
    ] = None,
    live: Annotated[
        bool,
        typer.Option("--live", help="Run in real time, posting to the service at --url."),
    ] = False,
    url: Annotated[str | None, typer.Option("--url", help="--live: the service's URL.")] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="--live: an API token (agent or admin).")
    ] = None,
    speed: Annotated[
        float, typer.Option("--speed", min=0.001, help="--live: clock seconds per second.")
    ] = 1.0,
    clock_origin: Annotated[
        str | None,
        typer.Option("--clock-origin", help="--live with --speed: the service's clock origin."),
    ] = None,
) -> None:
    """Simulate a support organisation and write its ticket events (docs/simulator.md)."""
    from slakeeper.core.instants import parse_instant, to_us
    from slakeeper.simulation.commands import run_simulate, simulate_live

    if live:
        origin = None if clock_origin is None else _field("--clock-origin", parse_instant,
                                                          clock_origin)  # fmt: skip
        simulate_live(scenario=scenario, seed=seed, url=url, token=token, speed=speed,
                      origin=None if origin is None else to_us(origin))  # fmt: skip
        return
    begin = None if start is None else to_us(_field("--start", parse_instant, start))
    run_simulate(
        scenario=scenario,
        days=days,
        seed=seed,
        out=out,
        start=begin,
        config=config,
        pick=pick,
        staffing=staffing,
        emit_accounts=emit_accounts,
        progress=progress,
        attainment=attainment,
    )


@app.command("report")
@reports_errors
def report_command(
    name: Annotated[
        str,
        typer.Argument(
            help="compliance, service-level, times, resolution-quality, escalations, csat, "
            "backlog, breach-causes or contract (docs/reports.md)."
        ),
    ],
    config: Annotated[
        Path | None, typer.Option("--config", help="Configuration file (with --events).")
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option("--events", help="Events file (JSONL); default: the database."),
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="Judge running clocks at this instant (default: now).")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Period start: a date or an instant.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Period end: a date (included) or an instant.")
    ] = None,
    timezone: Annotated[
        str, typer.Option("--timezone", help="Time zone of dates, weeks and months.")
    ] = "UTC",
    by: Annotated[
        str | None, typer.Option("--by", help="Group keys, comma-separated (e.g. severity,metric).")
    ] = None,
    within: Annotated[
        str | None, typer.Option("--within", help="service-level: the Y of X% within Y (1h).")
    ] = None,
    time: Annotated[
        str, typer.Option("--time", help="service-level: business or calendar time.")
    ] = "business",
    output: Annotated[
        str, typer.Option("--format", help="table, json or csv; contract: also html or pdf.")
    ] = "table",
    account: Annotated[
        list[str] | None,
        typer.Option(
            "--account",
            help="contract: account ids (repeat or comma-separate; default: every account "
            "with a contract).",
        ),
    ] = None,
    path: Annotated[
        Path | None, typer.Option("--output", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Report over history: from an event file, or from the database (SLAKEEPER_DATABASE_URL)."""
    from slakeeper.services import reports

    reports.check_name(name)
    reports.check_format(output, name=name)
    if name in reports.DOCUMENTS:
        from slakeeper.commands.contract import run_contract

        run_contract(
            config=config, events=events, now=_now(now), accounts=account, start=start,
            end=end, timezone=timezone, output=output, path=path,
        )  # fmt: skip
        return
    if account:
        raise InputError("only the contract report takes accounts", path=("--account",))
    query = reports.parse_query(
        name, by=by, start=start, end=end, timezone=timezone, within=within, time=time
    )
    at = _now(now)
    if events is not None:
        from slakeeper.config import load_config

        if config is None:
            raise InputError("needed with --events", path=("--config",))
        tables, diagnostics = reports.tables_from_file(events, load_config(config), at)
        later = [d for d in diagnostics if d.message == "event is after --now: ignored"]
        _report([d for d in diagnostics if d not in later], strict=False)
        if later:  # normal when reporting on the past: one line, not one per event
            typer.echo(f"note: {len(later)} events after --now ignored", err=True)
    else:
        from slakeeper.commands.service import open_database

        tables = reports.report_tables(open_database(), at, name, query, alone=True)
    columns, rows = reports.run_report(name, tables, query)
    from slakeeper.commands.contract import write_output

    if output == "table" and path is None:
        print_rows(columns, rows)
    elif output == "table":
        buffer = io.StringIO()
        print_rows(columns, rows, file=buffer)
        write_output(buffer.getvalue().encode(), path)
    else:
        write_output(reports.render(columns, rows, output).encode(), path)


def print_rows(columns: list[str], rows: list[dict[str, Any]], file: Any = None) -> None:
    """Print report rows as a table (ratios and seconds to 4 decimals, null as -)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*(_cell(row[column]) for column in columns))
    Console(width=max(160, 12 * len(columns)), file=file).print(table)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


def print_table(documents: list[dict[str, Any]]) -> None:
    """Print clocks as a table."""
    from rich.console import Console
    from rich.table import Table

    table = Table("ticket", "policy", "metric", "team", "cycle", "status", "due_at", "elapsed s")
    for document in documents:
        for clock in document["clocks"] or [{}]:
            table.add_row(
                document["ticket"],
                document["policy"] or "-",
                clock.get("metric", "-"),
                clock.get("team") or "",
                str(clock.get("cycle", "")),
                clock.get("status", "no clocks"),
                clock.get("due_at") or "",
                str(clock.get("elapsed_seconds", "")),
            )
    Console(width=160).print(table)


def main() -> None:
    """Entry point of the ``slakeeper`` script."""
    app()


if __name__ == "__main__":
    main()
