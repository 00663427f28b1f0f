"""The SLA sweep over 100,000 open items, on SQLite and PostgreSQL.

    .venv/bin/python bench/sweep.py [--items N] [--pg postgresql://...] [--only sqlite|postgresql]

Prints the median of a few runs of the minute sweep (a handful of items turn at
risk), and of a sweep where every item transitions at once. Each timed run is
rolled back, so runs are alike.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from inbox.actions import intake, sla_sweep
from inbox.actions import pages as pages_actions
from inbox.core.incoming import NewItem
from inbox.core.rules.duty import load_watch_rules
from inbox.core.watch import Watch
from inbox.store.db import make_engine, migrate, session_scope
from inbox.store.models import Item

ROOT = Path(__file__).resolve().parent.parent
# A Tuesday mid-morning: office hours, so notifications are worked out too.
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def fill(engine: sa.Engine, count: int) -> None:
    # Spread over the last 20 hours, so a few items turn at risk each minute.
    items = [
        NewItem(
            page="fb",
            external_id=str(n),
            received_at=NOW - timedelta(seconds=(n * 72_000) // count),
            text=f"Fråga nummer {n}",
        )
        for n in range(count)
    ]
    with session_scope(engine) as session:
        pages, _ = pages_actions.ensure_pages(session, {"fb"}, actor="bench", now=NOW)
        intake.ingest_items(session, items, pages=pages, now=NOW - timedelta(hours=21))
        session.execute(sa.update(Item.__table__).values(urgency="none"))  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))


def timed(engine: sa.Engine, watch: Watch, now: datetime) -> tuple[float, int]:
    with Session(engine) as session:
        t0 = time.perf_counter()
        result = sla_sweep.sla_sweep(session, now=now, watch=watch)
        elapsed = time.perf_counter() - t0
        session.rollback()
    return elapsed, result.at_risk + result.breached


def bench(kind: str, engine: sa.Engine, count: int) -> None:
    watch = Watch(
        rules=load_watch_rules(ROOT / "inbox" / "default_rules"),
        base_url="http://localhost",
        secret_key="bench",
    )
    t0 = time.perf_counter()
    fill(engine, count)
    print(f"\n== {kind}: {count:,} open items (filled in {time.perf_counter() - t0:.1f} s) ==")
    # Bring the states up to date first, as the minute job keeps them.
    with session_scope(engine) as session:
        sla_sweep.sla_sweep(session, now=NOW, watch=watch)
    runs = [timed(engine, watch, NOW + timedelta(minutes=1)) for _ in range(5)]
    print(
        f"minute sweep: median {statistics.median(r[0] for r in runs) * 1000:.0f} ms "
        f"({runs[0][1]} transitions)"
    )
    runs = [timed(engine, watch, NOW + timedelta(days=30)) for _ in range(3)]
    print(
        f"all at once:  median {statistics.median(r[0] for r in runs) * 1000:.0f} ms "
        f"({runs[0][1]:,} transitions)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    args = parser.parse_args()
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.db")
            migrate(engine)
            bench("sqlite", engine, args.items)
            engine.dispose()
    if args.only in (None, "postgresql"):
        url = args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        name = f"inbox_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            engine = make_engine(sa.make_url(url).set(database=name).render_as_string(False))
            migrate(engine)
            bench("postgresql", engine, args.items)
            engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
