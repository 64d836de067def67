"""Webhook signatures: ``v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>``.

The same scheme signs outbound webhooks and authenticates inbound ones (DESIGN.md
section 5): headers ``X-Slakeeper-Timestamp`` (Unix seconds) and ``X-Slakeeper-Signature``.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SignatureError", "sign", "verify"]


class SignatureError(Exception):
    """A signature that is missing, malformed, stale or wrong (the message says which)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    message = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now_seconds: int,
    window_seconds: int = 300,
) -> None:
    """Accept a signed body or raise :class:`SignatureError` (constant-time comparison)."""
    if not timestamp or not signature:
        raise SignatureError("missing X-Slakeeper-Timestamp or X-Slakeeper-Signature header")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError("X-Slakeeper-Timestamp must be Unix seconds")
    if abs(now_seconds - int(timestamp)) > window_seconds:
        raise SignatureError(f"timestamp outside the {window_seconds}-second window")
    candidates = [part.strip() for part in signature.split(",")]  # several during rotation
    expected = sign(secret, int(timestamp), body)
    if not any(hmac.compare_digest(expected.encode(), c.encode()) for c in candidates):
        raise SignatureError("signature does not match")
