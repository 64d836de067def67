"""``slakeeper db upgrade``, ``slakeeper token create|list|revoke`` and ``slakeeper serve``.

Thin: each command builds the settings, calls one service and prints. Heavy modules
(SQLAlchemy, FastAPI, uvicorn) are imported inside the commands, so that ``slakeeper``
itself starts fast.
"""

from __future__ import annotations

import getpass
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from slakeeper.core.errors import InputError

db_app = typer.Typer(help="The service's database.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (stored hashed; shown once).", no_args_is_help=True)
user_app = typer.Typer(help="Console users (passwords hashed with argon2).", no_args_is_help=True)

__all__ = ["db_app", "monitor", "open_database", "serve", "token_app", "user_app"]


def _database():  # type: ignore[no-untyped-def]
    from slakeeper.settings import Settings
    from slakeeper.store.session import create_database

    settings = Settings()
    return settings, create_database(settings.database_url, pool_size=settings.db_pool_size)


def open_database():  # type: ignore[no-untyped-def]
    """The database of SLAKEEPER_DATABASE_URL, migrated (reports read it)."""
    from slakeeper.store.migrate import is_current

    settings, database = _database()
    if not is_current(database):
        raise InputError(
            f"the database {_redacted(settings.database_url)} is not at the current migration: "
            "run `slakeeper db upgrade`",
            path=("SLAKEEPER_DATABASE_URL",),
        )
    return database


def _now() -> int:
    from slakeeper.settings import Settings

    return Settings().clock().now()


def _actor() -> str:
    return f"cli:{os.environ.get('USER') or getpass.getuser()}"


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to the database (SLAKEEPER_DATABASE_URL)."""
    from slakeeper.store.migrate import current_revision, upgrade

    settings, database = _database()
    upgrade(database)
    typer.echo(f"ok: {_redacted(settings.database_url)} at migration {current_revision(database)}")


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option("--role", help="admin, agent, viewer or ingest.")],
    name: Annotated[str, typer.Option("--name", help="Who or what uses the token.")],
) -> None:
    """Create a token and print it once (it is stored only as a digest)."""
    from slakeeper.services.tokens import create_token
    from slakeeper.store.migrate import upgrade

    _, database = _database()
    upgrade(database)
    with database.write() as connection:
        token, token_id = create_token(connection, name=name, role=role, actor=_actor(), now=_now())
    typer.echo(token)
    typer.echo(f"token {token_id} ({role}) for {name!r}: shown once, keep it safe", err=True)


@token_app.command("list")
def token_list() -> None:
    """List tokens: id, name, role, prefix, created, revoked."""
    from slakeeper.core.instants import format_instant
    from slakeeper.services.tokens import list_tokens

    _, database = _database()
    with database.read() as connection:
        rows = list_tokens(connection)
    for row in rows:
        revoked = f"revoked {format_instant(row.revoked_at)}" if row.revoked_at else "live"
        typer.echo(
            f"{row.id}\t{row.name}\t{row.role}\t{row.prefix}…\t"
            f"created {format_instant(row.created_at)} by {row.created_by}\t{revoked}"
        )


@token_app.command("revoke")
def token_revoke(
    token: Annotated[str, typer.Argument(help="The token's id or name.")],
) -> None:
    """Revoke a token (by id, or every live token of a name); refused at once."""
    from slakeeper.services.tokens import revoke_token

    _, database = _database()
    with database.write() as connection:
        count = revoke_token(connection, token=token, actor=_actor(), now=_now())
    typer.echo(f"revoked {count} token{'s' if count != 1 else ''}")


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Argument(help="The user name people sign in with.")],
    role: Annotated[str, typer.Option("--role", help="admin, agent, viewer or ingest.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a console user (the password is asked for, or read from standard input)."""
    import sys

    from slakeeper.services.users import create_user
    from slakeeper.store.migrate import upgrade

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise InputError("the two passwords differ", path=("password",))
    _, database = _database()
    upgrade(database)
    with database.write() as connection:
        user_id = create_user(
            connection, name=name, role=role, password=password, actor=_actor(), now=_now()
        )
    typer.echo(f"user {user_id} {name!r} ({role}) created")


@user_app.command("list")
def user_list() -> None:
    """List users: id, name, role, created, last login, enabled or disabled."""
    from slakeeper.core.instants import format_instant
    from slakeeper.services.users import list_users

    _, database = _database()
    with database.read() as connection:
        rows = list_users(connection)
    for row in rows:
        state = f"disabled {format_instant(row.disabled_at)}" if row.disabled_at else "enabled"
        login = format_instant(row.last_login_at) if row.last_login_at else "never"
        typer.echo(
            f"{row.id}\t{row.name}\t{row.role}\tcreated {format_instant(row.created_at)} "
            f"by {row.created_by}\tlast login {login}\t{state}"
        )


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="The user name.")]) -> None:
    """Disable a user: no more logins, and their sessions end at once."""
    from slakeeper.services.users import disable_user

    _, database = _database()
    with database.write() as connection:
        disable_user(connection, name=name, actor=_actor(), now=_now())
    typer.echo(f"user {name!r} disabled")


def serve(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="Store this configuration file as a new version when it differs."
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64)] = 1,
    monitor: Annotated[
        bool, typer.Option("--monitor/--no-monitor", help="Run the monitor in each process.")
    ] = True,
) -> None:
    """Run the API and the monitor (database from SLAKEEPER_DATABASE_URL; migrations
    applied on start)."""
    if not monitor:
        os.environ["SLAKEEPER_RUN_MONITOR"] = "false"  # read by every worker's settings
    import uvicorn

    from slakeeper.services.configs import store_config
    from slakeeper.store.migrate import upgrade
    from slakeeper.web.observability import configure_logging

    settings, database = _database()
    configure_logging(settings.log_level)
    upgrade(database)
    if config is not None:
        try:
            text = config.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {config}: {exc}", path=("--config",)) from None
        with database.write() as connection:
            stored = store_config(connection, text=text, author=_actor(), now=_now())
        state = "stored as version" if stored.created else "unchanged: version"
        typer.echo(f"configuration {config}: {state} {stored.number}", err=True)
    database.dispose()
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="slakeeper-metrics-")
    uvicorn.run(
        "slakeeper.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
    )


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def monitor() -> None:
    """Run the monitor alone (warnings, breaches, escalations); stops on SIGTERM or Ctrl-C."""
    import signal
    import threading

    from slakeeper.services.deliveries import Deliverer
    from slakeeper.services.monitor import Monitor
    from slakeeper.store.migrate import upgrade
    from slakeeper.web.observability import configure_logging

    settings, database = _database()
    configure_logging(settings.log_level)
    upgrade(database)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())  # finish the pass, then return
    clock = settings.clock()
    deliverer = Deliverer(database, clock, public_url=settings.public_url)
    delivering = threading.Thread(target=deliverer.run, args=(stop,), name="slakeeper-delivery")
    delivering.start()
    Monitor.from_settings(database, clock, settings).run(stop)
    delivering.join()
