"""Saved replies (svarsmallar) per department, from ``rules/saved_replies.toml``.

Read through ``inbox.core.rules.files``: an error names the file, the entry
(``replies[0]``, counted from 0) and what is wrong.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from inbox.core.rules.files import problem, raise_if_any, read_toml, validate

ANY_DEPARTMENT = "*"
ACKNOWLEDGE_KEY = "acknowledge"
DEFAULT_ACKNOWLEDGEMENT = "Hej {förnamn}! Vi har sett din fråga och återkommer så snart vi kan."
PLACEHOLDERS = ("förnamn", "namn", "sida", "handläggare")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")

FILE = "saved_replies.toml"

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class SavedReply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: Line
    department: Line
    title: Line
    text: Body


class _SavedRepliesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    replies: tuple[SavedReply, ...] = ()


def load_saved_replies(path: Path) -> tuple[SavedReply, ...]:
    """The saved replies in ``path``; none when there is no such file."""
    if not path.is_file():
        return ()
    replies = validate(_SavedRepliesFile, read_toml(path), path).replies
    problems: list[str] = []
    seen: set[str] = set()
    for i, reply in enumerate(replies):
        where = f"replies[{i}]"
        if reply.key in seen:
            problems.append(problem(path, f"{where}.key", f"key {reply.key!r} is used twice"))
        seen.add(reply.key)
        for name in _PLACEHOLDER.findall(reply.text):
            if name not in PLACEHOLDERS:
                problems.append(
                    problem(
                        path,
                        f"{where}.text",
                        f"unknown placeholder {{{name}}}; known: "
                        + ", ".join("{" + p + "}" for p in PLACEHOLDERS),
                    )
                )
    raise_if_any(problems)
    return replies


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
