"""`inbox outbox list`: the newest notifications."""

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
