"""The scheduler's retention job: what is due is erased, and the person index catches up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select


def test_the_retention_job_erases_what_is_due_and_indexes_new_texts(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    from inbox.core.incoming import NewItem
    from inbox.scheduler import retention_once
    from inbox.settings import Settings
    from inbox.store.models import Item, PersonToken
    from tests.factories import NOW, add_items
    from tests.web_support import write_rules

    rules = write_rules(tmp_path / "rules")
    (rules / "retention.toml").write_text("[default]\nkeep_closed_days = 30\n", encoding="utf-8")
    settings = Settings(database_url=database_url, rules_dir=rules)
    add_items(
        engine,
        NewItem(
            page="fb",
            external_id="1",
            received_at=NOW,
            text="Hej",
            author="Greta Lund",
            resolution="spam",
        ),
        NewItem(page="fb", external_id="2", received_at=NOW, text="Fråga", author="Olle Berg"),
    )
    early = retention_once(engine, now=datetime(2026, 12, 1, tzinfo=UTC), settings=settings)
    late = retention_once(engine, now=datetime(2027, 1, 1, tzinfo=UTC), settings=settings)
    assert (early.erased.items, late.erased.items) == (0, 1)
    with Session(engine) as session:
        items = {i.external_id: i for i in session.exec(select(Item)).all()}
        tokens = set(session.exec(select(PersonToken.token)).all())
    assert items["1"].erased_at is not None
    assert items["2"].erased_at is None  # still open
    assert "n:olle berg" in tokens
    assert "n:greta lund" not in tokens
