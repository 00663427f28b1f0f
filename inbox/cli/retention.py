"""`inbox retention run|hold|release|holds`: erasing what the retention rules say is due."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from sqlmodel import col, select

from inbox.actions import audit
from inbox.actions import retention as retention_actions
from inbox.cli.common import CLI_ACTOR, CliError
from inbox.core.rules.retention import FILE, load_retention_rules
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store.db import bulk_writes, session_scope
from inbox.store.models import LegalHold


def handler() -> str:
    """Who ran the command, as the audit trail names them."""
    try:
        return f"{CLI_ACTOR}:{getpass.getuser()}"
    except (KeyError, OSError):
        return CLI_ACTOR


def cmd_retention_run(rt: Runtime, args: argparse.Namespace) -> int:
    rules = load_retention_rules(rt.settings.rules_dir / FILE)
    now = args.now or utcnow()
    # A bulk write: SQLite checkpoints its log less often meanwhile, as for an import.
    with bulk_writes(rt.engine):
        result = retention_actions.run_retention(
            rt.engine, rules, now=now, dry_run=args.dry_run, actor=handler()
        )
    if args.format == "json":
        print(json.dumps(result.as_json(), ensure_ascii=False))
        return 0
    counts = result.as_json()
    if not rules.erases_anything:
        print(f"{rules.path}: no retention periods set: everything is kept")
    verb = "would erase" if args.dry_run else "erased"
    print(f"due {result.due}, on hold {result.held}, {verb} {result.due - result.held} items")
    if not args.dry_run:
        print(
            ", ".join(
                f"{name} {counts[name]}"
                for name in (
                    "responses",
                    "notes",
                    "outbound",
                    "sources",
                    "notifications",
                    "events",
                    "deliveries",
                    "tokens",
                )
            )
        )
        print(
            f"{result.batches} batches, longest {result.longest_batch_seconds:.3f} s "
            "(recorded in the audit trail)"
        )
    return 0


def cmd_retention_hold(rt: Runtime, args: argparse.Namespace) -> int:
    try:
        with session_scope(rt.engine) as session:
            retention_actions.place_hold(
                session, item_id=args.item, reason=args.reason, actor=handler(), now=utcnow()
            )
    except audit.ActionError as exc:
        raise CliError(str(exc)) from None
    print(f"item {args.item} is on hold: it is not erased until released")
    return 0


def cmd_retention_release(rt: Runtime, args: argparse.Namespace) -> int:
    try:
        with session_scope(rt.engine) as session:
            retention_actions.release_hold(
                session, item_id=args.item, reason=args.reason, actor=handler(), now=utcnow()
            )
    except audit.ActionError as exc:
        raise CliError(str(exc)) from None
    print(f"item {args.item} is released from its hold")
    return 0


def cmd_retention_holds(rt: Runtime, _args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        holds = session.exec(select(LegalHold).order_by(col(LegalHold.item_id))).all()
        for hold in holds:
            print(
                f"{hold.item_id}  {hold.created_at.isoformat()}  {hold.actor}  {hold.reason}",
                file=sys.stdout,
            )
    return 0
