"""CSV import: the same rows whether parsed here or in a second process, nothing lost
or doubled, and on PostgreSQL the same outcome on the fast and the careful path."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from inbox.actions.intake import _INGEST_COLUMNS
from inbox.actions.pages import policy_of
from inbox.channels.csv import importer as csv_import
from inbox.channels.csv.importer import import_csv
from inbox.core.calendar import DEFAULT_CALENDAR
from inbox.core.sla import due_at
from inbox.store import db
from inbox.store.db import session_scope
from inbox.store.models import Item, Page
from tests.factories import make_page

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HEADER = ["page", "external_id", "received_at", "text", "first_response_at", "resolution"]
# Everything COPY's text format must escape, and what it must leave alone.
AWKWARD = [
    "tab\there",
    "back\\slash and \\N and \\t",
    "line\nbreak and\r\nCRLF",
    'quote " and comma, semicolon;',
    "emoji 🚌❤️ and åäö",
    "",
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def sample_rows(count: int, *, pages: int = 7, start: int = 0) -> list[list[str]]:
    rows = []
    base = NOW - timedelta(days=60)
    for n in range(start, start + count):
        received = base + timedelta(minutes=37 * n)
        first = ""
        resolution = ""
        if n % 3 == 0:
            first = (received + timedelta(minutes=5 + n % 500, microseconds=n)).isoformat()
        elif n % 7 == 0:
            resolution = "spam"
        rows.append(
            [
                f"page{n % pages}",
                f"id-{n}",
                received.isoformat(),
                AWKWARD[n % len(AWKWARD)] + f" #{n}",
                first,
                resolution,
            ]
        )
    return rows


def stored(engine: Engine) -> list[tuple[Any, ...]]:
    """Every imported column of every item, with the page key instead of its id."""
    item = Item.__table__  # type: ignore[attr-defined]
    page = Page.__table__  # type: ignore[attr-defined]
    columns = [item.c[name] for name in _INGEST_COLUMNS if name not in ("page_id", "ingested_at")]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(page.c.key, *columns)
            .join(page, page.c.id == item.c.page_id)
            .order_by(page.c.key, item.c.external_id)
        ).all()
    return [tuple(r) for r in rows]


@pytest.fixture(params=[False, True], ids=["here", "second-process"])
def processes(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def test_every_value_arrives_intact(
    engine: Engine, tmp_path: Path, processes: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_import, "BATCH", 40)  # several batches, pages new in later ones
    rows = sample_rows(300)
    rows.append(["page1", "bad", "2026-11-17T11:00:00", "naive", "", ""])
    rows.append(["page5", "id-5", NOW.isoformat(), "the same key again", "", ""])
    path = write_csv(tmp_path / "in.csv", rows)
    summary = import_csv(engine, path, actor="test", now=NOW, processes=processes)
    assert summary.rows == 302
    assert (summary.inserted, summary.skipped) == (300, 1)
    # Line numbers count the line breaks inside quoted texts (two in one text of six).
    line = 1 + 300 + 2 * 300 // len(AWKWARD) + 1
    assert summary.errors == [
        (line, "received_at: timestamp has no offset or Z: '2026-11-17T11:00:00'")
    ]
    assert sorted(summary.created_pages) == [f"page{n}" for n in range(7)]
    items = {(r[0], r[1]): r for r in stored(engine)}
    assert len(items) == 300
    names = [n for n in _INGEST_COLUMNS if n not in ("page_id", "ingested_at")]
    for row in rows[:300]:
        got = dict(zip(["page", *names], items[(row[0], row[1])], strict=True))
        assert got["text"] == row[3]
        assert got["received_at"] == datetime.fromisoformat(row[2])
        if row[4]:
            first = datetime.fromisoformat(row[4])
            assert got["first_response_at"] == first
            assert got["response_minutes"] == (first - got["received_at"]).total_seconds() / 60
            assert got["status"] == "closed"
        else:
            assert got["first_response_at"] is None
        assert got["resolution"] == (row[5] or None)


def test_both_ways_store_the_same(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_import, "BATCH", 64)
    path = write_csv(tmp_path / "in.csv", sample_rows(500))
    results = []
    for processes in (False, True):
        engine = db.make_engine(database_url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.delete(Item.__table__))  # type: ignore[attr-defined]
            import_csv(engine, path, actor="test", now=NOW, processes=processes)
            results.append(stored(engine))
        finally:
            engine.dispose()
    assert len(results[0]) == 500
    assert results[0] == results[1]


def test_importing_again_or_overlapping_adds_only_the_new(
    engine: Engine, tmp_path: Path, processes: bool
) -> None:
    first = write_csv(tmp_path / "a.csv", sample_rows(120))
    assert import_csv(engine, first, actor="test", now=NOW, processes=processes).inserted == 120
    again = import_csv(engine, first, actor="test", now=NOW, processes=processes)
    assert (again.inserted, again.skipped, again.created_pages) == (0, 120, [])
    overlap = write_csv(tmp_path / "b.csv", sample_rows(100, start=80))
    more = import_csv(engine, overlap, actor="test", now=NOW, processes=processes)
    assert (more.inserted, more.skipped) == (60, 40)
    assert len(stored(engine)) == 180


def test_a_batch_stored_meanwhile_by_someone_else_is_not_doubled(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "a.csv", sample_rows(50))
    import_csv(engine, path, actor="test", now=NOW, processes=False)
    # As if another import stored these keys between the check and the copy.
    monkeypatch.setattr(db, "_any_stored", lambda *args: False)
    both = write_csv(tmp_path / "b.csv", sample_rows(80))
    summary = import_csv(engine, both, actor="test", now=NOW, processes=False)
    assert (summary.inserted, summary.skipped) == (30, 50)
    assert len(stored(engine)) == 80


def test_existing_pages_keep_their_sla_settings(
    engine: Engine, tmp_path: Path, processes: bool
) -> None:
    page = make_page(engine, "page0", calendar="24x7", target_hours=8, channel="instagram")
    path = write_csv(tmp_path / "in.csv", sample_rows(30, pages=2))
    summary = import_csv(engine, path, actor="test", now=NOW, processes=processes)
    assert summary.created_pages == ["page1"]
    with session_scope(engine) as session:
        items = session.exec(select(Item).where(Item.page_id == page.id)).all()
        assert items
        for item in items:
            assert item.channel == "instagram"
            assert item.due_at == due_at(item.received_at, policy_of(page), DEFAULT_CALENDAR)
            assert item.due_at - item.received_at == timedelta(hours=8)


def test_bulk_writes_checkpoint_less_often_only_meanwhile(engine: Engine) -> None:
    def pages() -> int | None:
        if engine.dialect.name != "sqlite":
            return None
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())

    before = pages()
    with db.bulk_writes(engine):
        during = pages()
    assert pages() == before
    if engine.dialect.name == "sqlite":
        assert (before, during) == (db.WAL_CHECKPOINT_PAGES, db.BULK_WAL_CHECKPOINT_PAGES)


def test_copy_text_escapes_and_formats_by_type() -> None:
    from enum import StrEnum

    class Kind(StrEnum):
        ODD = "a\tb"

    first = datetime(2026, 1, 1, tzinfo=UTC)
    lines = db._copy_tails(
        [
            [Kind.ODD, True, 1, 0.1, None, first, {"k": "v\n"}],
            ["x\\y\r\n", False, 2, 2.5, "z", first + timedelta(microseconds=1), None],
        ],
        json_at={6},
    )
    assert lines == [
        '\ta\\tb\tt\t1\t0.1\t\\N\t2026-01-01T00:00:00+00:00\t{"k": "v\\\\n"}\n',
        "\tx\\\\y\\r\\n\tf\t2\t2.5\tz\t2026-01-01T00:00:00.000001+00:00\t\\N\n",
    ]


TAGGED_TEXTS = [
    "Varför svarar ingen på vårdcentralen? Har ringt sedan 8 i morse.",
    "Bussen 4 kom inte alls i morse, tredje gången den här veckan!",
    "Tack för en fantastisk tandläkare, inga hål i år 😁",
    "Mitt personnummer är 19850101-1236, kan ni kolla min remiss?",
    "Ni är idioter allihop på regionen",
    "Hej! När öppnar vårdcentralen efter helgen?",
]


def test_with_rules_every_item_is_stored_tagged_and_routed(
    engine: Engine, tmp_path: Path, processes: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inbox.actions.tagging import tag_untagged
    from inbox.core.rules.tagging import load_rules
    from inbox.core.tagging import tag_values
    from tests.paths import DEFAULT_RULES

    monkeypatch.setattr(csv_import, "BATCH", 25)
    rules = load_rules(DEFAULT_RULES)
    keys = ["region_facebook", "folktandvarden_facebook", "lanstrafiken_facebook"]
    rows = [
        [
            keys[n % len(keys)],
            f"t-{n}",
            (NOW - timedelta(hours=n)).isoformat(),
            TAGGED_TEXTS[n % len(TAGGED_TEXTS)] + f" ({n})",
            "",
            "spam" if n % 11 == 0 else "",
        ]
        for n in range(120)
    ]
    rows.insert(50, ["region_facebook", "bad", "2026-11-17T11:00:00", "naive", "", ""])
    path = write_csv(tmp_path / "in.csv", rows)
    summary = import_csv(engine, path, actor="test", now=NOW, processes=processes, rules=rules)
    assert summary.inserted == 120
    assert summary.errors == [
        (52, "received_at: timestamp has no offset or Z: '2026-11-17T11:00:00'")
    ]
    again = import_csv(engine, path, actor="test", now=NOW, processes=processes, rules=rules)
    assert (again.inserted, again.skipped, len(again.errors)) == (0, 120, 1)
    rows.pop(50)
    with session_scope(engine) as session:
        items = {i.external_id: i for i in session.exec(select(Item))}
        assert tag_untagged(session, rules=rules) == 0  # no second pass left to do
    assert len(items) == 120
    for row in rows:
        item = items[row[1]]
        expected = tag_values(
            row[3],
            rules,
            page=row[0],
            channel="facebook",
            kind="comment",
            received_at=datetime.fromisoformat(row[2]),
            resolution=row[5] or None,
        )
        got = {name: getattr(item, name) for name in expected}
        assert got == expected
    departments = {i.department for i in items.values()}
    assert len(departments) > 1  # routed, not all to one place
    assert any("personal_data" in i.flags for i in items.values())
    assert not any(i.needs_reply for i in items.values() if i.resolution == "spam")


def test_without_rules_items_wait_untagged(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", sample_rows(20))
    import_csv(engine, path, actor="test", now=NOW, processes=False)
    with session_scope(engine) as session:
        assert all(i.classification is None for i in session.exec(select(Item)))


def test_a_worker_collects_garbage_seldom_and_never_scans_what_it_inherited() -> None:
    # In a process of its own: the settings are the whole process's.
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        before, after = pool.apply(_worker_gc_settings)
    assert before[0] == 700  # Python's default, until the worker starts
    threshold, frozen = after
    assert threshold[0] == csv_import.GC_THRESHOLD
    assert frozen > 0


def _worker_gc_settings() -> tuple[tuple[int, ...], tuple[tuple[int, ...], int]]:
    import gc

    before = gc.get_threshold()
    csv_import._worker_rules(None)
    return before, (gc.get_threshold(), gc.get_freeze_count())


def test_an_import_collects_garbage_seldom_and_restores_the_settings_after(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    seen: list[tuple[tuple[int, ...], int]] = []
    store = csv_import.intake.store_new_item_rows

    def storing(*args: Any) -> int:
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        return store(*args)

    monkeypatch.setattr(csv_import.intake, "store_new_item_rows", storing)
    before, frozen_before = gc.get_threshold(), gc.get_freeze_count()
    path = write_csv(tmp_path / "a.csv", [["fb", "1", "2026-11-20T10:00:00Z", "Hej", "", ""]])
    summary = import_csv(engine, path, actor="test", now=NOW, processes=False)
    assert summary.inserted == 1
    assert len(seen) == 1
    threshold, frozen = seen[0]
    assert threshold[0] == csv_import.GC_THRESHOLD
    assert frozen > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen_before


def test_overlapping_imports_restore_the_settings_when_the_last_one_ends() -> None:
    import gc

    before, frozen_before = gc.get_threshold(), gc.get_freeze_count()
    first, second = csv_import._seldom_collected(), csv_import._seldom_collected()
    first.__enter__()
    second.__enter__()
    assert gc.get_threshold()[0] == csv_import.GC_THRESHOLD
    first.__exit__(None, None, None)  # the first ends while the second still runs
    assert gc.get_threshold()[0] == csv_import.GC_THRESHOLD
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen_before
