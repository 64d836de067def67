"""Collecting configuration problems: one line each, naming the file line and the key path.

Pydantic checks the shape of each fixed-key mapping; the sections check the meaning. A
section keeps going after a problem so that every problem of a file shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from slakeeper.config.documents import Document
from slakeeper.core.errors import KeyPath, SlaError

__all__ = ["Problems", "Strict"]

_M = TypeVar("_M", bound=BaseModel)

_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "missing required key",
    "model_type": "expected a mapping",
    "dict_type": "expected a mapping",
    "list_type": "expected a list",
    "string_type": "expected a string",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
}


class Strict(BaseModel):
    """A mapping with known keys only: anything else is an ``unknown key``."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class Problems:
    """The problems found so far in one document, as ``FILE:LINE: key.path: message``."""

    document: Document
    lines: list[str]

    def add(self, path: KeyPath, message: str) -> None:
        """Record one problem at ``path`` (its line, or its nearest written ancestor's)."""
        self.lines.append(self.document.problem(path, message))

    def add_error(self, path: KeyPath, error: SlaError) -> None:
        """Record every problem an error of the core carries, under ``path``."""
        for each in error.details:
            self.add((*path, *each.path), each.message)

    @property
    def count(self) -> int:
        """How many problems are recorded (to tell whether a check found any)."""
        return len(self.lines)

    def shape(self, model: type[_M], data: Any, path: KeyPath) -> _M | None:
        """``data`` validated by ``model``; keys with problems are reported and left out.

        None when ``data`` is not a mapping or a required key is missing or wrong.
        """
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()
        for error in errors:
            self.add((*path, *error["loc"]), _MESSAGES.get(error["type"], str(error["msg"])))
        if not isinstance(data, dict) or any(not error["loc"] for error in errors):
            return None
        bad = {error["loc"][0] for error in errors}
        try:
            return model.model_validate({key: data[key] for key in data if key not in bad})
        except ValidationError:
            return None
