"""Swedish (and English) presentation of numbers, spans and instants."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent

from inbox.core.calendar import STOCKHOLM

LOCALES = {"sv": "sv_SE", "en": "en_GB"}


def locale_of(lang: str) -> str:
    return LOCALES.get(lang, "sv_SE")


def percent(value: float | None, lang: str = "sv") -> str:
    if value is None:
        return "–"
    return format_percent(value, "#,##0.0 %", locale=locale_of(lang))


def number(value: float | int | None, lang: str = "sv") -> str:
    if value is None:
        return "–"
    return format_decimal(value, "#,##0.#", locale=locale_of(lang))


def duration(minutes: float | None) -> str:
    """Minutes as "2 h 15 min", "3 d 4 h" or "45 min" (units read the same in both languages)."""
    if minutes is None:
        return "–"
    total = round(minutes)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def local_datetime(
    value: datetime | None, lang: str = "sv", pattern: str = "EEE d MMM HH:mm"
) -> str:
    """An instant in Europe/Stockholm, e.g. "mån 23 nov. 17:00"."""
    if value is None:
        return "–"
    return format_datetime(value, pattern, tzinfo=STOCKHOLM, locale=locale_of(lang))


# The one sentence every report states its window in: the table of `inbox report`,
# its JSON ("window") and CSV, the dashboard and its downloads, the weekly e-mail.
# ``[from, to)`` as the spec has it, said as people say it: both days included.
WINDOW_WORDS = "Inkomna från och med %(first)s till och med %(last)s, per %(as_of)s"
AS_OF_PATTERN = "d MMM y HH:mm"


def window_values(start: date, end: date, as_of: datetime, lang: str = "sv") -> dict[str, str]:
    """The values of :data:`WINDOW_WORDS` for the half-open window ``[start, end)``."""
    return {
        "first": start.isoformat(),
        "last": (end - timedelta(days=1)).isoformat(),
        "as_of": local_datetime(as_of, lang, pattern=AS_OF_PATTERN),
    }


def window_words(start: date, end: date, as_of: datetime) -> str:
    """E.g. "Inkomna från och med 2026-11-01 till och med 2026-11-30, per 1 dec. 2026 14:05"."""
    return WINDOW_WORDS % window_values(start, end, as_of)
