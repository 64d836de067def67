"""Reading request bodies safely: a size limit, UTF-8, JSON, and a nesting limit."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request

__all__ = ["BodyError", "read_json"]


class BodyError(Exception):
    """A body that cannot be read as JSON (400) or is too large (413)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_raw(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 past ``limit`` bytes (before reading it all)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyError(413, f"body of {declared} bytes is over the limit of {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyError(413, f"body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes, max_depth: int) -> Any:
    """Decode JSON bytes (UTF-8 only), refusing nesting deeper than ``max_depth``."""
    if not raw.strip():
        raise BodyError(400, "empty body: expected JSON")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "depth" in exc.msg or "recursion" in exc.msg:
            raise BodyError(400, f"JSON nested deeper than {max_depth} levels") from None
        where = f"line {exc.lineno}, column {exc.colno}"
        raise BodyError(400, f"invalid JSON: {exc.msg} ({where})") from None
    if _depth(value, max_depth) > max_depth:
        raise BodyError(400, f"JSON nested deeper than {max_depth} levels")
    return value


async def read_json(request: Request, *, limit: int, max_depth: int) -> tuple[Any, bytes]:
    """The decoded JSON body and its raw bytes."""
    raw = await read_raw(request, limit)
    return parse_json(raw, max_depth), raw


def _depth(value: Any, limit: int) -> int:
    """Nesting depth, iteratively (no recursion on hostile input), stopping past ``limit``."""
    deepest = 0
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest
