"""Benchmark: replies through the outbox to a Graph API on loopback.

Throughput: ``--actions`` replies queued on Facebook comments of a connected
page (a platform id, a sealed token; the items stored through
``inbox.actions.intake``), sent by one ``Sender`` in this process until the
queue is empty; prints the actions sent and settled per second (state *sent*,
the reply recorded as the item's response) and where the wall time went: SQL
statements and commits, waiting for the Graph API, the rest (Python: the ORM,
the sender, httpx). The Graph API (``tests/graph_server.py``) runs in a
subprocess, so it does not share the sender's core.

Button to "skickad": the real server (``inbox serve`` with its scheduler, the
default ``INBOX_SCHEDULER_OUTBOUND_SECONDS``) on the same Graph API; replies are
queued at random moments (``inbox.actions.outbound.queue``, what the item
page's form calls, in the same database) and each one's
time from queueing to its ``sent_at`` is read back from the database: what a
person waits.

    python bench/outbox.py [--actions 2000] [--replies 40] [--database sqlite|postgresql]
                           [--core N] [--profile]

``--core N`` pins the sender (its workers and its recorder) to one CPU, the
Graph API and the database running beside it: the target is for one core.

Target: >= 200 actions/s. A miscount (an action not sent, or not settled as
the item's response) is an error. PostgreSQL: a throwaway database on
``--pg-admin-url`` is created and dropped.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webhooks import free_port, wait_for_port  # noqa: E402 - bench/webhooks.py, beside this one

from inbox.actions import intake, outbound, pages  # noqa: E402
from inbox.channels.outbound.sender import WORKERS, Sender  # noqa: E402
from inbox.core.incoming import NewItem  # noqa: E402
from inbox.core.kinds import Channel, OutboundKind  # noqa: E402
from inbox.settings import Settings  # noqa: E402
from inbox.store.db import make_engine, migrate, session_scope  # noqa: E402
from inbox.store.models import Item, Outbound  # noqa: E402

PAGE_ID = "5150001"
PAGE_KEY = "fb-outbox"
TOKEN = "EAAbenchPAGEtokenVALUE0001"
VERSION = Settings().meta_graph_version

# The Graph API on loopback, in its own process: one comment object per item.
# Keep-alive (HTTP/1.1) as Graph itself answers; its URL on the first line of stdout.
GRAPH = """
import sys
sys.path.insert(0, {root!r})
from tests.graph_server import GraphServer

server = GraphServer({{{token!r}: {page!r}}}, version={version!r}, page_names={{{page!r}: "Bench"}})
handler = server.server.RequestHandlerClass
handler.protocol_version = "HTTP/1.1"
handler.disable_nagle_algorithm = True  # headers and body go out as separate writes
for n in range({count}):
    server.add_object(f"{page}_p{{n % 20}}_{{n}}", message="Fråga", **{{"from": {{"id": "u1"}}}})
server.start()
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""


def comment_id(n: int) -> str:
    return f"{PAGE_ID}_p{n % 20}_{n}"


@contextmanager
def graph_server(count: int) -> Iterator[str]:
    script = GRAPH.format(root=str(ROOT), token=TOKEN, page=PAGE_ID, version=VERSION, count=count)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError("the Graph API server did not start")
        yield url
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def database(kind: str, tmp: Path, admin_url: str, name: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / f'{name}.db'}"
        return
    admin = sa.create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    pg_name = f"inbox_outbox_{name}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{pg_name}"')
    try:
        yield make_url(admin_url).set(database=pg_name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        admin.dispose()


def prepare(engine: Engine, settings: Settings, count: int) -> list[int]:
    """A connected Facebook page and ``count`` open comments on it; their item ids."""
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        page = pages.add_page(
            session,
            key=PAGE_KEY,
            name="Bench",
            channel=Channel.FACEBOOK.value,
            platform_id=PAGE_ID,
            actor="bench",
            now=now,
        )
        pages.connect_page(
            session,
            key=PAGE_KEY,
            platform_id=PAGE_ID,
            platform_name="Bench",
            token_cipher=settings.token_box().seal(TOKEN),
            actor="bench",
            now=now,
        )
        received = now - timedelta(minutes=30)
        new = [
            NewItem(
                page=PAGE_KEY,
                external_id=comment_id(n),
                received_at=received + timedelta(milliseconds=n),
                text=f"När öppnar simhallen? ({n})",
                channel=Channel.FACEBOOK.value,
                kind="comment",
                author="Anna Andersson",
                author_id=f"u{n % 997}",
                post_id=f"{PAGE_ID}_p{n % 20}",
                parent_id=f"{PAGE_ID}_p{n % 20}",
            )
            for n in range(count)
        ]
        result = intake.ingest_items(session, new, pages={PAGE_KEY: page}, now=now)
    return sorted(result.inserted_ids)


def queue_reply(engine: Engine, item_id: int, n: int) -> datetime:
    """One reply queued in its own transaction; the moment it was queued."""
    with session_scope(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None
        now = datetime.now(UTC)
        outbound.queue(
            session,
            item,
            kind=OutboundKind.REPLY,
            idempotency_key=f"bench-{uuid.uuid4().hex}",
            actor="komm@bench",
            actor_name="Kommunikatör",
            now=now,
            text=f"Klockan 9, välkommen! ({n})",
        )
    return now


class Timers:
    """Wall time inside SQL statements and commits, and inside HTTP requests."""

    def __init__(self) -> None:
        self.sql = 0.0
        self.http = 0.0
        self._local = threading.local()  # the workers and the recorder time their own
        self._lock = threading.Lock()

    def watch_engine(self, engine: Engine) -> None:
        def before(*_args: Any) -> None:
            self._local.started = time.perf_counter()

        def after(*_args: Any) -> None:
            self._add("sql", time.perf_counter() - self._local.started)

        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        dialect = engine.dialect
        dialect.do_commit = self._timed(dialect.do_commit, "sql")  # type: ignore[method-assign]

    def watch_http(self, sender: Sender) -> None:
        http = sender.graph._http
        http.send = self._timed(http.send, "http")  # type: ignore[method-assign]

    def _timed(self, func: Callable[..., Any], bucket: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self._add(bucket, time.perf_counter() - started)

        return timed

    def _add(self, bucket: str, seconds: float) -> None:
        with self._lock:
            setattr(self, bucket, getattr(self, bucket) + seconds)


def settled(engine: Engine) -> tuple[int, int, int]:
    """(sent with sent_at, responses from the outbox, other states)."""
    with engine.connect() as conn:
        sent = conn.exec_driver_sql(
            "SELECT count(*) FROM outbound WHERE state = 'sent' AND sent_at IS NOT NULL"
        ).scalar_one()
        other = conn.exec_driver_sql(
            "SELECT count(*) FROM outbound WHERE state <> 'sent'"
        ).scalar_one()
        responses = conn.exec_driver_sql(
            "SELECT count(*) FROM response WHERE source = 'inbox' AND external_id IS NOT NULL"
        ).scalar_one()
    return int(sent), int(responses), int(other)


def throughput(kind: str, tmp: Path, args: argparse.Namespace) -> float:
    """Actions sent and settled per second; raises unless every one was."""
    count = args.actions
    with database(kind, tmp, args.pg_admin_url, "throughput") as url, graph_server(count) as graph:
        engine = make_engine(url)
        migrate(engine)
        settings = Settings(database_url=url, meta_graph_url=graph)
        item_ids = prepare(engine, settings, count)
        with session_scope(engine) as session:
            items = {i.id: i for i in session.exec(select(Item))}
            now = datetime.now(UTC)
            for n, item_id in enumerate(item_ids):
                outbound.queue(
                    session,
                    items[item_id],
                    kind=OutboundKind.REPLY,
                    idempotency_key=f"bench-{n:08d}",
                    actor="komm@bench",
                    actor_name="Kommunikatör",
                    now=now,
                    text=f"Klockan 9, välkommen! ({n})",
                )
        print(f"{kind}: {count} replies queued on connected Facebook comments", flush=True)

        if args.core is not None:  # this thread and those it starts: the workers, the recorder
            os.sched_setaffinity(0, {args.core})
        # A profile is of one thread: the profiler sees only the thread that runs it.
        sender = Sender(engine, settings, workers=1 if args.profile else WORKERS)
        timers = Timers()
        timers.watch_engine(engine)
        timers.watch_http(sender)
        profile = cProfile.Profile() if args.profile else None
        handled = passes = 0
        started, cpu = time.perf_counter(), time.process_time()
        if profile is not None:
            profile.enable()
        while True:
            result = sender.send_due()
            passes += 1
            handled += result.handled
            if result.errors:
                raise RuntimeError(f"sender errors: {result.errors[:5]}")
            if not result.handled:
                break
        if profile is not None:
            profile.disable()
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        sender.close()
        sent, responses, other = settled(engine)
        engine.dispose()
        if args.core is not None:
            os.sched_setaffinity(0, range(os.cpu_count() or 1))

    rate = sent / wall
    # With several workers the SQL and HTTP times overlap: shares of their sum, then.
    busy = max(wall, timers.sql + timers.http)
    rest = busy - timers.sql - timers.http
    print(
        f"{kind}: {sent} sent and settled ({responses} responses recorded, {other} in other "
        f"states) in {wall:.2f} s over {passes} passes = {rate:.0f} actions/s (target >= 200)"
    )
    print(
        f"{kind}: {WORKERS} workers and a recorder; time spent (summed over them): SQL "
        f"statements and commits "
        f"{timers.sql / busy:.0%}, waiting for the Graph API {timers.http / busy:.0%}, the rest "
        f"(ORM, sender, httpx) {rest / busy:.0%}; {1000 * wall / max(sent, 1):.2f} ms of wall "
        f"time per action, of which the sender's own CPU {1000 * cpu / max(sent, 1):.2f} ms"
    )
    if profile is not None:
        pstats.Stats(profile).sort_stats(args.profile_sort).print_stats(30)
    if sent != count or responses != count:
        raise RuntimeError(f"expected {count} sent and settled, got {sent} / {responses}")
    return rate


def button(kind: str, tmp: Path, args: argparse.Namespace) -> list[float]:
    count = args.replies
    with database(kind, tmp, args.pg_admin_url, "button") as url, graph_server(count) as graph:
        engine = make_engine(url)
        migrate(engine)
        settings = Settings(database_url=url, meta_graph_url=graph)
        item_ids = prepare(engine, settings, count)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "INBOX_DATABASE_URL": url,
            "INBOX_META_GRAPH_URL": graph,
            "INBOX_SCHEDULER": "on",
            "INBOX_PROCESS_DELIVERIES": "false",
        }
        env.pop("INBOX_SCHEDULER_OUTBOUND_SECONDS", None)
        port = free_port()
        log = (tmp / f"serve-{kind}.log").open("wb")
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "inbox"), "serve", "--port", str(port)],
            env=env,
            cwd=tmp,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        rng = random.Random(7)  # the same moments every run
        queued: dict[int, datetime] = {}
        try:
            wait_for_port(port, server, timeout=120)
            time.sleep(1.0)  # the scheduler takes its lease and starts its jobs
            interval = Settings().scheduler_outbound_seconds
            print(
                f"{kind}: inbox serve with its scheduler (outbound every {interval:g} s); "
                f"{count} replies queued at random moments",
                flush=True,
            )
            for n, item_id in enumerate(item_ids):
                time.sleep(rng.uniform(0, 1.5 * interval))
                queued[item_id] = queue_reply(engine, item_id, n)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and settled(engine)[0] < count:
                time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
        with Session(engine) as session:
            rows = [
                (action.item_id, action.sent_at)
                for action in session.exec(select(Outbound).where(Outbound.state == "sent"))
            ]
        engine.dispose()

    waits = sorted(
        (sent_at - queued[item_id]).total_seconds() for item_id, sent_at in rows if sent_at
    )
    if len(waits) != count:
        raise RuntimeError(f"only {len(waits)} of {count} replies were sent")
    p50 = statistics.median(waits)
    p95 = waits[min(len(waits) - 1, round(0.95 * (len(waits) - 1)))]
    print(
        f"{kind}: button to 'skickad' over {count} replies: p50 {p50:.2f} s, p95 {p95:.2f} s, "
        f"max {waits[-1]:.2f} s (min {waits[0]:.2f} s)"
    )
    return waits


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=2000, help="replies for the throughput")
    parser.add_argument("--replies", type=int, default=40, help="replies timed button to sent")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--profile", action="store_true", help="cProfile the sender")
    parser.add_argument("--profile-sort", default="cumulative", help="pstats sort key")
    parser.add_argument(
        "--core",
        type=int,
        help="run the sender on this one CPU (the Graph API and the database elsewhere)",
    )
    parser.add_argument("--skip-button", action="store_true", help="throughput only")
    args = parser.parse_args()

    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
        "(shared with other work: figures are lower than on an idle machine)"
    )
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        throughput(args.database, tmp, args)
        if not args.skip_button:
            button(args.database, tmp, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
