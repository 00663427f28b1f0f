"""`inbox import FILE`: a CSV backfill or .eml/.mbox mail into a mailbox page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inbox.channels.csv.importer import CsvFormatError, import_csv
from inbox.channels.email.files import EmailSummary, MailboxError, import_mail_file
from inbox.cli import rules as cli_rules
from inbox.cli.common import BULK_ROWS, CLI_ACTOR, CliError
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store.db import refresh_statistics


def print_mail_summary(label: str, summary: EmailSummary) -> None:
    print(
        f"{label}: {summary.messages} messages: {summary.items} new items, "
        f"{summary.duplicates} already present, {summary.own_replies} our own replies "
        f"({summary.responses} responses recorded)"
    )


def cmd_import_mail(rt: Runtime, args: argparse.Namespace) -> int:
    path: Path = args.file
    if not args.page:
        raise CliError(f"importing {path.name} needs --page KEY (an email page)")
    config = rt.settings.mailboxes.get(args.page)
    try:
        summary = import_mail_file(
            rt.engine,
            path,
            page_key=args.page,
            own_addresses=config.own() if config is not None else frozenset(),
            actor=CLI_ACTOR,
            now=utcnow(),
            calendar=rt.calendar,
        )
    except (MailboxError, OSError) as exc:
        raise CliError(f"{path.name}: {exc}") from None
    print_mail_summary(path.name, summary)
    return 0


def cmd_import(rt: Runtime, args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    if path.suffix.lower() in (".eml", ".mbox"):
        status = cmd_import_mail(rt, args)
        cli_rules.tag_pending(rt.engine, rt.rules, sys.stdout)
        return status
    if path.suffix.lower() != ".csv":
        raise CliError(f"cannot import {path.name}: expected a .csv, .eml or .mbox file")
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        total = max(sum(1 for _ in path.open("rb")) - 1, 0)
        bar = tqdm(total=total, unit="rader", file=sys.stderr)
    try:
        summary = import_csv(
            rt.engine,
            path,
            actor=CLI_ACTOR,
            now=utcnow(),
            calendar=rt.calendar,
            progress=bar.update if bar is not None else None,
            rules=rt.rules,
        )
    except CsvFormatError as exc:
        raise CliError(f"{path.name}: {exc}") from None
    finally:
        if bar is not None:
            bar.close()
    for key in summary.created_pages:
        print(f"created page {key} with default settings")
    for line, reason in summary.errors:
        print(f"{path.name}:{line}: {reason}", file=sys.stderr)
    print(
        f"{summary.rows} rows: {summary.inserted} imported, {summary.skipped} already present, "
        f"{len(summary.errors)} rejected"
    )
    # The import stored its items tagged and routed; items an older import left
    # untagged are tagged now.
    cli_rules.tag_pending(rt.engine, rt.rules, sys.stdout)
    if summary.inserted >= BULK_ROWS:
        refresh_statistics(rt.engine)
    return 1 if summary.errors else 0
