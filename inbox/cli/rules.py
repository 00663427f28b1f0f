"""`inbox classify` and `inbox rules check|apply`: the rules files from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO, TypeVar

from sqlalchemy.engine import Engine

from inbox.actions import pages, tagging
from inbox.core.calendar import OfficeCalendar
from inbox.core.rules.duty import (
    DUTY_FILE,
    ESCALATION_FILE,
    load_duty_rota,
    load_escalation_rules,
)
from inbox.core.rules.files import RulesError
from inbox.core.rules.retention import FILE as RETENTION_FILE
from inbox.core.rules.retention import load_retention_rules
from inbox.core.rules.saved_replies import FILE as SAVED_REPLIES_FILE
from inbox.core.rules.saved_replies import load_saved_replies
from inbox.core.rules.tagging import Rules, load_rules
from inbox.core.tagging import tag_values
from inbox.core.timeutil import parse_instant, utcnow
from inbox.store.db import session_scope

MAX_LINE = 100_000

T = TypeVar("T")


def check(directory: Path, out: TextIO) -> int:
    """Validate every rules file the server loads at start-up; all problems on stderr.

    The tagging rules (departments, topics, routing, calendar, pages), the
    scheduler's escalation.toml and duty.toml, saved_replies.toml and retention.toml.
    """
    errors: list[str] = []

    def attempt(load: Callable[[], T]) -> T | None:
        try:
            return load()
        except RulesError as exc:
            # escalation.toml's departments are departments.toml's: one line per problem.
            errors.extend(p for p in exc.problems if p not in errors)
            return None

    escalation_path, duty_path = directory / ESCALATION_FILE, directory / DUTY_FILE
    replies_path = directory / SAVED_REPLIES_FILE
    rules = attempt(lambda: load_rules(directory))
    escalation = attempt(lambda: load_escalation_rules(directory))
    duty = attempt(lambda: load_duty_rota(duty_path))
    replies = attempt(lambda: load_saved_replies(replies_path))
    retention_path = directory / RETENTION_FILE
    retention = attempt(lambda: load_retention_rules(retention_path))
    for error in errors:
        print(f"inbox: error: {error}", file=sys.stderr)
    if rules is None or escalation is None or duty is None or replies is None:
        return 2
    if retention is None:
        return 2
    print(
        f"{directory}: {len(rules.departments)} departments, {len(rules.topics)} topics, "
        f"{len(rules.routing)} routing rules, {len(rules.closing_days)} closing days: ok",
        file=out,
    )
    registries = sorted(
        {d.registry for d in rules.departments.values() if d.registry}
        | {rules.registry or ""} - {""}
    )
    print(
        f"{directory / 'departments.toml'}: registry "
        + (", ".join(registries) if registries else "none (Registrera som ärende is off)")
        + ": ok",
        file=out,
    )
    print(
        f"{escalation_path}: alerts {_count(len(escalation.departments), 'department')} "
        f"of departments.toml, "
        f"acknowledge within {escalation.ack_timeout_minutes} minutes: ok",
        file=out,
    )
    print(
        f"{duty_path}: {_count(len(duty.people), 'person', 'people')}, "
        f"{_count(len(duty.shifts), 'shift')}, {_count(len(duty.rotation), 'rotation week')}: ok",
        file=out,
    )
    found = "" if replies_path.is_file() else " (no file)"
    print(
        f"{replies_path}: {_count(len(replies), 'saved reply', 'saved replies')}{found}: ok",
        file=out,
    )
    keeps = "erases after the periods set" if retention.erases_anything else "keeps everything"
    found = "" if retention_path.is_file() else " (no file)"
    print(
        f"{retention_path}: {_count(len(retention.pages), 'page override')}, {keeps}{found}: ok",
        file=out,
    )
    return 0


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def classify_stream(
    rules: Rules,
    lines: TextIO,
    out: TextIO,
    *,
    json_input: bool,
    defaults: argparse.Namespace,
    now: Callable[[], datetime] = utcnow,
) -> int:
    """One JSON object out per line in; a bad line gets an error object and status 1."""
    status = 0
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\n")
        try:
            if len(line) > MAX_LINE:
                raise ValueError(f"line longer than {MAX_LINE} characters")
            fields = _fields(line, json_input, defaults, now)
        except ValueError as exc:
            out.write(json.dumps({"line": number, "error": str(exc)}, ensure_ascii=False) + "\n")
            status = 1
            continue
        text, page, channel, kind, received_at = fields
        values = tag_values(
            text, rules, page=page, channel=channel, kind=kind, received_at=received_at
        )
        result = values["classification"]
        result.pop("pii_spans", None)
        result.pop("tags", None)
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return status


def _fields(
    line: str, json_input: bool, defaults: argparse.Namespace, now: Callable[[], datetime]
) -> tuple[str, str, str, str, datetime]:
    """(text, page, channel, kind, received_at) of one input line."""
    fields: dict[str, str] = {
        "text": line,
        "page": defaults.page,
        "channel": defaults.channel,
        "kind": defaults.kind,
    }
    received_at = now()
    if not json_input:
        return line, defaults.page, defaults.channel, defaults.kind, received_at
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise ValueError('expected an object with a "text" string')
    for key in ("text", "page", "channel", "kind"):
        if key in data:
            if not isinstance(data[key], str):
                raise ValueError(f'"{key}" must be a string')
            fields[key] = data[key]
    if "received_at" in data:
        if not isinstance(data["received_at"], str):
            raise ValueError('"received_at" must be an ISO 8601 string')
        received_at = parse_instant(data["received_at"])
    return fields["text"], fields["page"], fields["channel"], fields["kind"], received_at


def apply(engine: Engine, rules: Rules, out: TextIO, *, actor: str) -> int:
    calendar = OfficeCalendar(closing_days=frozenset(rules.closing_days))
    with session_scope(engine) as session:
        created, updated = pages.sync_pages(
            session, rules.pages, actor=actor, now=utcnow(), calendar=calendar
        )
        examined, changed = tagging.reroute_open_items(
            session, rules=rules, actor=actor, now=utcnow()
        )
    for key in created:
        print(f"created page {key}", file=out)
    for key in updated:
        print(f"updated page {key} from pages.toml", file=out)
    print(
        f"{examined} open items re-tagged, {changed} re-routed (recorded in the audit trail)",
        file=out,
    )
    return 0


def tag_pending(engine: Engine, rules: Rules, out: TextIO) -> int:
    """The tagging pass after a bulk import."""
    total = 0
    while True:
        with session_scope(engine) as session:
            done = tagging.tag_untagged(session, rules=rules)
        if not done:
            break
        total += done
    if total:
        print(f"tagged and routed {total} items", file=out)
    return total
