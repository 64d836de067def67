"""The ``notifiers`` section: where alerts go (Slack, Teams, email or a signed webhook)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import StrictStr

from slakeeper.config.names import BUILT_IN_RECIPIENTS
from slakeeper.config.problems import Problems, Strict
from slakeeper.core.configuration import Notifier
from slakeeper.core.errors import KeyPath

__all__ = ["NOTIFIER_TYPES", "load_notifiers"]

NOTIFIER_TYPES = ("slack", "teams", "email", "webhook")
_POSTS_TO_URL = ("slack", "teams", "webhook")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class NotifierModel(Strict):
    """One entry of ``notifiers``."""

    type: StrictStr | None = None
    url: StrictStr | None = None
    to: list[StrictStr] | None = None
    secret_env: StrictStr | None = None


def load_notifiers(raw: Any, problems: Problems) -> dict[str, Notifier]:
    """``notifiers``: id -> type and where it delivers."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add(("notifiers",), "expected a mapping of notifier id to notifier")
        return {}
    notifiers: dict[str, Notifier] = {}
    for notifier_id, body in raw.items():
        found = _notifier(notifier_id, body, problems)
        if found is not None:
            notifiers[notifier_id] = found
    return notifiers


def _notifier(notifier_id: str, body: Any, problems: Problems) -> Notifier | None:
    path: KeyPath = ("notifiers", notifier_id)
    if notifier_id in BUILT_IN_RECIPIENTS:
        problems.add(path, f"{notifier_id!r} is a built-in recipient: name the notifier otherwise")
    model = problems.shape(NotifierModel, body, path)
    if model is None:
        return None
    if model.type is None:
        problems.add((*path, "type"), "missing required key")
        return None
    if model.type not in NOTIFIER_TYPES:
        expected = ", ".join(NOTIFIER_TYPES)
        problems.add((*path, "type"), f"unknown notifier type {model.type!r} (expected {expected})")
        return None
    # A key given but invalid is reported once, by its shape: not again as missing.
    written = {key for key, value in body.items() if value is not None}
    _check_url(model, written, path, problems)
    _check_recipients(model, written, path, problems)
    if model.secret_env is not None:
        if model.type != "webhook":
            problems.add((*path, "secret_env"), "only webhook notifiers are signed")
        elif not _ENV_NAME.match(model.secret_env):
            problems.add(
                (*path, "secret_env"),
                f"expected an environment variable name, got {model.secret_env!r}",
            )
    return Notifier(
        id=notifier_id,
        type=model.type,
        url=model.url,
        to=tuple(model.to or ()),
        secret_env=model.secret_env,
    )


def _check_url(model: NotifierModel, written: set[str], path: KeyPath, problems: Problems) -> None:
    if model.type not in _POSTS_TO_URL:
        if model.url is not None:
            problems.add((*path, "url"), "only slack, teams and webhook notifiers have a url")
        return
    if model.url is None:
        if "url" not in written:
            problems.add(
                (*path, "url"), f"missing required key (a {model.type} notifier posts to it)"
            )
        return
    parts = urlsplit(model.url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.add((*path, "url"), f"expected an http(s) URL, got {model.url!r}")


def _check_recipients(
    model: NotifierModel, written: set[str], path: KeyPath, problems: Problems
) -> None:
    if model.type != "email":
        if model.to is not None:
            problems.add((*path, "to"), "only email notifiers have recipients (to)")
        return
    if model.to is None:
        if "to" not in written:
            problems.add((*path, "to"), "missing required key (an email notifier sends to it)")
        return
    if not model.to:
        problems.add((*path, "to"), "an email notifier needs at least one address")
        return
    for index, address in enumerate(model.to):
        if not _EMAIL.match(address):
            problems.add((*path, "to", index), f"invalid email address {address!r}")
