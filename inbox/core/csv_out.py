"""The one CSV writer for every CSV file the product makes.

The files keep the format they have always had: UTF-8 without a byte order mark,
comma-separated, ``\\r\\n`` line ends, numbers with a decimal point (``csv``'s
defaults; spreadsheets import them as such).

Cells are neutralised by type, not by content. Text (``str``) can come from the
outside (an author's name, a comment, a page name) and a spreadsheet would run a
cell opening with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a
formula, also after leading white space: such a cell gets a leading ``'``, as
OWASP recommends, so it opens as the text it is. Numbers the product computes
(``int``, ``float``) are written as they are and stay numbers: ``-3`` stays a
number, while the text ``"-3"`` from a comment becomes ``'-3``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: str) -> str:
    """``value`` as a cell a spreadsheet shows as text and never evaluates."""
    if value.startswith(FORMULA_STARTS) or value.lstrip().startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell(value: Any) -> Any:
    """A value as written: empty for None, numbers as numbers, all else as safe text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return neutral(str(value))
    if isinstance(value, int | float):
        return value
    return neutral(str(value))


class CsvWriter:
    """``csv.writer`` with every cell passed through :func:`cell`."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class CsvDictWriter:
    """Rows given as mappings, in the order of ``fieldnames``, with a header."""

    def __init__(self, out: TextIO, fieldnames: Sequence[str]) -> None:
        self._writer = CsvWriter(out)
        self.fieldnames = list(fieldnames)

    def writeheader(self) -> None:
        self._writer.writerow(self.fieldnames)

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow([row.get(name) for name in self.fieldnames])
