"""`inbox deliveries list|process`: stored webhook deliveries."""

from __future__ import annotations

import argparse
import json
import sys

from inbox.channels.meta import processor
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime


def cmd_deliveries_list(rt: Runtime, args: argparse.Namespace) -> int:
    from inbox.actions.meta_intake import list_deliveries

    with rt.engine.connect() as conn:
        rows = list_deliveries(conn, status=args.status, limit=args.limit)
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    for row in rows:
        error = f"  {row['error']}" if row["error"] else ""
        print(
            f"{row['id']:>8}  {row['source']:<5}  {row['received_at'][:19]}  "
            f"{row['status']:<12}  {row['bytes']:>7} B{error}"
        )
    return 0


def cmd_deliveries_process(rt: Runtime, args: argparse.Namespace) -> int:
    from inbox.actions.meta_intake import retry_unknown_pages

    if args.retry_unknown:
        with rt.engine.begin() as conn:
            print(f"{retry_unknown_pages(conn)} deliveries for unknown pages requeued")
    total = 0
    while True:
        done = processor.process_pending(
            rt.engine, now=utcnow(), calendar=rt.calendar, rules=rt.rules
        )
        if not done:
            break
        total += done
    print(f"{total} deliveries processed")
    return 0
