"""`inbox export`: one row per item, CSV or JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from inbox.actions import privacy
from inbox.cli.common import CLI_ACTOR
from inbox.core.csv_out import CsvDictWriter
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store.db import session_scope
from inbox.store.queries import export_rows


def cmd_export(rt: Runtime, args: argparse.Namespace) -> int:
    """Every item, personal data masked; the export itself goes into the audit trail."""
    now = utcnow()
    count = 0
    with rt.engine.connect() as conn:
        rows = export_rows(conn, now=now)
        if args.format == "json":
            sys.stdout.write("[")
            for i, row in enumerate(rows):
                sys.stdout.write(("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False))
                count += 1
            sys.stdout.write("\n]\n")
        else:
            writer: Any = None
            for row in rows:
                if writer is None:
                    writer = CsvDictWriter(
                        sys.stdout, fieldnames=list(row), dialect=args.csv_dialect
                    )
                    writer.writeheader()
                writer.writerow(row)
                count += 1
    with session_scope(rt.engine) as session:
        privacy.record_export(
            session, actor=CLI_ACTOR, now=utcnow(), what="ärendena", count=count, format=args.format
        )
    return 0
