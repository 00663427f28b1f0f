"""SIGKILL the real server in the middle of a burst of signed deliveries.

Every delivery that got a 200 must be stored exactly once and end up as exactly
one item; deliveries that got no answer may or may not be there, never twice.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from inbox.actions import pages
from inbox.channels.meta.signature import expected_signature
from inbox.store.db import make_engine, migrate, session_scope
from tests.paths import REPO

ROOT = REPO
SECRET = "crash-secret"
PAGE = "31337"
TOTAL = 3000
THREADS = 8

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def body(n: int) -> bytes:
    value = {
        "item": "comment",
        "verb": "add",
        "comment_id": f"c{n}",
        "post_id": f"{PAGE}_p{n % 7}",
        "created_time": 1_763_000_000 + n,
        "from": {"id": f"u{n}", "name": "Sven"},
        "message": f"fråga nummer {n}",
    }
    doc = {
        "object": "page",
        "entry": [{"id": PAGE, "time": 1, "changes": [{"field": "feed", "value": value}]}],
    }
    return json.dumps(doc).encode()


class Server:
    def __init__(self, url: str, workdir: Path) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "INBOX_DATABASE_URL": url,
            "INBOX_META_APP_SECRET": SECRET,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "inbox", "serve", "--port", str(self.port)],
            env=env,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "server exited"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        pages.add_page(session, key="fb", platform_id=PAGE, actor="test", now=datetime.now(UTC))
    engine.dispose()
    return url


def send_burst(port: int, numbers: list[int], acked: set[int], stop: threading.Event) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        _send(conn, numbers, acked, stop)
    finally:
        conn.close()


def _send(
    conn: http.client.HTTPConnection, numbers: list[int], acked: set[int], stop: threading.Event
) -> None:
    for n in numbers:
        if stop.is_set():
            return
        raw = body(n)
        try:
            conn.request(
                "POST",
                "/webhooks/meta",
                body=raw,
                headers={
                    "X-Hub-Signature-256": expected_signature(raw, SECRET),
                    "Content-Type": "application/json",
                },
            )
            answer = conn.getresponse()
            answer.read()
        except (OSError, http.client.HTTPException):
            return  # the server is gone: this one got no answer
        if answer.status == 200:
            acked.add(n)


def test_acknowledged_deliveries_survive_sigkill_exactly_once(db_url: str, tmp_path: Path) -> None:
    server = Server(db_url, tmp_path)
    acked: set[int] = set()
    stop = threading.Event()
    shares = [list(range(i, TOTAL, THREADS)) for i in range(THREADS)]
    threads = [
        threading.Thread(target=send_burst, args=(server.port, share, acked, stop))
        for share in shares
    ]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(acked) < TOTAL // 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=10)
        for t in threads:
            t.join(timeout=30)
    finally:
        stop.set()
        server.stop()
    assert TOTAL // 3 <= len(acked) < TOTAL, "the kill did not land in the middle of the burst"

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT body FROM delivery")).all()
        stored = [
            json.loads(bytes(r[0]))["entry"][0]["changes"][0]["value"]["comment_id"] for r in rows
        ]
        assert len(stored) == len(set(stored)), "a delivery was stored twice"
        missing = {f"c{n}" for n in acked} - set(stored)
        assert not missing, f"acknowledged but lost: {sorted(missing)[:5]}"

        # Restart: the background processor turns the backlog into items.
        again = Server(db_url, tmp_path)
        try:
            # Meta retries what got no answer, and some of what did.
            retry = sorted(set(range(TOTAL)) - acked)[:200] + sorted(acked)[:200]
            send_burst(again.port, retry, acked, threading.Event())
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    pending = conn.execute(
                        sa.text("SELECT count(*) FROM delivery WHERE status = 'pending'")
                    ).scalar_one()
                if pending == 0:
                    break
                time.sleep(0.1)
            assert pending == 0
        finally:
            again.stop()

        with engine.connect() as conn:
            items = [r[0] for r in conn.execute(sa.text("SELECT external_id FROM item")).all()]
            statuses = dict(
                conn.execute(sa.text("SELECT status, count(*) FROM delivery GROUP BY status")).all()
            )
        assert len(items) == len(set(items))
        assert {f"c{n}" for n in acked} <= set(items), "an acknowledged delivery made no item"
        assert set(items) <= {f"c{n}" for n in range(TOTAL)}
        assert set(statuses) == {"processed"}
    finally:
        engine.dispose()
