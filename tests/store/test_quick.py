"""Quick reads through the driver alone give what the models give, or step aside."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from inbox.actions import pages as pages_actions
from inbox.cli.main import main
from inbox.store import quick
from inbox.store.db import alembic_config, session_scope
from tests.factories import NOW


def _add(engine: Engine, key: str, name: str, **extra: object) -> None:
    with session_scope(engine) as session:
        pages_actions.add_page(session, key=key, name=name, actor="test", now=NOW, **extra)


def test_the_newest_revision_is_alembics_head(engine: Engine) -> None:
    assert (
        quick.newest_revision()
        == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    )


def test_pages_read_quickly_are_the_pages_the_models_read(
    engine: Engine, database_url: str
) -> None:
    _add(engine, "b-sida", "Bårarp", channel="instagram", target_hours=8.0)
    _add(engine, "a-sida", "Åby kommun", calendar="24x7")
    assert quick.pages(database_url) == [
        quick.PageRow("a-sida", "Åby kommun", "facebook", "24x7", 24.0, "all", None, False),
        quick.PageRow("b-sida", "Bårarp", "instagram", "office", 8.0, "all", None, False),
    ]


def test_an_older_schema_is_stale(engine: Engine, database_url: str) -> None:
    newest = quick.newest_revision()
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        with pytest.raises(quick.Stale):
            quick.pages(database_url)
    finally:  # the PostgreSQL pass shares one schema between tests
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": newest})


def test_a_missing_database_is_stale(tmp_path: Path) -> None:
    with pytest.raises(quick.Stale):
        quick.pages(f"sqlite:///{tmp_path / 'none.db'}")
    assert not (tmp_path / "none.db").exists()  # read only: nothing was created


@pytest.mark.parametrize("stale", [False, True])
def test_pages_list_prints_the_same_either_way(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, stale: bool
) -> None:
    _add(engine, "kommunen", "Kommunen på Facebook", target_hours=12.5)
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
    if stale:
        monkeypatch.setattr(quick, "pages", lambda url=None: (_ for _ in ()).throw(quick.Stale()))
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["pages", "list"]) == 0
    assert out.getvalue() == (
        "kommunen  facebook   office  12,5 h  inte kopplad       Kommunen på Facebook\n"
    )
