"""`inbox report`: response metrics per page as a table, JSON or CSV."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from typing import Any, TextIO

from inbox.cli.common import CliError
from inbox.core import formatting
from inbox.core.csv_out import CsvWriter, Dialect
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store.report import (
    WINDOW_FIELDS,
    Report,
    build_report,
    window_cells,
    write_window_head,
)

TABLE_COLUMNS = (
    ("Inkomna", "received", "int"),
    ("Undantagna", "excluded", "int"),
    ("Kräver svar", "requiring_response", "int"),
    ("Besvarade", "responded", "int"),
    ("Svarsfrekvens", "response_rate", "pct"),
    ("Median svarstid", "median_response_minutes", "dur"),
    ("Medel svarstid", "mean_response_minutes", "dur"),
    ("Median kontorstid", "median_office_minutes", "dur"),
    ("Inom målet", "within_target", "int"),
    ("Andel inom målet", "within_target_rate", "pct"),
    ("Försenade", "breached", "int"),
    ("Dialoger", "dialogues", "int"),
    ("Dialoger där sidan deltog", "dialogues_page_took_part", "int"),
)


def _cell(value: Any, kind: str) -> str:
    if kind == "pct":
        return formatting.percent(value)
    if kind == "dur":
        return formatting.duration(value)
    return formatting.number(value)


def write_report(report: Report, fmt: str, out: TextIO, dialect: Dialect = "excel") -> None:
    data = report.as_json()
    if fmt == "json":
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    rows = [*data["pages"], {"page": "Totalt", "name": "Totalt", **data["total"]}]
    if fmt == "csv":
        names = [name for _, name, _ in TABLE_COLUMNS]
        writer = CsvWriter(out, dialect)
        write_window_head(writer, report)
        extra = window_cells(writer, report)
        writer.writeheader(["page", "name", *names, *(WINDOW_FIELDS if extra else ())])
        for row in rows:
            writer.writerow([row["page"], row["name"], *(row[n] for n in names), *extra])
        return
    header = ["Sida", *(label for label, _, _ in TABLE_COLUMNS)]
    body = [[str(row["name"]), *(_cell(row[n], k) for _, n, k in TABLE_COLUMNS)] for row in rows]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    out.write(f"{report.window}\n")
    for i, r in enumerate([header, *body]):
        cells = [
            r[0].ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)),
        ]
        out.write("  ".join(cells).rstrip() + "\n")
        if i == 0 or i == len(body) - 1:
            out.write("  ".join("-" * w for w in widths) + "\n")


def cmd_report(rt: Runtime, args: argparse.Namespace) -> int:
    as_of = args.as_of or utcnow()
    end = args.end if args.until is None else args.until + timedelta(days=1)
    try:
        with rt.engine.connect() as conn:
            report = build_report(conn, start=args.start, end=end, as_of=as_of, page_keys=args.page)
    except (ValueError, LookupError) as exc:
        message = str(exc).strip("'\"")
        if args.until is not None:
            message = message.replace("--to must be after", "--until must not be before")
        raise CliError(message) from None
    write_report(report, args.format, sys.stdout, args.csv_dialect)
    return 0
