"""The demo: many distinct texts, open threats and insults, figures that vary, reproducible."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import inbox
from inbox.actions.demo import DAYS, PRACTICE, demo_texts, load_demo
from inbox.core.calendar import local_date, swedish_holidays
from inbox.core.rules.tagging import Rules, load_rules
from inbox.store.db import make_engine
from inbox.store.models import Item
from inbox.store.queries import export_rows
from inbox.store.report import build_breakdowns
from tests.conftest import PG_URL

# A Wednesday morning; the demo is built relative to it.
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(Path(inbox.__file__).parent / "default_rules")


def _fresh_url(request: pytest.FixtureRequest, path: Path) -> str:
    """A migrated, empty database of this pass (PostgreSQL or SQLite)."""
    if PG_URL:
        url: str = request.getfixturevalue("_pg_database")
        engine = make_engine(url)
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return url
    shutil.copy(request.getfixturevalue("_sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, rules: Rules
) -> Iterator[Engine]:
    """One demo build shared by the tests of this module (a build takes seconds)."""
    url = _fresh_url(request, tmp_path_factory.mktemp("demo") / "demo.db")
    engine = make_engine(url)
    summary = load_demo(engine, now=NOW, rules=rules)
    assert "demo data loaded" in summary
    yield engine
    engine.dispose()


def _items(engine: Engine) -> list[Item]:
    with Session(engine) as session:
        return list(session.exec(select(Item).order_by(Item.external_id)))


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _fingerprint(item: Item) -> tuple[Any, ...]:
    return (
        item.external_id,
        item.page_id,
        item.kind,
        item.author,
        item.text,
        _utc(item.received_at),
        _utc(item.first_response_at),
        item.resolution,
        item.parent_id,
        item.conversation_id,
        item.flags,
    )


def test_the_data_file_holds_at_least_300_distinct_texts() -> None:
    texts = demo_texts()
    assert len(texts.item_texts()) >= 300
    # Every page of the demo has its own questions and its own comments needing none.
    assert all(len(pool) >= 4 for pool in texts.reply.values())
    assert all(len(pool) >= 4 for pool in texts.no_reply.values())


def test_the_demo_has_at_least_300_distinct_texts(demo: Engine) -> None:
    items = _items(demo)
    assert len(items) == 3000 + 5 + len(PRACTICE)
    distinct = {item.text for item in items}
    assert len(distinct) >= 300
    assert distinct <= demo_texts().item_texts() | {
        # The showcase's texts are the round-the-clock page's own.
        item.text
        for item in items
        if item.external_id.startswith("demo-showcase-")
    }
    # Some English and some emoji among them, and a personal identity number.
    languages = Counter(item.language for item in items)
    assert languages["en"] >= 20
    assert any("❤️" in text for text in distinct)
    assert any("19440217-1258" in text for text in distinct)


def test_open_threats_and_insults_tagged_by_the_classifier(demo: Engine) -> None:
    open_items = [item for item in _items(demo) if item.status == "open"]
    threats = [i for i in open_items if " threat " in i.flags]
    insults = [i for i in open_items if " offensive " in i.flags and " threat " not in i.flags]
    assert threats
    assert insults
    assert {i.text for i in threats} <= set(demo_texts().threat)
    assert {i.text for i in insults} <= set(demo_texts().offensive)
    # Those of the past were removed, so the history has removals too.
    removed = [i for i in _items(demo) if i.resolution == "removed"]
    assert len(removed) > 20


def test_weekly_response_rates_and_medians_vary(demo: Engine) -> None:
    today = local_date(NOW)
    this_monday = today - timedelta(days=today.weekday())
    first = today - timedelta(days=DAYS - 1)
    # The complete weeks of the demo.
    start = first + timedelta(days=(7 - first.weekday()) % 7)
    with demo.connect() as conn:
        weeks = build_breakdowns(conn, start=start, end=this_monday, as_of=NOW).weeks
    assert len(weeks) >= 11
    rates = [m.response_rate for _monday, m in weeks]
    assert all(rate is not None for rate in rates)
    numbers = [rate for rate in rates if rate is not None]
    assert min(numbers) < 0.95
    assert min(numbers) > 0.7
    assert max(numbers) < 1.0
    assert len({round(rate, 3) for rate in numbers}) >= len(numbers) - 2
    medians = {m.median_response_minutes for _monday, m in weeks}
    assert len(medians) >= len(weeks) - 2
    assert sum(m.breached for _monday, m in weeks) > 0


def test_weekends_and_holidays_are_quieter(demo: Engine) -> None:
    per_day = Counter(local_date(_utc(i.received_at) or NOW) for i in _items(demo))
    today = local_date(NOW)
    days = [today - timedelta(days=back) for back in range(1, DAYS)]
    holidays = {d for d in days if d in swedish_holidays(d.year)}
    weekdays = [per_day[d] for d in days if d.weekday() < 5 and d not in holidays]
    weekends = [per_day[d] for d in days if d.weekday() >= 5 or d in holidays]
    assert sum(weekends) / len(weekends) < 0.7 * sum(weekdays) / len(weekdays)


def test_threads_comments_with_replies_and_conversations(demo: Engine) -> None:
    items = _items(demo)
    externals = {i.external_id: i for i in items}
    replies = [i for i in items if i.kind == "reply"]
    assert replies
    # A reply answers a comment of the same page under the same post, by someone else.
    reply = replies[0]
    parent = externals[reply.parent_id or ""]
    assert parent.kind == "comment"
    assert parent.post_id == reply.post_id
    conversations = Counter(
        i.conversation_id for i in items if i.kind == "private_message" and i.conversation_id
    )
    assert max(conversations.values()) >= 3


def test_the_demo_is_reproducible(
    demo: Engine, rules: Rules, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # A second build at the same moment, on another database, gives the same items.
    other = make_engine(f"sqlite:///{tmp_path / 'again.db'}")
    shutil.copy(request.getfixturevalue("_sqlite_template"), tmp_path / "again.db")
    load_demo(other, now=NOW, rules=rules)
    first, second = _items(demo), _items(other)
    other.dispose()
    assert [_fingerprint(i) for i in first] == [_fingerprint(i) for i in second]


def test_the_demo_moves_with_now(
    demo: Engine, rules: Rules, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # Built a week later, the same demo is a week later: it always looks current.
    later_now = NOW + timedelta(days=7)
    shutil.copy(request.getfixturevalue("_sqlite_template"), tmp_path / "later.db")
    later = make_engine(f"sqlite:///{tmp_path / 'later.db'}")
    load_demo(later, now=later_now, rules=rules)
    newest = max(_utc(i.received_at) or NOW for i in _items(later))
    oldest = min(_utc(i.received_at) or NOW for i in _items(later))
    later.dispose()
    assert later_now - timedelta(hours=1) < newest < later_now
    assert later_now - timedelta(days=DAYS + 1) < oldest


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 28, 22, 0, tzinfo=UTC),  # a Saturday night
        datetime(2026, 11, 30, 6, 15, tzinfo=UTC),  # a Monday before office hours
        datetime(2026, 12, 4, 16, 45, tzinfo=UTC),  # a Friday after office hours
        datetime(2026, 12, 24, 11, 0, tzinfo=UTC),  # Christmas Eve
        datetime(2027, 6, 25, 12, 0, tzinfo=UTC),  # Midsummer Eve
        datetime(2027, 1, 1, 0, 10, tzinfo=UTC),  # New Year's Day, just after midnight
        datetime(2027, 3, 28, 1, 30, tzinfo=UTC),  # the night the clocks go forward
        datetime(2027, 10, 31, 1, 30, tzinfo=UTC),  # the night the clocks go back
    ],
)
def test_every_sla_state_is_open_whenever_the_demo_is_loaded(
    moment: datetime, rules: Rules, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # The demo is loaded at any hour of any day; the queue must still show each state.
    shutil.copy(request.getfixturevalue("_sqlite_template"), tmp_path / "moment.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'moment.db'}")
    load_demo(engine, now=moment, rules=rules, count=300)
    with engine.connect() as conn:
        rows = list(export_rows(conn, now=moment))
    engine.dispose()
    open_states = {r["sla_state"] for r in rows if r["status"] == "open"}
    assert {"ok", "at_risk", "breached", "met", "late"} <= open_states
