"""POST /api/v1/events and the signed webhook POST /api/v1/webhooks/events."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from slakeeper.core.errors import SlaError
from slakeeper.notify.signatures import SignatureError, verify
from slakeeper.services.ingest import Caller, CallerRefused, IngestResult, parse_body
from slakeeper.web.bodies import BodyError, parse_json, read_json, read_raw
from slakeeper.web.deps import authorize, deferred_caller
from slakeeper.web.schemas import EVENTS_BODY, IngestAnswer

# The ingest routes take no FastAPI dependencies: solving them cost more than storing a
# single event. Each checks its caller itself, first thing (the roles are still those of
# web/permissions.py, and the route-by-role test walks these routes like any other):
# POST /events checks the header at once and leaves the token's row to the writer, which
# reads those of a whole group in its transaction (`deferred_caller`).
router = APIRouter(prefix="/api/v1", tags=["events"])


async def _ingest(
    request: Request, payload: Any, size: int, source: str, caller: Caller | None = None
) -> IngestAnswer:
    app = request.app
    started = time.perf_counter()
    try:
        if size > 65536:  # validating a large body would hold the event loop: use a thread
            body = await run_in_threadpool(parse_body, payload, source, caller)
        else:
            body = parse_body(payload, source, caller)
    except SlaError:
        if caller is not None:  # a caller refused hears that first, as before any reading
            await authorize(request)
        raise
    try:
        result: IngestResult = await asyncio.wrap_future(app.state.committer.submit(body))
    except CallerRefused:
        await authorize(request)  # raises the refusal (401 or 403) with its message
        raise HTTPException(401, "unknown or revoked token") from None  # revoked meanwhile
    metrics = app.state.metrics
    metrics.latency.observe(time.perf_counter() - started)
    metrics.ingested.labels(source).inc(result.accepted)
    metrics.duplicates.inc(result.duplicates)
    return IngestAnswer(accepted=result.accepted, duplicates=result.duplicates)


@router.post("/events", openapi_extra=EVENTS_BODY, response_model=IngestAnswer)
async def post_events(request: Request) -> IngestAnswer:
    """Store one event or a list (all or nothing), idempotent by event id."""
    caller = await deferred_caller(request)
    settings = request.app.state.settings
    try:
        payload, raw = await read_json(
            request, limit=settings.max_body_bytes, max_depth=settings.max_json_depth
        )
    except BodyError:
        if caller is not None:
            await authorize(request)
        raise
    return await _ingest(request, payload, len(raw), "api", caller)


@router.post("/webhooks/events", openapi_extra=EVENTS_BODY, response_model=IngestAnswer)
async def post_signed_events(request: Request) -> IngestAnswer:
    """The same body, authenticated by its HMAC-SHA256 signature instead of a token."""
    await authorize(request)
    settings, clock = request.app.state.settings, request.app.state.clock
    if not settings.webhook_secret:
        raise HTTPException(503, "inbound webhook is not configured (SLAKEEPER_WEBHOOK_SECRET)")
    raw = await read_raw(request, settings.max_body_bytes)
    try:
        verify(
            settings.webhook_secret,
            timestamp=request.headers.get("x-slakeeper-timestamp"),
            signature=request.headers.get("x-slakeeper-signature"),
            body=raw,
            now_seconds=clock.now() // 1_000_000,
            window_seconds=settings.webhook_window_seconds,
        )
    except SignatureError as exc:
        raise HTTPException(401, str(exc)) from None
    payload = parse_json(raw, settings.max_json_depth)
    return await _ingest(request, payload, len(raw), "webhook")
