"""The scheduler: APScheduler jobs that only call actions.

One process at a time does the work: a lease row in the database is renewed
every few seconds, and taken over by another scheduler once it has expired (the
holder died). Web processes and spare schedulers run side by side harmlessly.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from inbox.actions import digests as digests_actions
from inbox.actions import leases, person_index, retention, sla_sweep
from inbox.channels.email.imap import poll_all_mailboxes
from inbox.channels.notify.sender import DeliveryResult, deliver_due
from inbox.channels.outbound.sender import WORKERS, Sender
from inbox.core.calendar import STOCKHOLM, OfficeCalendar
from inbox.core.rules.duty import WatchRules, load_watch_rules
from inbox.core.rules.retention import FILE as RETENTION_FILE
from inbox.core.rules.retention import load_retention_rules
from inbox.core.rules.tagging import Rules
from inbox.core.timeutil import utcnow
from inbox.core.watch import Watch
from inbox.runtime import Runtime
from inbox.settings import Settings
from inbox.store.db import session_scope

__all__ = ["Scheduler", "TickResult", "retention_once", "run_tick", "watch_of"]

log = logging.getLogger("inbox.scheduler")
LEASE_NAME = "scheduler"


@dataclass
class TickResult:
    sweep: sla_sweep.SweepResult
    digests: int
    summaries: int
    delivery: DeliveryResult


def watch_of(
    settings: Settings,
    calendar: OfficeCalendar,
    rules: WatchRules | None = None,
    tagging: Rules | None = None,
) -> Watch:
    return Watch(
        rules=rules or load_watch_rules(settings.rules_dir),
        base_url=settings.base_url,
        secret_key=settings.secret_key,
        calendar=calendar,
        tagging=tagging,
        management_emails=tuple(settings.management_emails),
    )


def sweep_once(
    engine: Engine, *, now: datetime, watch: Watch
) -> tuple[sla_sweep.SweepResult, int, int]:
    """The minute job: the SLA sweep, then digests and the summary when they are due."""
    with session_scope(engine) as session:
        result = sla_sweep.sla_sweep(session, now=now, watch=watch)
        digests = digests_actions.queue_daily_digests(session, now=now, watch=watch)
        summaries = digests_actions.queue_weekly_summary(session, now=now, watch=watch)
    return result, digests, summaries


def run_tick(engine: Engine, *, now: datetime, settings: Settings, watch: Watch) -> TickResult:
    """What `inbox sweep` does: one sweep, then one delivery of what is due at ``now``."""
    result, digests, summaries = sweep_once(engine, now=now, watch=watch)
    delivery = deliver_due(engine, now=now, settings=settings)
    return TickResult(result, digests, summaries, delivery)


def retention_once(engine: Engine, *, now: datetime, settings: Settings) -> retention.RunResult:
    """The retention job: erase what is due, then let the person index catch up."""
    rules = load_retention_rules(settings.rules_dir / RETENTION_FILE)
    result = retention.run_retention(engine, rules, now=now)
    if result.erased.items:
        log.info("retention: %s", result.as_json())
    while True:
        with session_scope(engine) as session:
            if not person_index.index_pending(session):
                break
    return result


class Scheduler:
    """A BackgroundScheduler whose jobs run only while this process holds the lease."""

    def __init__(self, runtime: Runtime, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.runtime = runtime
        self.engine = runtime.engine
        self.settings = runtime.settings
        self.clock = clock
        self.watch = watch_of(runtime.settings, runtime.calendar)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leader = False
        self._lock = threading.Lock()
        self._scheduler = BackgroundScheduler(timezone=STOCKHOLM)
        self._sender: Sender | None = None

    def start(self) -> None:
        s = self.settings
        first = datetime.now(STOCKHOLM)
        jobs: list[tuple[Callable[[], None], float, str]] = [
            (self.renew_lease, s.scheduler_renew_seconds, "lease"),
            (self._guarded(self.sweep), s.scheduler_sweep_seconds, "sla-sweep"),
            (self._guarded(self.deliver), s.scheduler_outbox_seconds, "outbox"),
            (self._guarded(self.send_outbound), s.scheduler_outbound_seconds, "outbound"),
            (self._guarded(self.retention), s.scheduler_retention_seconds, "retention"),
        ]
        if s.mailboxes:
            jobs.append((self._guarded(self.poll_mailboxes), s.scheduler_poll_seconds, "imap"))
        for i, (func, seconds, name) in enumerate(jobs):
            self._scheduler.add_job(
                func,
                "interval",
                seconds=seconds,
                id=name,
                name=name,
                # The lease first, then the work, without waiting a whole interval.
                next_run_time=first + timedelta(milliseconds=200 * i),
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        self._scheduler.start()

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=True)
        if self._sender is not None:
            self._sender.close()
        if self.leader:
            with session_scope(self.engine) as session:
                leases.release_lease(session, name=LEASE_NAME, holder=self.holder, now=self.clock())
            self.leader = False

    def renew_lease(self) -> None:
        try:
            with session_scope(self.engine) as session:
                held = leases.take_lease(
                    session,
                    name=LEASE_NAME,
                    holder=self.holder,
                    now=self.clock(),
                    seconds=self.settings.scheduler_lease_seconds,
                )
        except Exception:
            log.exception("could not renew the scheduler lease")
            held = False
        if held != self.leader:
            log.info("scheduler %s %s the lease", self.holder, "took" if held else "lost")
        self.leader = held

    def _guarded(self, job: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            if not self.leader:
                return
            try:
                job()
            except Exception:
                log.exception("scheduled job %s failed", job.__name__)

        run.__name__ = job.__name__
        return run

    def sweep(self) -> None:
        # The rules in force now (they reload when the files change), so new items
        # are tagged before the urgent policy looks at them.
        rt = self.runtime
        watch = replace(self.watch, calendar=rt.calendar, tagging=rt.rules)
        sweep_once(self.engine, now=self.clock(), watch=watch)

    def deliver(self) -> None:
        deliver_due(self.engine, now=self.clock(), settings=self.settings)

    def send_outbound(self) -> None:
        """Replies and moderation to the platforms (one Graph client, kept open)."""
        if self._sender is None:
            self._sender = Sender(
                self.engine,
                self.settings,
                clock=self.clock,
                calendar=self.runtime.calendar,
                workers=WORKERS,
            )
        self._sender.send_due()

    def retention(self) -> None:
        retention_once(self.engine, now=self.clock(), settings=self.settings)

    def poll_mailboxes(self) -> None:
        poll_all_mailboxes(self.runtime, now=self.clock())
