"""``create_app(settings)``: the FastAPI application (nothing is created at import time)."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from slakeeper.services.deliveries import Deliverer
from slakeeper.services.group_commit import GroupCommitter
from slakeeper.services.intake import preload_models
from slakeeper.services.monitor import Monitor
from slakeeper.settings import Clock, Settings
from slakeeper.store.session import Database, create_database
from slakeeper.web.api import alerts, config, events, health, reports, tickets, triage
from slakeeper.web.console import accounts as account_pages
from slakeeper.web.console import alerts as alert_pages
from slakeeper.web.console import configs as config_pages
from slakeeper.web.console import customer as customer_pages
from slakeeper.web.console import deliveries as delivery_pages
from slakeeper.web.console import login, queue
from slakeeper.web.console import reports as report_pages
from slakeeper.web.console import risk as risk_pages
from slakeeper.web.console import tickets as ticket_pages
from slakeeper.web.console import users as user_pages
from slakeeper.web.console.pages import STATIC, install_console_handlers
from slakeeper.web.deps import authorize
from slakeeper.web.errors import install_error_handlers
from slakeeper.web.observability import Metrics, RequestLogger, configure_logging
from slakeeper.web.token_check import TokenCheck

__all__ = ["app_from_environment", "create_app"]

log = logging.getLogger("slakeeper.web")


def create_app(
    settings: Settings, *, database: Database | None = None, clock: Clock | None = None
) -> FastAPI:
    """The API and console app over ``database`` (made from the settings when not given)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.committer = GroupCommitter(app.state.database, app.state.clock)
        # A triage model takes about a second to load: at start, not inside an ingest.
        await run_in_threadpool(_preload_triage, app.state.database)
        watcher = _start_monitor(app) if settings.run_monitor else None
        try:
            yield
        finally:  # requests in flight have finished: store what they handed over, then stop
            if watcher is not None:
                watcher[0].set()
                for thread in watcher[1]:
                    thread.join()
            app.state.committer.close()
            await app.state.token_check.aclose()

    app = FastAPI(
        title="slakeeper",
        lifespan=lifespan,
        version="0.1.0",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.database = database or create_database(
        settings.database_url, pool_size=settings.db_pool_size
    )
    app.state.clock = clock or settings.clock()
    app.state.token_check = TokenCheck(app.state.database)
    app.state.metrics = Metrics(app.state.database, app.state.clock)
    install_error_handlers(app)
    app.add_middleware(RequestLogger)
    app.include_router(events.router)  # authorizes inside (see web/api/events.py)
    routers = (health, tickets, config, alerts, reports, triage)
    for router in (module.router for module in routers):
        app.include_router(router, dependencies=[Depends(authorize)])
    # The console: each page checks its user against ROUTE_ROLES (web/console/pages.py).
    install_console_handlers(app)
    for page in (login, queue, ticket_pages, alert_pages, user_pages):
        app.include_router(page.router)
    app.include_router(report_pages.router)
    app.include_router(config_pages.router)
    for page in (risk_pages, account_pages, customer_pages, delivery_pages):
        app.include_router(page.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _preload_triage(database: Database) -> None:
    try:
        preload_models(database)
    except Exception as exc:  # the database may be away at start: the first ingest loads it
        log.warning("triage models not preloaded: %s", exc)


def _start_monitor(app: FastAPI) -> tuple[threading.Event, list[threading.Thread]]:
    """The monitor and the delivery loop, each in a thread of this process (any number of
    processes may run them)."""
    stop = threading.Event()
    settings: Settings = app.state.settings
    monitor = Monitor.from_settings(app.state.database, app.state.clock, settings)
    deliverer = Deliverer(app.state.database, app.state.clock, public_url=settings.public_url)
    threads = [
        threading.Thread(target=monitor.run, args=(stop,), name="slakeeper-monitor", daemon=True),
        threading.Thread(target=deliverer.run, args=(stop,), name="slakeeper-delivery",
                         daemon=True),
    ]  # fmt: skip
    for thread in threads:
        thread.start()
    return stop, threads


def app_from_environment() -> FastAPI:
    """The app as ``slakeeper serve`` runs it (uvicorn's factory, once per worker)."""
    settings = Settings()
    configure_logging(settings.log_level)
    app = create_app(settings)
    # Everything built so far (modules, the app) lives as long as the process: keep it out
    # of the collector's full passes, which otherwise walk it all, a pause of tens of ms.
    gc.freeze()
    return app
