"""The one CSV writer for every CSV file the product makes.

Two dialects:

``excel`` (the default of every download and command)
    For a spreadsheet set to Swedish: UTF-8 with a byte order mark (so Excel
    reads å, ä and ö), semicolon-separated, decimal comma, Swedish column
    headings (:data:`SWEDISH_HEADERS`). A report's first row states its window.
``plain`` (``--csv-dialect plain``, ``?dialect=plain``)
    For scripts: UTF-8 without a byte order mark, comma-separated, decimal
    point, the field names as headings (``csv``'s defaults), the header first.

Both end lines with ``\\r\\n``.

Cells are neutralised by type, not by content. Text (``str``) can come from the
outside (an author's name, a comment, a page name) and a spreadsheet would run a
cell opening with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a
formula, also after leading white space: such a cell gets a leading ``'``, as
OWASP recommends, so it opens as the text it is. Numbers the product computes
(``int``, ``float``) are written as they are and stay numbers: ``-3`` stays a
number (``-0,5`` in the ``excel`` dialect), while the text ``"-3"`` from a
comment becomes ``'-3``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

Dialect = Literal["excel", "plain"]
DIALECTS: tuple[Dialect, ...] = ("excel", "plain")

# Column headings in the ``excel`` dialect (the field name where none is listed).
SWEDISH_HEADERS = {
    # The report's metrics (inbox.core.metrics.METRIC_NAMES) and what names a row.
    "page": "Sidnyckel",
    "name": "Sida",
    "received": "Inkomna",
    "excluded": "Kräver inget svar",
    "requiring_response": "Kräver svar",
    "responded": "Besvarade",
    "response_rate": "Svarsfrekvens (andel)",
    "median_response_minutes": "Median svarstid (minuter)",
    "mean_response_minutes": "Medel svarstid (minuter)",
    "median_office_minutes": "Median kontorstid (minuter)",
    "within_target": "Inom svarstidsmålet",
    "within_target_rate": "Andel inom svarstidsmålet",
    "breached": "Försenade",
    "dialogues": "Dialoger",
    "dialogues_page_took_part": "Dialoger där sidan deltog",
    "department": "Förvaltning",
    "department_key": "Förvaltningsnyckel",
    "person": "Person (första svaret)",
    "person_name": "Namn",
    "topic": "Ämne",
    "topic_key": "Ämnesnyckel",
    "sentiment": "Sentiment",
    "week": "Vecka (måndag)",
    # Items (the breaches and `inbox export`).
    "id": "Ärende",
    "external_id": "Externt id",
    "channel": "Kanal",
    "kind": "Slag",
    "author": "Avsändare",
    "received_at": "Inkom",
    "due_at": "Svara senast",
    "first_response_at": "Första svar",
    "sla_state": "Svarstidsläge",
    "status": "Status",
    "resolution": "Avslut",
    "priority": "Prioritet",
    "post_id": "Inlägg",
    "parent_id": "Svar på",
    "conversation_id": "Konversation",
    "text": "Text",
    "first_responder": "Första svar av",
    "assignee": "Tilldelad",
    "registry_reference": "Diarienummer",
}


def neutral(value: str) -> str:
    """``value`` as a cell a spreadsheet shows as text and never evaluates."""
    if value.startswith(FORMULA_STARTS) or value.lstrip().startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell(value: Any, dialect: Dialect = "plain") -> Any:
    """A value as written: empty for None, numbers as numbers, all else as safe text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return neutral(str(value))
    if isinstance(value, float) and dialect == "excel":
        return repr(value).replace(".", ",")  # a number in a Swedish spreadsheet
    if isinstance(value, int | float):
        return value
    return neutral(str(value))


def header(name: str, dialect: Dialect) -> str:
    """A column's heading: the field name, or in the ``excel`` dialect its Swedish name."""
    return SWEDISH_HEADERS.get(name, name) if dialect == "excel" else name


class CsvWriter:
    """``csv.writer`` with every cell passed through :func:`cell`.

    The ``excel`` dialect opens the output with the byte order mark."""

    def __init__(self, out: TextIO, dialect: Dialect = "plain") -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown CSV dialect: {dialect}")
        self.dialect: Dialect = dialect
        if dialect == "excel":
            out.write(BOM)
            self._writer = csv.writer(out, delimiter=";")
        else:
            self._writer = csv.writer(out)

    def writeheader(self, names: Iterable[str]) -> None:
        """The heading row for these field names, in this dialect."""
        self._writer.writerow([neutral(header(n, self.dialect)) for n in names])

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(v, self.dialect) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class CsvDictWriter:
    """Rows given as mappings, in the order of ``fieldnames``, with a header."""

    def __init__(self, out: TextIO, fieldnames: Sequence[str], dialect: Dialect = "plain") -> None:
        self._writer = CsvWriter(out, dialect)
        self.fieldnames = list(fieldnames)

    def writeheader(self) -> None:
        self._writer.writeheader(self.fieldnames)

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow([row.get(name) for name in self.fieldnames])
