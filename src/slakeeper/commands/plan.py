"""``slakeeper plan``: Erlang C, arrival forecasts, staffing plans and shifts (docs/planning.md).

A Typer sub-app registered by :mod:`slakeeper.cli`. Commands parse their options and call
the services and the framework-free :mod:`slakeeper.planning` package, imported inside
the commands (with numpy, matplotlib and OR-Tools) so that ``slakeeper`` starts fast.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

plan_app = typer.Typer(
    help="Staffing: exact Erlang C, forecasts from history, plans checked by simulation.",
    no_args_is_help=True,
)


def _reports_errors(command: Any) -> Any:
    """The CLI's error handling (exit 2, one line per problem), looked up when called.

    Imported at call time: :mod:`slakeeper.cli` imports this module to register it.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from slakeeper.cli import reports_errors

        return reports_errors(command)(*args, **kwargs)

    return wrapper


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@plan_app.command("erlang")
@_reports_errors
def erlang_command(
    arrivals: Annotated[
        str | None, typer.Option("--arrivals", help="Arrivals per interval.")
    ] = None,
    interval: Annotated[
        str | None, typer.Option("--interval", help="Interval length: 30m, 1h or seconds.")
    ] = None,
    aht: Annotated[str | None, typer.Option("--aht", help="Average handling time.")] = None,
    answer_within: Annotated[
        str | None, typer.Option("--answer-within", help="Service-level answer time.")
    ] = None,
    service_level: Annotated[
        str | None, typer.Option("--service-level", help="Target share, 0.8 or 80%.")
    ] = None,
    agents: Annotated[
        str | None, typer.Option("--agents", help="Scheduled agents: compute the figures.")
    ] = None,
    max_occupancy: Annotated[
        str | None, typer.Option("--max-occupancy", help="Highest occupancy allowed (share).")
    ] = None,
    shrinkage: Annotated[
        str | None, typer.Option("--shrinkage", help="Share of scheduled time not handling.")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    batch: Annotated[
        bool, typer.Option("--batch", help="Read JSONL cases (stdin or FILE), write JSONL.")
    ] = False,
    file: Annotated[
        Path | None, typer.Argument(help="With --batch: the JSONL file (default stdin).")
    ] = None,
) -> None:
    """Erlang C: least agents for a service-level target, or the figures for given agents."""
    from slakeeper.planning.requests import answer_requests, parse_request, result_json

    options = (arrivals, interval, aht, answer_within, service_level, agents, max_occupancy)
    if batch:
        if any(value is not None for value in (*options, shrinkage)):
            raise _fail("--batch: every case comes from the input; give no other option")
        _erlang_batch(file)
        return
    if file is not None:
        raise _fail(f"unexpected argument {str(file)!r} (only --batch reads a file)")
    if output not in ("table", "json"):
        raise _fail(f"--format: expected table or json, got {output!r}")
    values = {
        "arrivals": arrivals,
        "interval_seconds": interval,
        "aht_seconds": aht,
        "answer_within_seconds": answer_within,
        "service_level": service_level,
        "agents": agents,
        "max_occupancy": max_occupancy,
        "shrinkage": shrinkage,
    }
    given = {key: value for key, value in values.items() if value is not None}
    names = {key: "--" + key.removesuffix("_seconds").replace("_", "-") for key in values}
    names["interval_seconds"] = "--interval"
    result = answer_requests([parse_request(given, names)])[0]
    if output == "json":
        typer.echo(result_json(result))
    else:
        _print_erlang_table(result)


def _erlang_batch(file: Path | None) -> None:
    """Check every line first (all problems, nothing written), then solve and write."""
    import json

    from slakeeper.core.errors import SlaError
    from slakeeper.planning.requests import answer_requests, parse_request, result_json

    try:
        stream = sys.stdin if file is None else open(file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise _fail(f"cannot read {file}: {exc.strerror or exc}") from None
    with stream:
        lines = list(stream)
    requests, problems = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            values = json.loads(line)
            if not isinstance(values, dict):
                raise ValueError("expected a JSON object")
            requests.append(parse_request(values))
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: invalid JSON: {exc.msg}")
        except (SlaError, ValueError) as exc:
            problems.append(f"line {number}: {exc}")
    if problems:
        for problem in problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)
    sys.stdout.write("".join(result_json(r) + "\n" for r in answer_requests(requests)))


def _print_erlang_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from slakeeper.planning.requests import number_text

    table = Table("figure", "value")
    for key, value in result.items():
        table.add_row(key, number_text(value))
    Console().print(table)


_FROM_DB_HELP = "Read the history from the service's database (SLAKEEPER_DATABASE_URL)."


@contextlib.contextmanager
def _history(events: Path | None, from_db: bool) -> Iterator[Path]:
    """The history as a JSONL file: --events, or the store's log exported to a temporary one."""
    if from_db == (events is not None):
        raise _fail("give the history as --events FILE or --from-db (one of them)")
    if events is not None:
        yield events
        return
    from slakeeper.services.exports import export_events
    from slakeeper.settings import Settings
    from slakeeper.store.migrate import is_current
    from slakeeper.store.session import create_database

    database = create_database(Settings().database_url)
    if not is_current(database):
        raise _fail("--from-db: the database has no slakeeper store (run slakeeper db upgrade)")
    with tempfile.TemporaryDirectory(prefix="slakeeper-history-") as folder:
        path = Path(folder) / "events.jsonl"
        with path.open("wb") as out:
            count = export_events(database, out)
        database.dispose()
        if not count:
            raise _fail("--from-db: the database holds no events")
        yield path


@plan_app.command("forecast")
@_reports_errors
def forecast_command(
    events: Annotated[
        Path | None, typer.Option("--events", help="History: JSONL event log.")
    ] = None,
    from_db: Annotated[bool, typer.Option("--from-db", help=_FROM_DB_HELP)] = False,
    by: Annotated[
        str | None, typer.Option("--by", help="Group by team, channel or team,channel.")
    ] = None,
    slot: Annotated[str, typer.Option("--slot", help="Slot length: 30m or 1h.")] = "30m",
    timezone: Annotated[
        str, typer.Option("--timezone", help="Zone of the slots' wall time.")
    ] = "UTC",
    config: Annotated[
        Path | None, typer.Option("--config", help="Configuration: its calendars' holidays.")
    ] = None,
    backtest_weeks: Annotated[
        int, typer.Option("--backtest-weeks", min=0, help="Last weeks held out to test.")
    ] = 4,
    level: Annotated[
        float, typer.Option("--level", help="Interval level: 0.8, 0.9 or 0.95.")
    ] = 0.8,
    output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Forecast arrivals per slot of the next week from history, backtested against naive."""
    from slakeeper.planning.forecast import SlotGrid
    from slakeeper.planning.output import forecast_csv, forecast_json, print_forecast
    from slakeeper.services.planning import forecast_history, parse_by, parse_slot

    if output not in ("table", "csv", "json"):
        raise _fail(f"--format: expected table, csv or json, got {output!r}")
    if level not in (0.8, 0.9, 0.95):
        raise _fail(f"--level: expected 0.8, 0.9 or 0.95, got {level}")
    grid = SlotGrid(_zone(timezone), parse_slot(slot))
    with _history(events, from_db) as history:
        result = forecast_history(
            history,
            grid=grid,
            by=parse_by(by),
            config=_config(config),
            backtest_weeks=backtest_weeks,
            level=level,
        )
    if output == "csv":
        sys.stdout.write(forecast_csv(result))
    elif output == "json":
        sys.stdout.write(forecast_json(result))
    else:
        print_forecast(result)


def _zone(name: str) -> str:
    from slakeeper.core.errors import InputError, SlaError
    from slakeeper.core.zones import load_zone

    try:
        load_zone(name)
    except SlaError as exc:
        raise InputError(exc.message, path=("--timezone",)) from None
    return name


def _config(path: Path | None) -> Any:
    if path is None:
        return None
    from slakeeper.config import load_config

    return load_config(path)


@plan_app.command("staffing")
@_reports_errors
def staffing_command(
    config: Annotated[Path, typer.Option("--config", help="Configuration (policies, calendars).")],
    target: Annotated[
        str, typer.Option("--target", help="e.g. 'first_response 90% within target'.")
    ],
    events: Annotated[
        Path | None, typer.Option("--events", help="History: JSONL event log.")
    ] = None,
    from_db: Annotated[bool, typer.Option("--from-db", help=_FROM_DB_HELP)] = False,
    team: Annotated[
        str | None, typer.Option("--team", help="Team to plan (default: the intake team).")
    ] = None,
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="Organisation to simulate (default: shipped).")
    ] = None,
    slot: Annotated[str, typer.Option("--slot", help="Slot length: 30m or 1h.")] = "30m",
    timezone: Annotated[str, typer.Option("--timezone", help="Zone of the slots.")] = "UTC",
    aht: Annotated[
        str | None, typer.Option("--aht", help="Handling time (default: from history).")
    ] = None,
    weeks: Annotated[int, typer.Option("--weeks", min=1, help="Weeks simulated per check.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Simulation seed.")] = 1,
    rounds: Annotated[int, typer.Option("--rounds", min=1, help="Most simulations.")] = 30,
    shifts: Annotated[
        Path | None, typer.Option("--shifts", help="Allowed shifts (YAML): fit whole shifts.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for staffing.csv, .png and .html.")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table or csv (stdout).")] = "table",
) -> None:
    """Staff each slot: Erlang C from the forecast, checked and adjusted by simulation."""
    from slakeeper.core.durations import parse_duration
    from slakeeper.planning.forecast import SlotGrid
    from slakeeper.planning.staffing import parse_target
    from slakeeper.services.planning import parse_slot
    from slakeeper.services.staffing import plan_staffing
    from slakeeper.simulation.scenario import load_scenario

    if output not in ("table", "csv"):
        raise _fail(f"--format: expected table or csv, got {output!r}")
    goal = parse_target(target)
    grid = SlotGrid(_zone(timezone), parse_slot(slot))
    handling = None if aht is None else parse_duration(aht) / 1e6
    if handling is not None and handling <= 0:
        raise _fail("--aht: must be positive")
    rules = _shift_rules(shifts, team, grid) if shifts is not None else None
    with _history(events, from_db) as history:
        plan = plan_staffing(
            config=_config(config),
            events=history,
            target=goal,
            grid=grid,
            scenario=load_scenario(scenario),
            team=team,
            aht_seconds=handling,
            weeks=weeks,
            seed=seed,
            max_rounds=rounds,
        )
    fitted = None
    if rules is not None:
        fitted = _fit(plan, rules(plan.team))
    _write_plan(plan, fitted, out, output)


def _shift_rules(path: Path, team: str | None, grid: Any) -> Any:
    """Read the shifts file now (errors before the long run); rules per team on demand."""
    from slakeeper.config.documents import read_document
    from slakeeper.planning.shifts import parse_shift_rules

    document = read_document(path).data

    def rules(name: str) -> Any:
        return parse_shift_rules(document, name, grid.slot_minutes)

    if team is not None:
        rules(team)
    return rules


def _fit(plan: Any, rules: Any) -> Any:
    """Whole shifts for the plan, in the shifts' zone when they name one."""
    from datetime import UTC, datetime, timedelta

    from slakeeper.planning.shifts import fit_shifts, zone_offset_slots

    grid = plan.grid
    offset = 0
    if rules.timezone is not None and rules.timezone != grid.timezone:
        noon = datetime(*plan.week_start.timetuple()[:3], tzinfo=UTC) + timedelta(hours=12)
        at = int(noon.timestamp()) * 1_000_000
        offset = zone_offset_slots(grid.timezone, rules.timezone, at, grid.slot_minutes)
    return fit_shifts(plan.planned, rules, grid.slot_minutes, offset_slots=offset)


def _write_plan(plan: Any, fitted: Any, out: Path | None, output: str) -> None:
    from slakeeper.planning.report import plan_csv, plan_html, plan_png, print_plan, shifts_csv

    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "staffing.csv").write_text(plan_csv(plan, fitted))
        if fitted is not None:
            zone = fitted.timezone or plan.grid.timezone
            (out / "shifts.csv").write_text(shifts_csv(fitted, plan.grid.slot_minutes, zone))
        (out / "staffing.html").write_text(plan_html(plan, fitted))
        plan_png(plan, out / "staffing.png")
    if output == "csv":
        sys.stdout.write(plan_csv(plan, fitted))
    else:
        print_plan(plan, fitted)
    if not plan.meets_target:
        typer.echo("warning: no plan met the target in every slot within --rounds", err=True)
