"""Personal data in free text: personnummer, samordningsnummer, phone, e-mail.

A number only counts as a personal identity number when its check digit
(Luhn over the ten digits YYMMDDNNNC) and its date are valid; a
samordningsnummer is the same with 60 added to the day. This keeps order
numbers, dates and amounts from being masked.
"""

from __future__ import annotations

import re
from datetime import date

Span = tuple[int, int, str]

_PNR = re.compile(
    r"(?<![\d+])(?P<cc>(?:18|19|20)\d{2}|\d{2})\s?(?P<mm>\d{2})\s?(?P<dd>\d{2})"
    r"\s?(?P<sep>[-+–]?)\s?(?P<nnn>\d{3})\s?(?P<c>\d)(?!\d)"
)
# Swedish numbers: 07x-xxx xx xx, 08-123 45 67, 031-12 34 56, +46 70 ..., 0046 ...
_PHONE = re.compile(
    r"(?<![\w+])(?:\+46|0046)[\s-]?(?:\(0\))?[\s-]?[1-9](?:[\s-]?\d){6,8}(?!\d)"
    r"|(?<![\w+])0[1-9](?:[\s-]?\d){6,8}(?!\d)"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}(?!\w)")

LABELS = {
    "personnummer": "[personnummer]",
    "samordningsnummer": "[samordningsnummer]",
    "phone": "[telefonnummer]",
    "email": "[e-post]",
}


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _date_ok(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def id_number_kind(century_or_year: str, mm: str, dd: str, sep: str, serial: str) -> str | None:
    """ "personnummer", "samordningsnummer" or None for the parts of a match."""
    yy = century_or_year[-2:]
    if not luhn_ok(yy + mm + dd + serial):
        return None
    month, day = int(mm), int(dd)
    kind = "personnummer"
    if day > 60:
        day -= 60
        kind = "samordningsnummer"
    if len(century_or_year) == 4:
        years = [int(century_or_year)]
    else:
        # Without the century the date must be valid in some plausible one;
        # "+" marks a person who is a hundred or older.
        centuries = (1800, 1900) if sep == "+" else (1900, 2000)
        years = [c + int(yy) for c in centuries]
    return kind if any(_date_ok(y, month, day) for y in years) else None


def find_personal_data(text: str) -> tuple[Span, ...]:
    """Spans (start, end, kind) of personal data, in text order, not overlapping."""
    spans: list[Span] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in spans)

    for m in _EMAIL.finditer(text):
        spans.append((m.start(), m.end(), "email"))
    for m in _PNR.finditer(text):
        kind = id_number_kind(m["cc"], m["mm"], m["dd"], m["sep"], m["nnn"] + m["c"])
        if kind and free(m.start(), m.end()):
            spans.append((m.start(), m.end(), kind))
    for m in _PHONE.finditer(text):
        if free(m.start(), m.end()):
            spans.append((m.start(), m.end(), "phone"))
    return tuple(sorted(spans))


def mask_personal_data(text: str, spans: tuple[Span, ...] | list[Span]) -> str:
    """Replace each span with a Swedish placeholder such as "[personnummer]"."""
    out: list[str] = []
    pos = 0
    for start, end, kind in sorted(spans):
        if start < pos:  # overlapping spans: the earlier one already covers it
            start = pos
        if start >= end:
            continue
        out.append(text[pos:start])
        out.append(LABELS.get(kind, "[personuppgift]"))
        pos = end
    out.append(text[pos:])
    return "".join(out)
