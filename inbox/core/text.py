"""Messages for people: a constant Swedish msgid and the values put into it.

Pure. A message that carries a value (a parameter someone typed, a name) is a
``Text``: the msgid is a constant the catalogues translate, the values are put
in afterwards, so the web layer can escape them. Never build a msgid from a
value; ``pybabel extract`` finds ``Text("...")`` calls (keyword ``Text``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Text"]


class Text:
    """``Text("Okänt värde för %(name)s.", name="sla")``: translated, then filled."""

    __slots__ = ("msgid", "values")

    def __init__(self, msgid: str, /, **values: object) -> None:
        self.msgid = msgid
        self.values: dict[str, str] = {k: str(v) for k, v in values.items()}

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
