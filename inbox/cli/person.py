"""`inbox person find|export|erase`: one person's request to see or erase their data."""

from __future__ import annotations

import argparse
import json
import sys

from inbox.actions import audit, person_index
from inbox.actions import retention as retention_actions
from inbox.cli.common import CliError
from inbox.cli.retention import handler
from inbox.core.person import Person
from inbox.core.person_export import export_html, export_json
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store.db import session_scope


def person_of(args: argparse.Namespace) -> Person:
    try:
        return Person(
            author=args.author or "",
            email=args.email or "",
            phone=args.phone or "",
            personnummer=args.personnummer or "",
            platform_id=args.platform_id or "",
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None


def cmd_person_find(rt: Runtime, args: argparse.Namespace) -> int:
    data = person_index.find(rt.engine, person_of(args))
    for line in data.everything():
        print(json.dumps(line.as_json(), ensure_ascii=False))
    return 0


def cmd_person_export(rt: Runtime, args: argparse.Namespace) -> int:
    person = person_of(args)
    data = person_index.find(rt.engine, person)
    now = utcnow()
    lines = [f.as_json() for f in data.everything()]
    html_path = args.output
    json_path = html_path.with_suffix(".json")
    html_path.write_text(export_html(lines, person.as_dict(), now), encoding="utf-8")
    json_path.write_text(
        json.dumps(export_json(lines, person.as_dict(), now), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    with session_scope(rt.engine) as session:
        audit.record_event(
            session,
            actor=handler(),
            kind="person_exported",
            now=now,
            named_by=sorted(k for k, v in person.as_dict().items() if v),
            **data.counts(),
        )
    print(f"wrote {html_path} and {json_path}: {len(lines)} entries")
    return 0


def cmd_person_erase(rt: Runtime, args: argparse.Namespace) -> int:
    person = person_of(args)
    data = person_index.find(rt.engine, person)
    counts = data.counts()
    summary = ", ".join(f"{k} {v}" for k, v in counts.items())
    if not args.yes:
        print(f"would erase: {summary}; on hold (kept): {len(data.held_item_ids)}")
        print("nothing erased: add --yes to erase", file=sys.stderr)
        return 1
    try:
        erased, held = retention_actions.erase_person(
            rt.engine,
            person,
            data.own_item_ids,
            mentions=data.mention_item_ids,
            reason=args.reason,
            actor=handler(),
            now=utcnow(),
        )
    except audit.ActionError as exc:
        raise CliError(str(exc)) from None
    done = ", ".join(f"{k} {v}" for k, v in erased.counts().items())
    print(f"erased: {done}; kept on hold: {len(held)} (recorded in the audit trail)")
    return 0
