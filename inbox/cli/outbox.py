"""`inbox outbox list|send`: the newest notifications; everything due sent once."""

from __future__ import annotations

import argparse

from inbox.cli.common import CliError
from inbox.runtime import Runtime


def cmd_outbox_list(rt: Runtime, args: argparse.Namespace) -> int:
    from inbox.store.queries import outbox_list

    if not 1 <= args.limit <= 10000:
        raise CliError("--limit must be between 1 and 10000")
    with rt.engine.connect() as conn:
        rows = outbox_list(conn, status=args.status, limit=args.limit)
    for row in rows:
        when = row["sent_at"] or row["next_attempt_at"]
        error = f"  [{row['last_error']}]" if row["last_error"] else ""
        print(
            f"{row['id']:>6}  {row['status']:<7}  {row['attempts']:>2}  {row['kind']:<7}  "
            f"{when.isoformat()}  {row['recipient']}  {row['subject']}{error}"
        )
    return 0


def cmd_outbox_send(rt: Runtime, _args: argparse.Namespace) -> int:
    """Everything due, once: replies and moderation to the platforms, then notifications."""
    from inbox.channels.notify.sender import deliver_due
    from inbox.channels.outbound.sender import WORKERS, Sender
    from inbox.core.timeutil import utcnow

    sender = Sender(rt.engine, rt.settings, calendar=rt.calendar, workers=WORKERS)
    try:
        sent = sender.send_due()
    finally:
        sender.close()
    notified = deliver_due(rt.engine, now=utcnow(), settings=rt.settings)
    print(
        f"replies and moderation: {sent.sent} sent, {sent.retrying} to retry, "
        f"{sent.failed} failed, {sent.uncertain} uncertain, {sent.paused} waiting for a "
        f"connection; notifications: {notified.sent} sent, {notified.retrying} to retry, "
        f"{notified.failed} failed"
    )
    return 1 if sent.errors else 0
