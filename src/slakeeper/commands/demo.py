"""``slakeeper demo``: the product alive on a database of its own (docs/demo.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["demo"]


def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo keeps its database and files.")
    ] = Path("slakeeper-demo"),
    reset: Annotated[bool, typer.Option("--reset", help="Start over on a fresh database.")] = False,
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    speed: Annotated[
        float,
        typer.Option("--speed", min=0.001, help="Clock seconds per second (60: an hour a minute)."),
    ] = 1.0,
) -> None:
    """Run slakeeper with 90 days of history, live tickets and local notification sinks."""
    from slakeeper.demo.run import run_demo
    from slakeeper.web.observability import configure_logging

    configure_logging("WARNING")
    run_demo(directory, reset=reset, port=port, speed=speed, echo=typer.echo)
