"""YAML (and JSON) documents read with the line of every value, for errors that name lines.

PyYAML's composer gives nodes with positions; we build plain Python values from them
ourselves so that (1) every key path maps to its line, (2) duplicate keys are refused
instead of silently overwritten, and (3) dates and sexagesimal numbers (``2026-12-25``,
``9:00``) stay the strings the user wrote rather than YAML 1.1's conversions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from slakeeper.core.errors import ConfigError, KeyPath, show_path

__all__ = ["Document", "read_document"]

_PLAIN_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}


@dataclass
class Document:
    """A parsed file: its data, and the line (1-based) of each key path."""

    source: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor present in the file."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return None

    def problem(self, path: KeyPath, message: str) -> str:
        """One line naming the file, line and key: ``cfg.yaml:7: calendars.us.timezone: …``."""
        line = self.line_of(path)
        where = f"{self.source}:{line}" if line is not None else self.source
        return f"{where}: {show_path(path)}: {message}" if path else f"{where}: {message}"


def read_document(path: str | Path) -> Document:
    """Read a YAML or JSON file; unreadable or malformed files raise :class:`ConfigError`."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{source}: cannot read file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{source}: not UTF-8 text"]) from None
    return parse_document(text, source)


# libyaml's loader when PyYAML was built with it (its wheels are): the same nodes with the
# same positions, about eight times faster on a configuration of thousands of accounts.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_document(text: str, source: str = "<config>") -> Document:
    """Parse YAML or JSON text into a :class:`Document`."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError([f"{source}{line}: invalid YAML: {exc.problem or exc}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{source}: invalid YAML: {exc}"]) from None
    document = Document(source=source, data=None)
    if node is not None:
        problems: list[str] = []
        document.data = _build(node, (), document, problems)
        if problems:
            raise ConfigError(problems)
    return document


def _build(node: yaml.Node, path: KeyPath, document: Document, problems: list[str]) -> Any:
    document.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str | int | float | bool):
                problems.append(
                    document.problem(
                        path, f"line {key_node.start_mark.line + 1}: keys must be scalars"
                    )
                )
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                line = key_node.start_mark.line + 1
                problems.append(
                    f"{document.source}:{line}: {show_path((*path, key))}: duplicate key"
                )
                continue
            document.lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _build(value_node, (*path, key), document, problems)
            document.lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*path, index), document, problems)
            for index, item in enumerate(node.value)
        ]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if node.tag in _PLAIN_TAGS:
        return node.value
    if node.tag == "tag:yaml.org,2002:int" and ":" in node.value:
        return node.value  # YAML 1.1 sexagesimal (9:00 would be 540): keep what was written
    if node.tag == "tag:yaml.org,2002:float" and ":" in node.value:
        return node.value
    if node.tag.startswith("tag:yaml.org"):
        return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
    return node.value
