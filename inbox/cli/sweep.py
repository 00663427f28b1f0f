"""`inbox sweep` (one tick of the clock-watching jobs) and `inbox scheduler`."""

from __future__ import annotations

import argparse
from typing import Any

from inbox.cli.common import CliError
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime


def _watch(rt: Runtime) -> Any:
    from inbox.core.rules.files import RulesError
    from inbox.scheduler import watch_of

    try:
        return watch_of(rt.settings, rt.calendar, tagging=rt.rules)
    except RulesError as exc:
        raise CliError(str(exc)) from None


def cmd_sweep(rt: Runtime, args: argparse.Namespace) -> int:
    from inbox.scheduler import run_tick

    now = args.now or utcnow()
    tick = run_tick(rt.engine, now=now, settings=rt.settings, watch=_watch(rt))
    s, d = tick.sweep, tick.delivery
    print(
        f"sweep at {now.isoformat()}: {s.at_risk} at risk, {s.breached} breached, "
        f"{s.urgent} urgent of {s.assessed} assessed, {s.escalated} escalated, "
        f"{s.forwarded} forwarded to backup, {tick.digests} digests, "
        f"{tick.summaries} summaries; delivered {d.sent}, retrying {d.retrying}, "
        f"failed {d.failed}"
    )
    return 0


def cmd_scheduler(rt: Runtime, _args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from inbox.scheduler import Scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    _watch(rt)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler = Scheduler(rt)
    scheduler.start()
    print(f"scheduler {scheduler.holder} running", flush=True)
    try:
        stop.wait()
    finally:
        scheduler.shutdown()
    return 0
