"""Saved replies (svarsmallar) per department, from ``rules/saved_replies.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ANY_DEPARTMENT = "*"
ACKNOWLEDGE_KEY = "acknowledge"
DEFAULT_ACKNOWLEDGEMENT = "Hej {förnamn}! Vi har sett din fråga och återkommer så snart vi kan."
PLACEHOLDERS = ("förnamn", "namn", "sida", "handläggare")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class SavedReplyError(ValueError):
    """A saved-replies file that cannot be used; the message names file and entry."""


@dataclass(frozen=True)
class SavedReply:
    key: str
    department: str
    title: str
    text: str


def load_saved_replies(path: Path) -> tuple[SavedReply, ...]:
    if not path.is_file():
        return ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SavedReplyError(f"{path.name}: {exc}") from None
    entries = data.get("replies", [])
    if not isinstance(entries, list):
        raise SavedReplyError(f"{path.name}: 'replies' must be an array of tables")
    out: list[SavedReply] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        where = f"{path.name}: replies[{n}]"
        if not isinstance(entry, dict):
            raise SavedReplyError(f"{where}: must be a table")
        fields = {}
        for name in ("key", "department", "title", "text"):
            value = entry.get(name)
            if not isinstance(value, str) or not value.strip():
                raise SavedReplyError(f"{where}: '{name}' must be a non-empty string")
            fields[name] = value.strip()
        if fields["key"] in seen:
            raise SavedReplyError(f"{where}: key {fields['key']!r} is used twice")
        seen.add(fields["key"])
        for name in _PLACEHOLDER.findall(fields["text"]):
            if name not in PLACEHOLDERS:
                raise SavedReplyError(
                    f"{where}: unknown placeholder {{{name}}}; known: "
                    + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                )
        out.append(SavedReply(**fields))
    return tuple(out)


def for_department(replies: tuple[SavedReply, ...], department: str | None) -> list[SavedReply]:
    return [r for r in replies if r.department in (ANY_DEPARTMENT, department)]


def acknowledgement_text(replies: tuple[SavedReply, ...]) -> str:
    for r in replies:
        if r.key == ACKNOWLEDGE_KEY:
            return r.text
    return DEFAULT_ACKNOWLEDGEMENT


def fill(text: str, *, author: str, page: str, agent: str) -> str:
    """Replace the placeholders; an unknown author's first name is left out cleanly."""
    first = author.split()[0] if author.split() else ""
    values = {"förnamn": first, "namn": author, "sida": page, "handläggare": agent}
    filled = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    # "Hej {förnamn}!" with no name reads "Hej!", not "Hej !".
    return re.sub(r" +([!,.?])", r"\1", filled)
