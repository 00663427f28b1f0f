"""Benchmark: retention over 1,000,000 items with 100,000 due, and `inbox person find`.

Builds 1,000,000 items over 50 pages (a tenth of them closed long enough ago
to be due under a 90-day rule), indexes them for person look-ups, then times
one retention run (every batch a transaction; the longest is printed, as it is
what a web write could wait for) and `person find` by name (median of five),
on SQLite and PostgreSQL. Checks that the report's JSON is unchanged.

    python bench/retention.py [--items 1000000] [--due 100000] [--only sqlite|postgresql]
                              [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from metrics import fresh_engine  # noqa: E402

from inbox.actions import intake, pages, person_index, retention  # noqa: E402
from inbox.core.incoming import NewItem  # noqa: E402
from inbox.core.person import Person  # noqa: E402
from inbox.core.rules.retention import Keep, RetentionRules  # noqa: E402
from inbox.store.db import bulk_writes, refresh_statistics, session_scope  # noqa: E402
from inbox.store.personal_data import find_person  # noqa: E402
from inbox.store.report import build_report  # noqa: E402

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=200)
CHUNK = 10_000
# Letters only, as names are: 200 first names and 200 surnames from syllables.
_START = ["An", "Be", "Ca", "Da", "El", "Fr", "Gu", "Ha", "In", "Jo"]
_MID = ["na", "ri", "lo", "ve", "sa", "mi", "ko", "te", "la", "du"]
FIRST = [a + b + c for a in _START for b in _MID for c in ("", "a")]
LAST = [a + b + c + "son" for a in _START for b in _MID for c in ("", "l")]
TEXTS = [
    "Hej! När öppnar vårdcentralen efter helgen?",
    "Bussen kom inte i morse, vad händer?",
    "Tack för snabbt svar.",
    "Min mamma väntar fortfarande på besked från Kiruna.",
    "Ring mig gärna på 070-123 45 67.",
]


def build(engine: sa.Engine, count: int, due: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    first_names, last_names = FIRST, LAST
    keys = [f"page{n:02d}" for n in range(50)]
    with session_scope(engine) as session:
        found, _ = pages.ensure_pages(session, set(keys), actor="bench", now=NOW)
    every = max(1, count // max(due, 1))
    for c in range(count // CHUNK):
        batches: dict[datetime, list[NewItem]] = {OLD: [], NOW: []}
        for n in range(c * CHUNK, (c + 1) * CHUNK):
            closed_now = OLD if (n // 50) % every == 0 else NOW  # on every page
            received = closed_now - timedelta(minutes=rng.randrange(60, 60 * 24 * 30))
            answered = rng.random() < 0.9
            batches[closed_now].append(
                NewItem(
                    page=keys[n % 50],
                    external_id=str(n),
                    received_at=received,
                    text=rng.choice(TEXTS),
                    author=f"{rng.choice(first_names)} {rng.choice(last_names)}",
                    first_response_at=received + timedelta(minutes=rng.randrange(5, 600))
                    if answered
                    else None,
                    resolution=None if answered else "no_reply_needed",
                )
            )
        # As the tagging pass leaves them: classified (the last column), so no
        # item waits in the untagged index.
        rows = [
            (*row[:-1], {"topic": None})
            for closed_now, items in batches.items()
            for row in intake.item_rows(items, pages=found, now=closed_now)
        ]
        with session_scope(engine) as session:
            intake.store_new_item_rows(session, intake.bulk_item_rows(engine.dialect.name, rows))
    refresh_statistics(engine)


def report_json(engine: sa.Engine) -> list[dict]:
    out = []
    with engine.connect() as conn:
        for start, end in (
            (date(2026, 1, 1), date(2026, 7, 1)),
            (date(2026, 7, 1), date(2026, 12, 1)),
        ):
            out.append(build_report(conn, start=start, end=end, as_of=NOW).as_json())
    return out


def bench(kind: str, pg_url: str | None, count: int, due: int, workdir: Path) -> None:
    print(f"\n== {kind} ==", flush=True)
    engine, cleanup = fresh_engine(kind, pg_url, workdir)
    try:
        t0 = time.perf_counter()
        build(engine, count, due)
        print(f"built {count:,} items in {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        person_index.catch_up(engine)
        with engine.connect() as conn:
            tokens = conn.execute(sa.text("SELECT count(*) FROM person_token")).scalar()
        print(
            f"person index of {count:,} items: {tokens:,} tokens in "
            f"{time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        refresh_statistics(engine)
        before = report_json(engine)
        rules = RetentionRules(default=Keep(keep_closed_days=90, keep_removed_days=30))
        t0 = time.perf_counter()
        with bulk_writes(engine):  # as `inbox retention run` does
            result = retention.run_retention(engine, rules, now=NOW)
        elapsed = time.perf_counter() - t0
        print(
            f"retention: {result.erased.items:,} of {count:,} items erased (due {result.due:,}) "
            f"in {elapsed:.1f} s, {result.batches} batches, longest batch "
            f"{result.longest_batch_seconds:.3f} s",
            flush=True,
        )
        same = report_json(engine) == before
        print(f"report JSON unchanged: {same}", flush=True)
        with engine.connect() as conn:
            name = conn.execute(
                sa.text("SELECT author FROM item WHERE erased_at IS NULL ORDER BY id LIMIT 1")
            ).scalar_one()
            person = Person(author=name)
            find_person(conn, person)  # warm
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                data = find_person(conn, person)
                times.append(time.perf_counter() - t0)
        print(
            f"person find by name over {count:,} items ({len(data.own_item_ids)} items of "
            f"the person, {len(data.everything())} entries): median "
            f"{statistics.median(times) * 1000:.0f} ms "
            f"(runs: {', '.join(f'{t * 1000:.0f}' for t in times)})",
            flush=True,
        )
        print(
            json.dumps(
                {
                    "kind": kind,
                    "retention_s": round(elapsed, 2),
                    "longest_batch_s": round(result.longest_batch_seconds, 3),
                    "find_ms": round(statistics.median(times) * 1000, 1),
                    "report_unchanged": same,
                }
            )
        )
    finally:
        cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        for kind in ("sqlite", "postgresql"):
            if args.only in (None, kind):
                bench(
                    kind, args.pg if kind == "postgresql" else None, args.items, args.due, Path(tmp)
                )


if __name__ == "__main__":
    main()
