"""Personal data in free text: identity numbers, phone numbers, e-mail and postal addresses.

A personal identity number (personnummer) or coordination number
(samordningsnummer, the day plus 60) is found by its shape and its date. A
mistyped one is still personal data, so a wrong check digit does not save it:
with or without century, dash or plus, a number whose first six or eight
digits are a date is masked. (A bare ten digits starting with 0 and a wrong
check digit is taken for the phone number it more likely is; masked either
way.) A number introduced as an order, invoice or case number is never
masked, and neither is one whose date cannot exist.

Phone numbers are Swedish: mobile and landline, with +46 or 0046, spaces and
dashes. Postal addresses are a street with a number ("Storgatan 12 B") and a
postcode with a town ("123 45 Stockholm"); one that runs into the next
becomes one span.
"""

from __future__ import annotations

import re
from datetime import date

Span = tuple[int, int, str]

_PNR = re.compile(
    r"(?<![\d+\-])(?P<cc>(?:18|19|20)\d{2}|\d{2})\s?(?P<mm>\d{2})\s?(?P<dd>\d{2})"
    r"\s?(?P<sep>[-+–]?)\s?(?P<nnn>\d{3})\s?(?P<c>\d)(?!\d|-\d)"
)
# The most a phone number has before its first seven digits in a row: "+46 (0) ".
_PHONE_LEAD = 9
# Swedish numbers: 07x-xxx xx xx, 08-123 45 67, 031-12 34 56, +46 70 ..., 0046 ...
_PHONE = re.compile(
    r"(?<![\w+])(?:\+46|0046)[\s-]?(?:\(0\))?[\s-]?[1-9](?:[\s-]?\d){6,8}(?!\d|[-.:]\d)"
    r"|(?<![\w+])(?<!\d[-.:])0[1-9](?:[\s-]?\d){6,8}(?!\d|[-.:]\d)"
)
_DATE_LIKE = re.compile(r"\d{1,2}[-./]\d{1,2}[-./]\d{2,4}|\d{4}[-./]\d{1,2}[-./]\d{1,2}")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}(?!\w)")

_STREET_END = (
    "gatan|gata|vägen|väg|gränd|gränden|torget|torg|stigen|stig|backen|backe|allén|allé"
    "|leden|platsen|plats|esplanaden|kajen|stråket|promenaden|plan|vallen|liden|slingan"
)
_STREET = re.compile(
    r"(?<![\w])(?:(?:Sankt|S:t|Lilla|Stora|Norra|Södra|Östra|Västra|Gamla|Nya)\s)?"
    r"[A-ZÅÄÖa-zåäöéü][a-zåäöéü-]*?(?:" + _STREET_END + r")"
    r"\s+\d{1,4}(?:\s?[A-Ha-h](?![\w]))?(?:,?\s*(?:lgh|lägenhet)\.?\s*\d{3,4})?(?![\d\w])",
)
# Cheap tests first: most texts have no digit at all, and few a street name.
_DIGIT = re.compile(r"\d")
# Identity and phone numbers have at least seven digits, spaces or dashes between.
_SEVEN_DIGITS = re.compile(r"\d(?:[\s\-–+]{0,3}\d){6}")
# Five digits in a run: what identity and phone numbers and postcodes all have.
_FIVE_DIGITS = re.compile(r"\d(?:[\s\-–+]{0,3}\d){4}")
# A street ending followed by a number, read backwards: a search that starts with
# a digit skips quickly over the rest of the text.
_STREET_HINT_BACKWARDS = re.compile(
    r"\d\s+(?:" + "|".join(end[::-1] for end in _STREET_END.split("|")) + ")"
)
# What every postcode with its town has ("123 45 Ort"): a quick test before the search.
_POSTCODE_HINT = re.compile(r"\d\d\d\s?\d\d\s+[A-ZÅÄÖ]")
_POSTCODE = re.compile(
    r"(?<![\w\-])(?:SE-?\s?)?[1-9]\d{2}\s?\d{2}(?![\d\-])\s+[A-ZÅÄÖ][a-zåäöé]+(?:[\s-][A-ZÅÄÖ][a-zåäöé]+)?"
)

# A word shortly before a number says what it is; the nearest such word wins.
_CONTEXT_WINDOW = 30
_PERSON_WORDS = re.compile(
    r"personnummer|personnr|pers\.?\s?nr|p-?nr|samordningsnummer|samordningsnr|född|födelsenummer",
    re.IGNORECASE,
)
_NOT_PERSON_WORDS = re.compile(
    r"order|faktura|ocr|ärendenummer|ärendenr|referens|ref\.?\s?nr|bokning|beställning"
    r"|kundnummer|artikel|serienummer|kvitto|transaktion|konto",
    re.IGNORECASE,
)

LABELS = {
    "personnummer": "[personnummer]",
    "samordningsnummer": "[samordningsnummer]",
    "phone": "[telefon]",
    "email": "[e-post]",
    "address": "[adress]",
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


def _context(text: str, start: int) -> str | None:
    """ "person", "other" or None: what the nearest label word before ``start`` says."""
    window = text[max(0, start - _CONTEXT_WINDOW) : start]
    best: tuple[int, str] | None = None
    for pattern, says in ((_PERSON_WORDS, "person"), (_NOT_PERSON_WORDS, "other")):
        for m in pattern.finditer(window):
            if best is None or m.end() > best[0]:
                best = (m.end(), says)
    return best[1] if best else None


def id_number_kind(
    century_or_year: str,
    mm: str,
    dd: str,
    sep: str,
    serial: str,
    *,
    context: str | None = None,
) -> str | None:
    """ "personnummer", "samordningsnummer" or None for the parts of a match."""
    if context == "other":
        return None
    yy = century_or_year[-2:]
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
    if not any(_date_ok(y, month, day) for y in years):
        return None
    if luhn_ok(yy + mm + dd + serial):
        return kind
    # A wrong check digit: still a person's number (mistyped), unless it is more
    # likely a phone number (0 first, nothing saying otherwise).
    shaped = len(century_or_year) == 4 or bool(sep) or context == "person"
    return kind if shaped or not yy.startswith("0") else None


def _free(spans: list[Span], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e, _ in spans)


def find_personal_data(text: str) -> tuple[Span, ...]:
    """Spans (start, end, kind) of personal data, in text order, not overlapping."""
    spans: list[Span] = []
    if "@" in text:
        for m in _EMAIL.finditer(text):
            spans.append((m.start(), m.end(), "email"))
    digit = _DIGIT.search(text)
    if digit is None:
        return tuple(spans)
    # Identity and phone numbers and postcodes start at the first digit or later.
    five = _FIVE_DIGITS.search(text, digit.start())
    seven = _SEVEN_DIGITS.search(text, five.start()) if five is not None else None
    # An identity number starts where its seven first digits do, so at the first
    # seven digits in a row or later; a phone number up to "+46 (0) " before them.
    at = len(text) if seven is None else seven.start()
    for m in _PNR.finditer(text, at) if seven is not None else ():
        kind = id_number_kind(
            m["cc"],
            m["mm"],
            m["dd"],
            m["sep"],
            m["nnn"] + m["c"],
            context=_context(text, m.start()),
        )
        if kind and _free(spans, m.start(), m.end()):
            spans.append((m.start(), m.end(), kind))
    for m in _PHONE.finditer(text, max(0, at - _PHONE_LEAD)) if seven is not None else ():
        if _DATE_LIKE.fullmatch(m.group()) or _context(text, m.start()) == "other":
            continue
        if _free(spans, m.start(), m.end()):
            spans.append((m.start(), m.end(), "phone"))
    addresses: list[Span] = []
    patterns: tuple[re.Pattern[str], ...] = (_STREET,) if _street_hint(text) else ()
    if five is not None and _POSTCODE_HINT.search(text, five.start()):
        patterns += (_POSTCODE,)
    for pattern in patterns:
        for m in pattern.finditer(text):
            if _context(text, m.start()) == "other":
                continue
            if _free(spans, m.start(), m.end()) and _free(addresses, m.start(), m.end()):
                addresses.append((m.start(), m.end(), "address"))
    spans.extend(_joined(text, sorted(addresses)))
    return tuple(sorted(spans))


def _street_hint(text: str) -> bool:
    """A street ending followed by a number ("...gatan 12"): a street may be named."""
    return _STREET_HINT_BACKWARDS.search(text[::-1]) is not None


def _joined(text: str, addresses: list[Span]) -> list[Span]:
    """A street followed by its postcode and town ("Storgatan 1, 123 45 Ort") is one address."""
    out: list[Span] = []
    for start, end, kind in addresses:
        if out and text[out[-1][1] : start].strip(" ,\n") == "":
            out[-1] = (out[-1][0], end, kind)
        else:
            out.append((start, end, kind))
    return out


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


def mask(text: str | None) -> str:
    """``text`` with every piece of personal data found replaced by its placeholder."""
    if not text:
        return text or ""
    return mask_personal_data(text, find_personal_data(text))
