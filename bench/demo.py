"""How long building the demo takes: `inbox demo --no-serve`'s data, on SQLite or PostgreSQL.

Builds the demo a few times on a fresh, migrated database and prints the median and
the slowest wall-clock time, with what the time goes to: the items (drawing, tagging
with the shipped rules, storing) and the demo users (their password hashes).

    python bench/demo.py [--runs 3] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import sqlalchemy as sa
from sqlmodel import Session

import inbox
from inbox.actions import demo
from inbox.core.rules.tagging import load_rules
from inbox.store.db import make_engine, migrate

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def build(url: str) -> tuple[float, float]:
    """Seconds for the whole build, and of them for the demo users."""
    engine = make_engine(url)
    migrate(engine)
    rules = load_rules(Path(inbox.__file__).parent / "default_rules")
    spent = [0.0]
    add_users = demo.add_demo_users

    def timed_users(session: Session, *, now: datetime) -> str:
        started = time.perf_counter()
        try:
            return add_users(session, now=now)
        finally:
            spent[0] += time.perf_counter() - started

    started = time.perf_counter()
    with mock.patch.object(demo, "add_demo_users", timed_users):
        demo.load_demo(engine, now=NOW, rules=rules)
    total = time.perf_counter() - started
    engine.dispose()
    return total, spent[0]


def pg_database(admin_url: str) -> tuple[str, sa.Engine, str]:
    admin = sa.create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    name = f"inbox_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    return url, admin, name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", help="a PostgreSQL server to build on instead of SQLite")
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        if args.pg:
            url, admin, name = pg_database(args.pg)
            try:
                times.append(build(url))
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        else:
            with tempfile.TemporaryDirectory() as tmp:
                times.append(build(f"sqlite:///{Path(tmp) / 'demo.db'}"))
    total = statistics.median(t for t, _u in times)
    users = statistics.median(u for _t, u in times)
    slowest = max(t for t, _u in times)
    where = "PostgreSQL" if args.pg else "SQLite"
    print(f"demo build on {where}, {args.runs} runs: median {total:.2f}s, slowest {slowest:.2f}s")
    print(f"  the items {total - users:.2f}s, the demo users' password hashes {users:.2f}s")


if __name__ == "__main__":
    main()
