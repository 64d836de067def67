"""``slakeeper link create|list|revoke``: customer links (signed, expiring, revocable)."""

from __future__ import annotations

from typing import Annotated

import typer

from slakeeper.commands.service import _actor, _database, _now

link_app = typer.Typer(
    help="Customer links: a signed, expiring, read-only page of one account.",
    no_args_is_help=True,
)

__all__ = ["link_app"]

_US_PER_DAY = 86_400_000_000


def _secret(settings, database) -> str:  # type: ignore[no-untyped-def]
    """The key the console signs with (SLAKEEPER_SECRET_KEY, else the database's)."""
    from slakeeper.services.users import console_key

    return settings.secret_key or console_key(database, _now())


def _url(settings, token: str) -> str:  # type: ignore[no-untyped-def]
    from slakeeper.services.customer_links import link_path

    return settings.public_url.rstrip("/") + link_path(token)


@link_app.command("create")
def link_create(
    account: Annotated[
        str, typer.Argument(help="The account id (as on tickets and in the config).")
    ],
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="Days the link works.")] = 30,
    show_agents: Annotated[
        bool, typer.Option("--show-agents", help="Show the agent of each ticket.")
    ] = False,
) -> None:
    """Make a customer link and print its URL (SLAKEEPER_PUBLIC_URL + /c/TOKEN)."""
    from slakeeper.services.customer_links import create_customer_link
    from slakeeper.store.migrate import upgrade

    settings, database = _database()
    upgrade(database)
    now = _now()
    secret = _secret(settings, database)
    with database.write() as connection:
        token = create_customer_link(
            connection, account=account, actor=_actor(), now=now,
            expires_at=now + days * _US_PER_DAY, show_agents=show_agents, secret=secret,
        )  # fmt: skip
    typer.echo(_url(settings, token))
    typer.echo(f"link {token.split('.')[0]} for {account!r}, valid {days} days", err=True)


@link_app.command("list")
def link_list(
    account: Annotated[str | None, typer.Argument(help="Only this account's links.")] = None,
) -> None:
    """List links newest first: id, account, state, expiry, maker, agents, URL when live."""
    from slakeeper.core.instants import format_instant
    from slakeeper.services.customer_links import list_customer_links

    settings, database = _database()
    now = _now()
    secret = _secret(settings, database)
    with database.read() as connection:
        rows = list_customer_links(connection, account=account, secret=secret)
    for row, token in rows:
        if row.revoked_at is not None:
            state = f"revoked {format_instant(row.revoked_at)}"
        else:
            state = "live" if row.expires_at > now else "expired"
        agents = "agents shown" if row.show_agents else "agents hidden"
        url = _url(settings, token) if state == "live" else "-"
        typer.echo(
            f"{row.id}\t{row.account}\t{state}\texpires {format_instant(row.expires_at)}\t"
            f"created {format_instant(row.created_at)} by {row.created_by}\t{agents}\t{url}"
        )


@link_app.command("revoke")
def link_revoke(link_id: Annotated[int, typer.Argument(help="The link's id.", min=1)]) -> None:
    """Revoke a link: its page shows nothing from now on."""
    from slakeeper.services.customer_links import revoke_customer_link

    _, database = _database()
    with database.write() as connection:
        account = revoke_customer_link(connection, link_id=link_id, actor=_actor(), now=_now())
    typer.echo(f"link {link_id} for {account!r} revoked")
