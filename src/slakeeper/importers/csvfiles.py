"""CSV rows with the line each starts on, and the cells a mapping names."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from slakeeper.core.errors import InputError, KeyPath
from slakeeper.importers.mapping import FieldRule, Mapping
from slakeeper.importers.progress import Advance

__all__ = ["CsvRows", "Row", "RowProblem", "field_values"]

_PROGRESS_EVERY = 4096  # rows between two updates of the progress bar


class RowProblem(Exception):
    """A row that cannot be imported: the message names the column."""


@dataclass
class CsvRows:
    """A CSV file's header and its rows, each with the line it starts on."""

    header: list[str]
    rows: Iterator[Row]
    count: int = 0

    @classmethod
    def open(cls, stream: BinaryIO, mapping: Mapping, source: str, advance: Advance) -> CsvRows:
        """Read the header (UTF-8, a BOM allowed); the mapping's columns are checked."""
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, delimiter=mapping.delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{source} is empty: expected a header row", path=("FILE",)) from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"{source}: line 1: {exc}", path=("FILE",)) from None
        found = cls(header, iter(()))
        columns = mapping.columns_of(header, source)
        found.rows = found._read(reader, stream, columns, advance, source)
        return found

    def _read(
        self,
        reader: Any,
        stream: BinaryIO,
        columns: dict[KeyPath, int],
        advance: Advance,
        source: str,
    ) -> Iterator[Row]:
        header = self.header
        line = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except (UnicodeDecodeError, csv.Error) as exc:
                raise InputError(f"{source}: line {line}: {exc}", path=("FILE",)) from None
            self.count += 1
            if self.count % _PROGRESS_EVERY == 0:
                advance(stream.tell())
            if any(cell.strip() for cell in cells):
                yield Row(line, cells, columns, header)
            line = reader.line_num + 1
        advance(stream.tell())


@dataclass(slots=True)
class Row:
    """One CSV record."""

    line: int
    cells: list[str]
    columns: dict[KeyPath, int]
    header: list[str]

    def get(self, path: KeyPath) -> str | None:
        """The cell of the column the mapping names at ``path`` (None when not mapped)."""
        index = self.columns.get(path)
        if index is None:
            return None
        return self.cells[index] if index < len(self.cells) else ""

    def name(self, path: KeyPath) -> str:
        """The header of the column at ``path``."""
        return self.header[self.columns[path]]

    def require(self, key: str) -> str:
        """A required cell of ``columns``; :class:`RowProblem` when it is empty."""
        value = (self.get(("columns", key)) or "").strip()
        if not value:
            raise RowProblem(f"column {self.name(('columns', key))!r}: empty")
        return value


def field_values(row: Row, rules: tuple[FieldRule, ...]) -> dict[str, str | None]:
    """Each mapped ticket field's value in ``row``; :class:`RowProblem` names a bad cell."""
    values: dict[str, str | None] = {}
    for rule in rules:
        path = (*rule.path, "column")
        try:
            values[rule.name] = rule.read(row.get(path))
        except KeyError as exc:
            raise RowProblem(
                f"column {row.name(path)!r}: value {exc.args[0]!r} is not one of "
                f"fields.{rule.name}.values (and there is no default)"
            ) from None
    return values
