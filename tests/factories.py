"""Plain factory functions for tests."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from inbox.actions import intake
from inbox.actions import pages as pages_actions
from inbox.core.incoming import NewItem
from inbox.store.db import session_scope
from inbox.store.models import Page
from tests.paths import DEFAULT_RULES

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def make_page(engine: Engine, key: str = "fb", **kwargs: Any) -> Page:
    with session_scope(engine) as session:
        return pages_actions.add_page(
            session, key=key, name=kwargs.pop("name", key), actor="test", now=NOW, **kwargs
        )


def add_items(engine: Engine, *items: NewItem) -> list[int]:
    with session_scope(engine) as session:
        pages, _ = pages_actions.ensure_pages(
            session, {i.page for i in items}, actor="test", now=NOW
        )
        return intake.ingest_items(session, list(items), pages=pages, now=NOW).inserted_ids


def write_departments(rules_dir: Path, addresses: dict[str, dict[str, list[str]]]) -> None:
    """The shipped ``departments.toml`` in ``rules_dir``, with every department's
    addresses replaced: those in ``addresses`` (key -> emails, supervisor_emails),
    none for the others."""
    shipped = tomllib.loads((DEFAULT_RULES / "departments.toml").read_text(encoding="utf-8"))
    lines: list[str] = []
    for key, table in shipped["departments"].items():
        lines += [f"[departments.{key}]", f"name = {json.dumps(table['name'])}"]
        for field, values in addresses.get(key, {}).items():
            lines.append(f"{field} = {json.dumps(values)}")
        lines.append("")
    (rules_dir / "departments.toml").write_text("\n".join(lines), encoding="utf-8")
