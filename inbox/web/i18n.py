"""Interface language: gettext catalogues (msgids in Swedish), chosen per request.

Swedish is the source language, so the Swedish catalogue is nearly empty and
English is the translation. The language of the request being rendered lives in
a context variable, which the Jinja2 ``_``/``gettext`` callables read.
"""

from __future__ import annotations

import gettext
from contextvars import ContextVar
from pathlib import Path

from inbox.core.text import Text, from_stored
from inbox.web.runtime_texts import RUNTIME_MESSAGES

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_current: ContextVar[str] = ContextVar("inbox_language", default=DEFAULT_LANGUAGE)
_catalogues: dict[str, gettext.NullTranslations] = {}


def catalogue(lang: str) -> gettext.NullTranslations:
    found = _catalogues.get(lang)
    if found is None:
        found = gettext.translation(
            "messages", localedir=str(LOCALE_DIR), languages=[lang], fallback=True
        )
        _catalogues[lang] = found
    return found


def set_language(lang: str) -> None:
    _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    return _current.get()


def gettext_(message: str) -> str:
    return catalogue(_current.get()).gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    return catalogue(_current.get()).ngettext(singular, plural, n)


_CONSTANTS = frozenset(RUNTIME_MESSAGES)


def translate(value: Text | str | None) -> str:
    """What a person reads, as plain text (templates escape it; never mark it safe).

    A ``Text`` is translated and then filled with its values. A plain string is
    translated only when it is one of the interface's own constant messages;
    anything else (a parameter, a name, a stored text) is shown as it is. A
    message a column keeps (``inbox.core.text.stored``) is a ``Text`` again.
    """
    if value is None:
        return ""
    value = from_stored(value) if isinstance(value, str) else value
    if value is None:
        return ""
    if isinstance(value, Text):
        return value.fill(gettext_(value.msgid))
    if value in _CONSTANTS:
        return gettext_(value)
    return value
