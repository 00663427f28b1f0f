"""`inbox export`: one row per item, CSV or JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from inbox.core.csv_out import CsvDictWriter
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store.queries import export_rows


def cmd_export(rt: Runtime, args: argparse.Namespace) -> int:
    now = utcnow()
    with rt.engine.connect() as conn:
        rows = export_rows(conn, now=now)
        if args.format == "json":
            sys.stdout.write("[")
            for i, row in enumerate(rows):
                sys.stdout.write(("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False))
            sys.stdout.write("\n]\n")
            return 0
        writer: Any = None
        for row in rows:
            if writer is None:
                writer = CsvDictWriter(sys.stdout, fieldnames=list(row), dialect=args.csv_dialect)
                writer.writeheader()
            writer.writerow(row)
    return 0
