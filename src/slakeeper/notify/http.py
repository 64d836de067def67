"""Posting JSON to a receiver and judging its answer (shared by Slack, Teams and webhooks)."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import orjson

from slakeeper.notify.protocol import Outcome

__all__ = ["PERMANENT", "post_json"]

PERMANENT = frozenset({400, 401, 403, 404, 410, 422})  # the request itself is wrong
TIMEOUT = httpx.Timeout(10.0, connect=5.0)  # a hanging receiver is cut, then retried


def post_json(
    url: str, payload: Any, *, headers: dict[str, str] | None = None, body: bytes | None = None
) -> Outcome:
    """POST ``payload`` (or the exact ``body``) and classify the answer."""
    content = body if body is not None else orjson.dumps(payload)
    sent = {"Content-Type": "application/json", "User-Agent": "slakeeper"} | (headers or {})
    try:
        answer = _client().post(url, content=content, headers=sent, timeout=TIMEOUT)
    except httpx.TimeoutException:
        return Outcome(ok=False, error="timed out")
    except httpx.HTTPError as exc:
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
    status = answer.status_code
    if 200 <= status < 300:
        return Outcome(ok=True, status=status)
    error = f"HTTP {status}: {answer.text[:200]}"
    return Outcome(
        ok=False,
        status=status,
        error=error,
        permanent=status in PERMANENT,
        retry_after=_retry_after(answer) if status in (429, 503) else None,
    )


_CLIENT: httpx.Client | None = None
_CLIENT_LOCK = threading.Lock()


def _client() -> httpx.Client:
    """One pooled client per process: a new one per request costs a TLS context (tens of ms)."""
    global _CLIENT
    with _CLIENT_LOCK:
        if _CLIENT is None:
            _CLIENT = httpx.Client(timeout=TIMEOUT)
        return _CLIENT


def _retry_after(answer: httpx.Response) -> float | None:
    value = answer.headers.get("retry-after", "")
    return float(value) if value.strip().isdigit() else None
