"""One place that maps domain and database errors to HTTP answers that say what was wrong.

- ConflictError → 409, NotFoundError → 404, any other SlaError (invalid event, input or
  configuration) → 422; the body names the index and field (``"field": "[3].at"``).
- A body that is not JSON → 400, too large → 413.
- The database unreachable → 503 (the process lives on and serves again when it returns).
- Too many failed logins (LimitError) → 429 with Retry-After.
- On a console page the same statuses come as an HTML page that says what was wrong.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from slakeeper.core.errors import (
    ConfigError,
    ConflictError,
    LimitError,
    NotFoundError,
    SlaError,
    show_path,
)
from slakeeper.web.bodies import BodyError
from slakeeper.web.console.pages import refused_page
from slakeeper.web.permissions import is_console
from slakeeper.web.schemas import ExactJSONResponse

__all__ = ["install_error_handlers"]

log = logging.getLogger("slakeeper.web")


def _sla_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, SlaError)
    status = (
        409 if isinstance(exc, ConflictError) else 404 if isinstance(exc, NotFoundError) else 422
    )
    if isinstance(exc, LimitError):
        return _limited(request, exc)
    body: dict[str, Any] = {"detail": str(exc)}
    if isinstance(exc, ConfigError):
        body = {"detail": "invalid configuration", "problems": exc.problems}
    elif exc.path:
        body = {"detail": exc.message, "field": show_path(exc.path)}
        if isinstance(exc.path[0], int):
            body["index"] = exc.path[0]
    _count_rejection(request, status)
    if is_console(request.url.path):  # a console page: an HTML page that says what is wrong
        title = {404: "Not found", 409: "Conflict"}.get(status, "Refused")
        return refused_page(request, status, title, str(exc))
    return ExactJSONResponse(body, status_code=status)


def _limited(request: Request, exc: LimitError) -> Any:
    headers = {"Retry-After": str(exc.retry_after)}
    if is_console(request.url.path):
        response = refused_page(request, 429, "Too many attempts", str(exc))
        response.headers.update(headers)
        return response
    return ExactJSONResponse({"detail": str(exc)}, status_code=429, headers=headers)


def _body_error(request: Request, exc: Exception) -> ExactJSONResponse:
    assert isinstance(exc, BodyError)
    _count_rejection(request, exc.status)
    return ExactJSONResponse({"detail": exc.message}, status_code=exc.status)


def _validation_error(_request: Request, exc: Exception) -> ExactJSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
    ]
    return ExactJSONResponse({"detail": "; ".join(problems), "problems": problems}, status_code=422)


def _database_error(request: Request, exc: Exception) -> ExactJSONResponse:
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.db_errors.inc()
    if isinstance(exc, IntegrityError):  # a race lost three times over: ask to retry
        log.warning("integrity error", extra={"error": str(exc.orig)})
        return ExactJSONResponse({"detail": "conflicting concurrent write: retry"}, status_code=409)
    log.error("database unavailable", extra={"error": str(getattr(exc, "orig", exc))})
    return ExactJSONResponse(
        {"detail": "database unavailable: retry later"},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def _count_rejection(request: Request, status: int) -> None:
    if not request.url.path.endswith("/events"):
        return
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        reason = {400: "malformed", 409: "conflict", 413: "too_large"}.get(status, "invalid")
        metrics.rejected.labels(reason).inc()


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""
    app.add_exception_handler(SlaError, _sla_error)
    app.add_exception_handler(BodyError, _body_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(DBAPIError, _database_error)
