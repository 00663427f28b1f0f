"""`inbox audit export`: the audit trail as CSV or JSON lines, in sentences with names."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from typing import Any

from inbox.actions import privacy
from inbox.cli.common import CLI_ACTOR, CliError
from inbox.core.audit_trail import GROUPS, describe
from inbox.core.classify.pii import mask
from inbox.core.csv_out import CsvDictWriter
from inbox.core.timeutil import local_midnight, utcnow
from inbox.runtime import Runtime
from inbox.store.audit import AuditFilter, events, user_names
from inbox.store.db import session_scope

FIELDS = ("at", "actor", "actor_name", "kind", "group", "item_id", "sentence", "data")


def cmd_audit_export(rt: Runtime, args: argparse.Namespace) -> int:
    if args.start and args.end and args.end < args.start:
        raise CliError("--to is before --from")
    f = AuditFilter(
        since=local_midnight(args.start) if args.start else None,
        # --to names the last day, included.
        until=local_midnight(args.end + timedelta(days=1)) if args.end else None,
        actor=args.actor,
        kind=args.kind,
    )
    count = 0
    writer: Any = None
    if args.format == "json":
        sys.stdout.write("[")
    with rt.engine.connect() as conn:
        names = user_names(conn)
        for event in events(conn, f):
            who = names.get(event["actor"], event["actor"])
            data = event["data"] or {}
            row = {
                "at": event["at"].isoformat(),
                "actor": event["actor"],
                "actor_name": who,
                "kind": event["kind"],
                "group": next((k for k, g in GROUPS.items() if g.matches(event["kind"])), ""),
                "item_id": event["item_id"],
                # Personal data is masked here as in every export (in the sentence,
                # what people typed; in the data, everything).
                "sentence": str(describe(event["kind"], who, event["item_id"], data)),
                "data": mask(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)),
            }
            if args.format == "json":
                sys.stdout.write(
                    ("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False)
                )
            else:
                if writer is None:
                    writer = CsvDictWriter(
                        sys.stdout, fieldnames=list(FIELDS), dialect=args.csv_dialect
                    )
                    writer.writeheader()
                writer.writerow(row)
            count += 1
    if args.format == "json":
        sys.stdout.write("\n]\n")
    elif writer is None:
        CsvDictWriter(sys.stdout, fieldnames=list(FIELDS), dialect=args.csv_dialect).writeheader()
    with session_scope(rt.engine) as session:
        privacy.record_export(
            session,
            actor=CLI_ACTOR,
            now=utcnow(),
            what="granskningsloggen",
            count=count,
            format=args.format,
        )
    return 0
