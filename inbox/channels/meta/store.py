"""Storing webhook deliveries durably, many requests to one commit.

A request hands its raw body to ``DeliveryWriter.store`` and awaits it. One
writer thread takes whatever has queued up, inserts it in one transaction,
commits, and only then resolves every waiting request: the 200 is sent only for
a delivery already on disk, and one commit (one WAL sync) serves many requests.
While a commit runs, the next batch queues up, so the batch size follows the
load by itself; no timer is involved.

A failed commit (the database restarted, the connection was killed by a
failover, a pooler or an idle timeout) answers its requests with an error and
throws the connection away; the next batch connects afresh, after a pause that
doubles with each failure in a row (at most ``MAX_BACKOFF`` seconds). The
thread never ends on an error.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from inbox.store.models import to_epoch_us

log = logging.getLogger("inbox.actions.meta_intake")

_COLUMNS = ("source", "received_at", "body", "signature_ok", "status", "error", "attempts")


@dataclass(frozen=True, slots=True)
class NewDelivery:
    source: str
    received_at: datetime
    body: bytes
    status: str
    error: str | None = None
    signature_ok: bool = True


def insert_deliveries(dbapi_conn: Any, sqlite_db: bool, rows: Sequence[NewDelivery]) -> None:
    """Insert deliveries on a DBAPI connection (no commit)."""
    mark = "?" if sqlite_db else "%s"
    sql = (
        f"INSERT INTO delivery ({', '.join(_COLUMNS)}) VALUES ({', '.join([mark] * len(_COLUMNS))})"
    )
    params = [
        (
            d.source,
            to_epoch_us(d.received_at) if sqlite_db else d.received_at,
            d.body,
            d.signature_ok,
            d.status,
            d.error,
            0,
        )
        for d in rows
    ]
    cursor = dbapi_conn.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


_STOP = object()
MAX_BACKOFF = 2.0


def backoff(failures: int) -> float:
    """Seconds to wait after ``failures`` failed commits in a row."""
    return 0.0 if failures <= 0 else min(0.05 * 2 ** (failures - 1), MAX_BACKOFF)


class DeliveryWriter:
    """The group-committing writer thread; one per process."""

    def __init__(self, engine: Engine, *, max_batch: int = 512) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.last_write = 0.0  # time.monotonic() of the last commit
        self.written = 0
        self.commits = 0
        self.failures = 0  # failed commits in a row
        self.last_error = ""
        self.wakeup: asyncio.Event | None = None
        self._stopping = threading.Event()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.wakeup = asyncio.Event()
        self._thread = threading.Thread(target=self._run, name="delivery-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stopping.set()
            self._queue.put(_STOP)
            self._thread.join(timeout=10)
            self._thread = None

    async def store(self, delivery: NewDelivery) -> None:
        """Returns once the delivery is committed; raises if the commit failed."""
        assert self._loop is not None, "writer not started"
        future: asyncio.Future[None] = self._loop.create_future()
        self._queue.put((delivery, future))
        await future

    def _next_batch(self) -> tuple[list[Any], bool]:
        """What has queued up (waiting for the first), and whether to stop after it."""
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        while len(batch) < self._max_batch:
            try:
                nxt = self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is _STOP:
                return batch, True
            batch.append(nxt)
        return batch, False

    def _run(self) -> None:
        sqlite_db = self._engine.dialect.name == "sqlite"
        # On SQLite the connection runs WAL with synchronous=NORMAL (inbox.store.db.engine): a
        # committed delivery survives any crash of this process (the SIGKILL test),
        # though not a power cut in the instant after. synchronous=FULL would sync
        # every group commit; measured here it cost up to a quarter of the rate.
        raw: Any = None
        try:
            while True:
                batch, stop = self._next_batch()
                if not batch:
                    return
                error: BaseException | None = None
                try:
                    if raw is None:
                        raw = self._engine.raw_connection()
                    insert_deliveries(raw.driver_connection, sqlite_db, [d for d, _ in batch])
                    raw.driver_connection.commit()
                except Exception as exc:
                    log.exception("storing %d deliveries failed", len(batch))
                    error = exc
                    self.failures += 1
                    self.last_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                    _discard(raw)
                    raw = None
                else:
                    self.failures = 0
                    self.written += len(batch)
                    self.commits += 1
                    self.last_write = time.monotonic()
                assert self._loop is not None
                futures = [f for _, f in batch]
                try:
                    self._loop.call_soon_threadsafe(self._resolve, futures, error)
                except RuntimeError:
                    return  # the loop is gone: the process is shutting down
                if stop or self._stopping.wait(backoff(self.failures)):
                    return
        finally:
            _discard(raw, invalidate=False)

    def _resolve(self, futures: list[asyncio.Future[None]], error: BaseException | None) -> None:
        for future in futures:
            if future.done():
                continue
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)
        if error is None and self.wakeup is not None:
            self.wakeup.set()


def _discard(raw: Any, *, invalidate: bool = True) -> None:
    """Give up a connection (after a failure it may be dead: never reuse it)."""
    if raw is None:
        return
    try:
        if invalidate:
            raw.invalidate()
        raw.close()
    except Exception:
        log.exception("closing the writer's connection failed")
