"""Benchmark: CSV import rate and the 28-day per-page report over 1,000,000 items.

Builds 1,000,000 items over 50 pages and 365 days (about 10 % unanswered) by
importing a generated CSV, then prints the median of five runs of the 28-day
report, on SQLite and (when reachable) PostgreSQL.

    python bench/metrics.py [--items 1000000] [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inbox.channels.csv.importer import import_csv  # noqa: E402
from inbox.store.db import make_engine, migrate, refresh_statistics  # noqa: E402
from inbox.store.report import build_report  # noqa: E402

AS_OF = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def write_csv(path: Path, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    start = AS_OF - timedelta(days=365)
    span = 365 * 24 * 3600
    with path.open("w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(
            ["page", "external_id", "received_at", "text", "first_response_at", "resolution"]
        )
        for n in range(count):
            received = start + timedelta(seconds=rng.randrange(span))
            roll = rng.random()
            first = ""
            resolution = ""
            if roll < 0.80:
                delay = timedelta(minutes=min(rng.lognormvariate(5, 1.3), 60 * 24 * 7))
                if received + delay < AS_OF:
                    first = (received + delay).isoformat()
            elif roll < 0.90:
                resolution = rng.choice(["no_reply_needed", "spam", "removed"])
            w.writerow(
                [
                    f"page{n % 50:02d}",
                    str(n),
                    received.isoformat(),
                    "Hej! När öppnar vårdcentralen efter helgen?",
                    first,
                    resolution,
                ]
            )


def fresh_engine(kind: str, pg_url: str | None, workdir: Path) -> tuple[sa.Engine, callable]:
    if kind == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:6]}.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        return engine, lambda: (
            engine.dispose(),
            [p.unlink(missing_ok=True) for p in workdir.glob(path.name + "*")],
        )
    assert pg_url
    admin = sa.create_engine(
        pg_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    name = f"inbox_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(pg_url.rsplit("/", 1)[0] + "/" + name)
    migrate(engine)

    def drop() -> None:
        engine.dispose()
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return engine, drop


def median_ms(fn, runs: int = 5) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), times


def bench(
    kind: str, pg_url: str | None, big_csv: Path, small_csv: Path, small_n: int, workdir: Path
) -> None:
    print(f"\n== {kind} ==", flush=True)
    rates = []
    for _ in range(5):
        engine, cleanup = fresh_engine(kind, pg_url, workdir)
        t0 = time.perf_counter()
        summary = import_csv(engine, small_csv, actor="bench", now=AS_OF)
        rates.append(summary.inserted / (time.perf_counter() - t0))
        cleanup()
    print(
        f"import rate ({small_n:,} rows, 5 runs): median {statistics.median(rates):,.0f} items/s "
        f"(runs: {', '.join(f'{r:,.0f}' for r in rates)})",
        flush=True,
    )

    engine, cleanup = fresh_engine(kind, pg_url, workdir)
    try:
        t0 = time.perf_counter()
        summary = import_csv(engine, big_csv, actor="bench", now=AS_OF)
        elapsed = time.perf_counter() - t0
        print(
            f"import of {summary.inserted:,} items: {elapsed:.1f} s "
            f"({summary.inserted / elapsed:,.0f} items/s)",
            flush=True,
        )
        # What `inbox import` does after a bulk load.
        refresh_statistics(engine)
        end = date(2026, 11, 22)
        start = end - timedelta(days=28)
        with engine.connect() as conn:
            build_report(conn, start=start, end=end, as_of=AS_OF)  # warm the cache
            med, runs = median_ms(lambda: build_report(conn, start=start, end=end, as_of=AS_OF))
            report = build_report(conn, start=start, end=end, as_of=AS_OF)
        print(
            f"28-day per-page report over {summary.inserted:,} items "
            f"({report.total.received:,} in the window, {len(report.pages)} pages): "
            f"median {med:.1f} ms (runs: {', '.join(f'{r:.1f}' for r in runs)})",
            flush=True,
        )
    finally:
        cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--import-sample", type=int, default=100_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        big, small = workdir / "big.csv", workdir / "small.csv"
        t0 = time.perf_counter()
        write_csv(big, args.items)
        write_csv(small, args.import_sample, seed=2)
        print(
            f"generated {args.items:,} + {args.import_sample:,} CSV rows "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        if args.only in (None, "sqlite"):
            bench("sqlite", None, big, small, args.import_sample, workdir)
        if args.only in (None, "postgresql"):
            try:
                import psycopg

                psycopg.connect(args.pg, connect_timeout=3).close()
            except Exception as exc:
                print(f"\nPostgreSQL not reachable ({exc}); skipped")
                return
            bench("postgresql", args.pg, big, small, args.import_sample, workdir)


if __name__ == "__main__":
    main()
