"""How long what people type may be: one table for the forms, the server and the API.

Pure. Every form field with a limit shows a counter (``data-limit`` in the
templates, ``static/app.js``), the browser stops an over-long text before it
is sent, and the server refuses it with the field's own message, keeping what
was typed. The numbers live here only, so the three never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from inbox.core.text import Text

__all__ = [
    "DEPARTMENT_NOTE",
    "EMAIL",
    "LIMITS",
    "NAME",
    "NOTE",
    "PASSWORD",
    "REASON",
    "REPLY",
    "RULES_TEST",
    "SEARCH",
    "Limit",
    "grouped",
]


@dataclass(frozen=True)
class Limit:
    """At most ``most`` characters; ``message`` (a ``Text`` with ``%(n)s`` and
    ``%(count)s``) says so in the words of the field."""

    most: int
    message: Text

    def problem(self, value: str) -> Text | None:
        """The message when ``value`` is too long, else None."""
        # A browser sends a textarea's line breaks as CR LF and counts them as one.
        count = len(value.replace("\r\n", "\n"))
        if count <= self.most:
            return None
        return self.message.with_values(n=grouped(self.most), count=grouped(count))


def grouped(n: int) -> str:
    """8000 as "8 000" (a no-break space between the thousands, as Swedish writes it)."""
    return f"{n:,}".replace(",", "\u00a0")


REPLY = Limit(8000, Text("Svaret är för långt: %(count)s tecken, högst %(n)s."))
NOTE = Limit(4000, Text("Anteckningen är för lång: %(count)s tecken, högst %(n)s."))
DEPARTMENT_NOTE = Limit(
    4000, Text("Anteckningen till mottagaren är för lång: %(count)s tecken, högst %(n)s.")
)
REASON = Limit(500, Text("Förklaringen är för lång: %(count)s tecken, högst %(n)s."))
SEARCH = Limit(200, Text("Sökordet är för långt: %(count)s tecken, högst %(n)s."))
NAME = Limit(200, Text("Namnet är för långt: %(count)s tecken, högst %(n)s."))
EMAIL = Limit(254, Text("E-postadressen är för lång: %(count)s tecken, högst %(n)s."))
PASSWORD = Limit(1024, Text("Lösenordet är för långt: %(count)s tecken, högst %(n)s."))
RULES_TEST = Limit(10_000, Text("Texten är för lång: %(count)s tecken, högst %(n)s."))

# By the name the limit goes by in the templates (``limits.reply.most``).
LIMITS = {
    "reply": REPLY,
    "note": NOTE,
    "department_note": DEPARTMENT_NOTE,
    "reason": REASON,
    "search": SEARCH,
    "name": NAME,
    "email": EMAIL,
    "password": PASSWORD,
    "rules_test": RULES_TEST,
}
