"""A policy's ``match``: conditions on ticket fields, read into a core :class:`Match`.

The grammar is data, never code: a field's value matches by equality, a list by
membership; ``tags: {contains: x | [x, y]}`` holds when the ticket has any of the tags;
``not: {…}`` (the same grammar, nested) excludes; ``custom.NAME`` names a custom field.
"""

from __future__ import annotations

from typing import Any

from slakeeper.config.problems import Problems, Strict
from slakeeper.core.errors import KeyPath
from slakeeper.core.policies import MATCH_FIELDS, Match

__all__ = ["load_match"]

_CUSTOM = "custom."
_EXPECTED_KEYS = ", ".join(MATCH_FIELDS) + ", tags, not or custom.NAME"
_SCALARS = (str, int, float, bool, type(None))


class TagsModel(Strict):
    """``tags: {contains: …}``."""

    contains: Any = None


def load_match(raw: Any, path: KeyPath, problems: Problems) -> Match | None:
    """The conditions written at ``path``, or None when they are not a mapping."""
    if not isinstance(raw, dict):
        problems.add(path, "expected a mapping of ticket field to value (or list of values)")
        return None
    equals: dict[str, tuple[Any, ...]] = {}
    tags: tuple[str, ...] = ()
    negated: Match | None = None
    for key, value in raw.items():
        here = (*path, key)
        if key in MATCH_FIELDS or (key.startswith(_CUSTOM) and len(key) > len(_CUSTOM)):
            allowed = _allowed(value, here, problems)
            if allowed is not None:
                equals[key] = allowed
        elif key == "tags":
            tags = _tags(value, here, problems)
        elif key == "not":
            negated = load_match(value, here, problems)
        elif key == "custom":
            problems.add(here, "name a custom field as custom.NAME (custom.region: eu)")
        else:
            problems.add(here, f"unknown match key {key!r} (expected {_EXPECTED_KEYS})")
    return Match(equals=equals, tags_contain=tags, negated=negated)


def _allowed(value: Any, path: KeyPath, problems: Problems) -> tuple[Any, ...] | None:
    if isinstance(value, _SCALARS):
        return (value,)
    if not isinstance(value, list):
        problems.add(path, "expected a value or a list of values")
        return None
    if not value:
        problems.add(path, "an empty list matches no ticket")
        return None
    for index, item in enumerate(value):
        if not isinstance(item, _SCALARS):
            problems.add((*path, index), "expected a value")
            return None
    return tuple(value)


def _tags(value: Any, path: KeyPath, problems: Problems) -> tuple[str, ...]:
    if not isinstance(value, dict):
        problems.add(path, "expected {contains: TAG} or {contains: [TAG, …]}")
        return ()
    model = problems.shape(TagsModel, value, path)
    if model is None:
        return ()
    contains = model.contains
    if contains is None:
        problems.add((*path, "contains"), "missing required key")
        return ()
    if isinstance(contains, str):
        return (contains,)
    if isinstance(contains, list) and contains and all(isinstance(t, str) for t in contains):
        return tuple(contains)
    problems.add((*path, "contains"), "expected a tag or a non-empty list of tags")
    return ()
