"""Department and topic names from the rules files, for display.

Reads ``departments.toml`` (``[departments.KEY] name = ...``) and ``topics.toml``
(``[topics.KEY] label = ...``) itself, so the interface shows Swedish names
whatever else reads those files. A key with no entry is shown as is.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inbox.core.rules.saved_replies import SavedReply, load_saved_replies


@dataclass(frozen=True)
class Catalog:
    departments: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    saved_replies: tuple[SavedReply, ...] = ()

    def department_name(self, key: str | None) -> str:
        if not key:
            return "–"
        return self.departments.get(key, key)

    def topic_name(self, key: str | None) -> str:
        if not key:
            return "–"
        return self.topics.get(key, key)


def _table(path: Path, section: str, name_field: str) -> dict[str, str]:
    if not path.is_file():
        return {}
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = data.get(section, {})
    if not isinstance(entries, dict):
        raise ValueError(f"{path.name}: [{section}] must be a table")
    out = {}
    for key, entry in entries.items():
        name = entry.get(name_field) if isinstance(entry, dict) else None
        out[str(key)] = name if isinstance(name, str) and name else str(key)
    return out


def load_catalog(rules_dir: Path) -> Catalog:
    return Catalog(
        departments=_table(rules_dir / "departments.toml", "departments", "name"),
        topics=_table(rules_dir / "topics.toml", "topics", "label"),
        saved_replies=load_saved_replies(rules_dir / "saved_replies.toml"),
    )
