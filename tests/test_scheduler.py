"""Two `inbox scheduler` processes on PostgreSQL: one killed, the other takes over.

Runs in the PostgreSQL pass (INBOX_TEST_DATABASE_URL set), which CI makes mandatory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from inbox.actions import outbox
from inbox.store.db import session_scope
from inbox.store.models import SchedulerLease
from tests.notify_servers import SmtpServer

# Leases between processes are a PostgreSQL feature: the SQLite pass deselects
# this module (-m "not postgresql_only"), the PostgreSQL pass always runs it.
pytestmark = pytest.mark.postgresql_only

INBOX = Path(sys.executable).parent / "inbox"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def queue(engine: Engine, start: int, count: int) -> None:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for n in range(start, start + count):
            outbox.queue_notification(
                session,
                kind="email",
                recipient=f"p{n}@example.se",
                dedup_key=f"n{n}",
                now=now,
                actor="test",
                subject=f"Meddelande {n}",
                text="Hej",
            )


def wait_for(condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def lease_holder(engine: Engine) -> str | None:
    with Session(engine) as session:
        lease = session.exec(select(SchedulerLease)).first()
        return lease.holder if lease is not None else None


def test_one_scheduler_works_and_the_other_takes_over_after_a_kill(
    engine: Engine, database_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    assert database_url.startswith("postgresql"), "needs INBOX_TEST_DATABASE_URL"
    env = {
        **os.environ,
        "INBOX_DATABASE_URL": database_url,
        "INBOX_SMTP_HOST": "127.0.0.1",
        "INBOX_SMTP_PORT": str(smtp.port),
        "INBOX_SCHEDULER_SWEEP_SECONDS": "1",
        "INBOX_SCHEDULER_OUTBOX_SECONDS": "0.5",
        "INBOX_SCHEDULER_RENEW_SECONDS": "0.5",
        "INBOX_SCHEDULER_LEASE_SECONDS": "3",
    }
    logs = [(tmp_path / f"scheduler{i}.log").open("wb") for i in range(2)]
    procs = [
        subprocess.Popen([str(INBOX), "scheduler"], env=env, stdout=log, stderr=subprocess.STDOUT)
        for log in logs
    ]
    try:
        wait_for(lambda: lease_holder(engine) is not None)
        queue(engine, 0, 20)
        wait_for(lambda: len(smtp.messages) >= 20)
        holder = lease_holder(engine)
        assert holder is not None
        pid = int(holder.split(":")[1])
        leader = next(p for p in procs if p.pid == pid)
        leader.send_signal(signal.SIGKILL)
        leader.wait()
        queue(engine, 20, 20)
        wait_for(lambda: len(smtp.messages) >= 40)
        assert lease_holder(engine) != holder
        time.sleep(2)  # a duplicate would have arrived by now
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
        for log in logs:
            log.close()
    subjects = sorted(str(m["Subject"]) for m in smtp.messages)
    assert subjects == sorted(f"Meddelande {n}" for n in range(40))
