"""Plain factory functions for tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from inbox.actions import intake
from inbox.actions import pages as pages_actions
from inbox.core.incoming import NewItem
from inbox.store.db import session_scope
from inbox.store.models import Page

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
