"""Messages for people: a constant Swedish msgid and the values put into it.

Pure. A message that carries a value (a parameter someone typed, a name) is a
``Text``: the msgid is a constant the catalogues translate, the values are put
in afterwards, so the web layer can escape them. Never build a msgid from a
value; ``pybabel extract`` finds ``Text("...")`` calls (keyword ``Text``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["Text", "from_stored", "stored", "swedish"]

_STORED_PREFIX = '{"msgid":'


class Text:
    """``Text("Okänt värde för %(name)s.", name="sla")``: translated, then filled."""

    __slots__ = ("msgid", "values")

    def __init__(self, msgid: str, /, **values: object) -> None:
        self.msgid = msgid
        self.values: dict[str, str] = {k: str(v) for k, v in values.items()}

    def with_values(self, **values: object) -> Text:
        """The same message with these values (a table's message, filled at use)."""
        found = Text.__new__(Text)
        found.msgid = self.msgid
        found.values = {k: str(v) for k, v in values.items()}
        return found

    def fill(self, template: str) -> str:
        """``template`` (the msgid or its translation) with the values put in."""
        return template % self.values if self.values else template

    def __str__(self) -> str:
        return self.fill(self.msgid)

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, **{self.values!r})"

    def to_json(self) -> dict[str, Any]:
        """For a signed session cookie (a flash message survives the redirect)."""
        return {"msgid": self.msgid, "values": dict(self.values)}

    @classmethod
    def from_json(cls, data: object) -> Text | None:
        if not isinstance(data, Mapping):
            return None
        msgid, values = data.get("msgid"), data.get("values", {})
        if not isinstance(msgid, str) or not isinstance(values, Mapping):
            return None
        return cls(msgid, **{str(k): v for k, v in values.items()})


def stored(value: Text | str | None) -> str | None:
    """A message as a database column keeps it: a ``Text`` as its JSON, so that it
    is translated when it is shown; a plain string as it is."""
    if isinstance(value, Text):
        return json.dumps(value.to_json(), ensure_ascii=False)
    return value


def from_stored(value: str | None) -> Text | str | None:
    """What ``stored`` kept: the ``Text`` again, or the plain string (older rows)."""
    if value is None or not value.startswith(_STORED_PREFIX):
        return value
    try:
        found = Text.from_json(json.loads(value))
    except ValueError:
        return value
    return found if found is not None else value


def swedish(value: Text | str | None) -> str:
    """A message in the source language, for logs, e-mail subjects and the API."""
    found = from_stored(value) if isinstance(value, str) else value
    return "" if found is None else str(found)
