"""The dashboard's figures per window: computed once, reused, refreshed in the background.

Computing a window's figures reads every item received in it (about 0.7 s for the
last 28 days of a million-item inbox). A supervisor should not wait for that on
every visit while the queue is busy, so:

- figures are reused while nothing has been written since they were computed,
  for up to ``FRESH_SECONDS``;
- after a write, the previous figures are still shown (marked with the moment they
  are "as of") for up to ``STALE_SECONDS``, while one background thread computes
  new ones; the next visit gets those;
- older figures, a window nobody asked for before, and "räkna om nu" (``fresh``)
  are computed while the visitor waits.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from inbox.core.timeutil import utcnow
from inbox.store.queries import write_version

log = logging.getLogger(__name__)

FRESH_SECONDS = 60.0
STALE_SECONDS = 30.0
MAX_WINDOWS = 32

Window = tuple[date, date]
Compute = Callable[[Connection, datetime], dict[str, Any]]


@dataclass(frozen=True)
class Figures:
    data: dict[str, Any]
    computed_at: datetime
    version: tuple[Any, ...]
    stale: bool = False


class FigureStore:
    def __init__(self, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[Window, Figures] = {}
        self._pending: dict[Window, Future[None]] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard")

    def get(
        self, engine: Engine, window: Window, compute: Compute, *, fresh: bool = False
    ) -> Figures:
        with engine.connect() as conn:
            version = write_version(conn)
            now = self._clock()
            with self._lock:
                hit = self._entries.get(window)
            if hit is not None and not fresh:
                age = (now - hit.computed_at).total_seconds()
                if hit.version == version and age < FRESH_SECONDS:
                    return hit
                if age < STALE_SECONDS:
                    self.refresh(engine, window, compute)
                    return Figures(hit.data, hit.computed_at, hit.version, stale=True)
            figures = Figures(compute(conn, now), now, version)
        self._keep(window, figures)
        return figures

    def _keep(self, window: Window, figures: Figures) -> None:
        with self._lock:
            current = self._entries.get(window)
            if current is not None and current.computed_at > figures.computed_at:
                return
            if window not in self._entries and len(self._entries) >= MAX_WINDOWS:
                oldest = min(self._entries, key=lambda w: self._entries[w].computed_at)
                del self._entries[oldest]
            self._entries[window] = figures

    def refresh(self, engine: Engine, window: Window, compute: Compute) -> None:
        """Compute the window's figures in the background (unless that is under way)."""
        with self._lock:
            if window in self._pending:
                return

            def run() -> None:
                try:
                    with engine.connect() as conn:
                        version = write_version(conn)
                        now = self._clock()
                        self._keep(window, Figures(compute(conn, now), now, version))
                except Exception:
                    log.exception("could not compute the dashboard figures for %s", window)
                finally:
                    with self._lock:
                        self._pending.pop(window, None)

            with contextlib.suppress(RuntimeError):  # shutting down
                self._pending[window] = self._executor.submit(run)

    def peek(self, window: Window) -> Figures | None:
        with self._lock:
            return self._entries.get(window)

    def wait(self) -> None:
        """Until the background computations asked for so far have finished."""
        with self._lock:
            pending = list(self._pending.values())
        for future in pending:
            future.result()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
