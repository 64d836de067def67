"""The console's session cookie and CSRF tokens.

The cookie holds a signed (itsdangerous, HMAC-SHA1 over the payload and a timestamp), not
encrypted, payload: a random nonce, and once signed in the user's id and session epoch.
The user is looked up on every request, so a disabled user or a logout (which raises the
epoch) ends the session at once. The CSRF token is an HMAC of the nonce: a form carries
it, and a page of another site can neither read nor forge it. Login issues a new nonce,
so a nonce planted before login (session fixation) is worth nothing after it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from slakeeper.services.users import console_key
from slakeeper.settings import Settings

__all__ = ["COOKIE", "Session", "csrf_token", "load_session", "new_session", "write_session"]

COOKIE = "slakeeper_session"


@dataclass(frozen=True)
class Session:
    """What the cookie says: a nonce, and the signed-in user's id and epoch (or None)."""

    nonce: str
    user_id: int | None = None
    epoch: int = 0


def new_session(user_id: int | None = None, epoch: int = 0) -> Session:
    """A session with a fresh nonce."""
    return Session(secrets.token_urlsafe(24), user_id, epoch)


def _serializer(request: Request) -> URLSafeTimedSerializer:
    state = request.app.state
    serializer: URLSafeTimedSerializer | None = getattr(state, "session_serializer", None)
    if serializer is None:
        settings: Settings = state.settings
        key = settings.secret_key or console_key(state.database, state.clock.now())
        serializer = URLSafeTimedSerializer(key, salt="slakeeper.session")
        state.session_serializer = serializer
        state.csrf_key = hashlib.sha256(b"slakeeper.csrf\x00" + key.encode()).digest()
    return serializer


def load_session(request: Request) -> Session | None:
    """The request's session, or None (no cookie, a bad signature, or expired)."""
    raw = request.cookies.get(COOKIE)
    serializer = _serializer(request)
    if not raw:
        return None
    settings: Settings = request.app.state.settings
    try:
        data = serializer.loads(raw, max_age=int(settings.session_hours * 3600))
        return Session(str(data["n"]), data.get("u"), int(data.get("e", 0)))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def write_session(request: Request, response: Response, session: Session) -> None:
    """Set the cookie: HttpOnly, SameSite=Lax, Secure when the request came over TLS."""
    payload: dict[str, object] = {"n": session.nonce}
    if session.user_id is not None:
        payload |= {"u": session.user_id, "e": session.epoch}
    settings: Settings = request.app.state.settings
    response.set_cookie(
        COOKIE,
        _serializer(request).dumps(payload),
        max_age=int(settings.session_hours * 3600),
        path="/",
        httponly=True,
        # Lax, not Strict: a link in a Slack or email notice opens the console signed in;
        # every state-changing request is a POST that needs the CSRF token anyway.
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def csrf_token(request: Request, session: Session) -> str:
    """The CSRF token of a session (an HMAC of its nonce)."""
    _serializer(request)
    key: bytes = request.app.state.csrf_key
    return hmac.new(key, session.nonce.encode(), hashlib.sha256).hexdigest()


def is_csrf_valid(request: Request, session: Session | None, sent: str | None) -> bool:
    """True when ``sent`` is the session's CSRF token (compared in constant time)."""
    if session is None or not sent:
        return False
    return hmac.compare_digest(csrf_token(request, session), sent)
