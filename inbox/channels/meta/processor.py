"""The processor: stored webhook deliveries into items, in the background of ``serve``.

The webhook (``webhook``) only stores what Meta sent (``store``); this loop hands
the stored deliveries to the actions (``inbox.actions.meta_intake``), which make
each event an item exactly once, and then tags and routes the new items.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime

from sqlalchemy.engine import Engine

from inbox.actions import meta_intake, tagging
from inbox.channels.meta.parse import parse_delivery
from inbox.channels.meta.store import DeliveryWriter
from inbox.core.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.core.incoming import MetaEvent
from inbox.core.rules.tagging import Rules
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store.db import session_scope


def _parse(body: bytes, now: datetime) -> list[MetaEvent]:
    return parse_delivery(body, now=now)


log = logging.getLogger("inbox.channels.meta.processor")


def process_pending(
    engine: Engine,
    *,
    now: datetime,
    limit: int = 500,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    rules: Rules | None = None,
) -> int:
    """Turn up to ``limit`` stored deliveries into items, then tag and route the new ones."""
    handled = meta_intake.process_deliveries(
        engine, parse=_parse, now=now, limit=limit, calendar=calendar
    )
    if rules is not None and handled:
        while True:
            with session_scope(engine) as session:
                if not tagging.tag_untagged(session, rules=rules):
                    break
    return handled


# While deliveries stream in, the background processor works at most a quarter
# of the time (it rests three times as long as its last batch took), so the
# webhook keeps the CPU and the write lock; processing is over ten times faster
# than accepting, so the backlog still drains. When the writer is quiet it runs
# flat out.
_BUSY_WITHIN_SECONDS = 0.05
_REST_FACTOR = 9.0
_MIN_REST_SECONDS = 0.05
_BATCH = 100


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)


async def process_continuously(
    runtime: Runtime, writer: DeliveryWriter, stopping: asyncio.Event
) -> None:
    """Drain pending deliveries into items until ``stopping`` is set.

    A batch under way is always finished (never cancelled mid-thread), so the
    database is left with no connection in use when the app shuts down.
    """
    assert writer.wakeup is not None
    while not stopping.is_set():
        started = time.monotonic()
        try:
            done = await asyncio.to_thread(
                process_pending,
                runtime.engine,
                now=utcnow(),
                limit=_BATCH,
                calendar=runtime.calendar,
                rules=runtime.rules,
            )
        except Exception:
            log.exception("processing deliveries failed")
            done = 0
        if done:
            if time.monotonic() - writer.last_write < _BUSY_WITHIN_SECONDS:
                rest = max((time.monotonic() - started) * _REST_FACTOR, _MIN_REST_SECONDS)
                await _pause(stopping, rest)
            continue
        writer.wakeup.clear()
        wakeup = asyncio.ensure_future(writer.wakeup.wait())
        stop = asyncio.ensure_future(stopping.wait())
        _, waiting = await asyncio.wait({wakeup, stop}, timeout=1.0, return_when="FIRST_COMPLETED")
        for task in waiting:
            task.cancel()
