"""Load test: the real server under webhooks, communicators and supervisors at once.

Builds a migrated database with the demo data, starts ``inbox serve`` on a
loopback port, and drives it with locust (``bench/locustfile.py``) for a fixed
time: signed Meta webhook deliveries at a steady rate, communicators signing in
(with the CSRF token), listing the queue, opening items and replying,
supervisors loading the dashboard. Prints throughput and p50/p95/p99 per kind
of request and the errors, then checks the database: every delivery answered
200 became exactly one item, every reply answered 303 exactly one response.

    python bench/load.py [--duration 5m] [--database sqlite|postgresql] [--webhook-rate 20]

PostgreSQL: a throwaway database on ``--pg-admin-url`` is created and dropped.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webhooks import free_port, wait_for_port  # noqa: E402 - bench/webhooks.py, beside this one

from inbox.actions import pages  # noqa: E402
from inbox.actions import users as users_actions  # noqa: E402
from inbox.store.db import make_engine, migrate, session_scope  # noqa: E402

SECRET = "load-secret"
PAGE_ID = "777000111"
PASSWORD = "load-password-1"
COMMUNICATORS = [f"komm{n}@load" for n in range(6)]
SUPERVISORS = [f"chef{n}@load" for n in range(2)]
DEPARTMENTS = [
    "kommunikation",
    "kontaktcenter",
    "halso_sjukvard",
    "folktandvarden",
    "kollektivtrafik",
    "kultur",
    "regional_utveckling",
    "hr",
]
KINDS = ("webhook", "queue", "item", "reply", "dashboard", "login form", "login")


def seconds(duration: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    if duration[-1] in units:
        return float(duration[:-1]) * units[duration[-1]]
    return float(duration)


def prepare(url: str, env: dict[str, str]) -> None:
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    subprocess.run(
        [str(Path(sys.executable).parent / "inbox"), "demo", "--no-serve"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    engine = make_engine(url)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        pages.add_page(
            session, key="fb-load", name="Lasttest", platform_id=PAGE_ID, actor="bench", now=now
        )
        for email in COMMUNICATORS:
            users_actions.add_user(
                session,
                email=email,
                name=f"Kommunikatör {email}",
                password=PASSWORD,
                role="communicator",
                departments=DEPARTMENTS,
                actor="bench",
                now=now,
            )
        for email in SUPERVISORS:
            users_actions.add_user(
                session,
                email=email,
                name=f"Chef {email}",
                password=PASSWORD,
                role="supervisor",
                actor="bench",
                now=now,
            )
    engine.dispose()


def wait_until_processed(engine: Engine, timeout: float = 300) -> int:
    deadline = time.monotonic() + timeout
    pending = -1
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            pending = int(
                conn.exec_driver_sql(
                    "SELECT count(*) FROM delivery WHERE status = 'pending'"
                ).scalar_one()
            )
        if not pending:
            return 0
        time.sleep(0.5)
    return pending


def verify(engine: Engine, accepted: list[str], replies: list[tuple[int, str]]) -> int:
    """Print the end-to-end checks; return the number of problems."""
    pending = wait_until_processed(engine)
    with engine.connect() as conn:
        page_id = conn.execute(sa.text("SELECT id FROM page WHERE key = 'fb-load'")).scalar_one()
        stored = Counter(
            row[0]
            for row in conn.execute(
                sa.text("SELECT external_id FROM item WHERE page_id = :p"), {"p": page_id}
            )
        )
        texts = Counter(
            (int(row[0]), row[1])
            for row in conn.execute(
                sa.text("SELECT item_id, text FROM response WHERE text LIKE '%(ref %'")
            )
        )
    sent = Counter(accepted)
    missing = [e for e in sent if stored[e] == 0]
    duplicated = [e for e, n in stored.items() if n > 1]
    doubly_sent = [e for e, n in sent.items() if n > 1]
    unexpected = [e for e in stored if e not in sent]
    lost_replies = [r for r in replies if texts[r] == 0]
    doubled_replies = [r for r, n in texts.items() if n > 1]
    print(
        f"deliveries answered 200: {len(accepted)}; items from them: {sum(stored.values())}; "
        f"missing: {len(missing)}; duplicated: {len(duplicated)}; "
        f"items without an accepted delivery: {len(unexpected)}; still pending: {pending}"
    )
    print(
        f"replies answered 303: {len(replies)}; stored exactly once: "
        f"{sum(1 for r in replies if texts[r] == 1)}; missing: {len(lost_replies)}; "
        f"duplicated: {len(doubled_replies)}"
    )
    return (
        len(missing)
        + len(duplicated)
        + len(doubly_sent)
        + len(lost_replies)
        + len(doubled_replies)
        + pending
    )


def report(stats_csv: Path, wall: float) -> int:
    rows = {row["Name"]: row for row in csv.DictReader(stats_csv.open())}
    print(
        f"{'request':<12} {'count':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6}"
    )
    errors = 0
    for name in (*KINDS, "Aggregated"):
        row = rows.get(name)
        if row is None:
            continue
        count = int(row["Request Count"])
        failures = int(row["Failure Count"])
        errors += failures if name != "Aggregated" else 0
        print(
            f"{name:<12} {count:>7} {count / wall:>7.1f} {row['50%']:>7} {row['95%']:>7} "
            f"{row['99%']:>7} {failures:>6}"
        )
    return errors


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", default="5m", help="e.g. 30s, 5m (default 5m)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--webhook-rate", type=float, default=20, help="deliveries per second in total"
    )
    parser.add_argument("--communicators", type=int, default=6)
    parser.add_argument("--supervisors", type=int, default=2)
    args = parser.parse_args()
    duration = seconds(args.duration)
    if not 0 < duration <= 3600:
        parser.error("--duration must be between 1 s and 1 h")

    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
        "(shared with other work: figures are lower than on an idle machine)"
    )
    admin: Engine | None = None
    pg_name = f"inbox_load_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.database == "postgresql":
            admin = sa.create_engine(
                make_url(args.pg_admin_url).set(drivername="postgresql+psycopg"),
                isolation_level="AUTOCOMMIT",
            )
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{pg_name}"')
            url = make_url(args.pg_admin_url).set(database=pg_name).render_as_string(False)
        else:
            url = f"sqlite:///{tmp / 'load.db'}"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "INBOX_DATABASE_URL": url,
            "INBOX_META_APP_SECRET": SECRET,
        }
        server: subprocess.Popen[bytes] | None = None
        problems = 0
        try:
            prepare(url, env)
            port = free_port()
            log = (tmp / "serve.log").open("wb")
            server = subprocess.Popen(
                [str(Path(sys.executable).parent / "inbox"), "serve", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            wait_for_port(port, server, timeout=120)
            webhook_users = 2
            accepted_file, replies_file = tmp / "accepted.txt", tmp / "replies.txt"
            load_env = {
                **env,
                "LOAD_SECRET": SECRET,
                "LOAD_PAGE_ID": PAGE_ID,
                "LOAD_PASSWORD": PASSWORD,
                "LOAD_COMMUNICATORS": " ".join(COMMUNICATORS),
                "LOAD_SUPERVISORS": " ".join(SUPERVISORS),
                "LOAD_WEBHOOK_USERS": str(webhook_users),
                "LOAD_WEBHOOK_RATE": str(args.webhook_rate / webhook_users),
                "LOAD_COMMUNICATOR_USERS": str(args.communicators),
                "LOAD_SUPERVISOR_USERS": str(args.supervisors),
                "LOAD_ACCEPTED": str(accepted_file),
                "LOAD_REPLIES": str(replies_file),
            }
            users = webhook_users + args.communicators + args.supervisors
            command = [
                str(Path(sys.executable).parent / "locust"),
                "--headless",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--host",
                f"http://127.0.0.1:{port}",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{int(duration)}s",
                "--stop-timeout",
                "10",
                "--csv",
                str(tmp / "load"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ]
            print(
                f"database: {args.database}; {args.duration}; webhooks {args.webhook_rate:g}/s, "
                f"{args.communicators} communicators, {args.supervisors} supervisors",
                flush=True,
            )
            started = time.monotonic()
            subprocess.run(command, env=load_env, cwd=tmp, check=False, stdout=subprocess.DEVNULL)
            wall = time.monotonic() - started
            errors = report(tmp / "load_stats.csv", min(wall, duration))
            print(f"errors: {errors} (target 0)")
            accepted = accepted_file.read_text().split() if accepted_file.exists() else []
            replies = []
            if replies_file.exists():
                for line in replies_file.read_text().splitlines():
                    item_id, text = line.split("\t", 1)
                    replies.append((int(item_id), text))
            engine = make_engine(url)
            problems = verify(engine, accepted, replies) + errors
            engine.dispose()
            if not accepted or not replies:
                print("no deliveries or no replies were made: the load did not run")
                problems += 1
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=60)
            if admin is not None:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
                admin.dispose()
    print("result: OK" if problems == 0 else f"result: {problems} problems")
    return 0 if problems == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
