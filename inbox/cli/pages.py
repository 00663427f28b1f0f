"""`inbox pages add|list`."""

from __future__ import annotations

import argparse

from sqlmodel import select

from inbox.actions import audit
from inbox.actions import pages as pages_actions
from inbox.cli.common import CLI_ACTOR, CliError
from inbox.cli.quick import print_pages
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store.db import session_scope
from inbox.store.models import Page


def cmd_pages_add(rt: Runtime, args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        try:
            page = pages_actions.add_page(
                session,
                key=args.key,
                name=args.name,
                channel=args.channel,
                calendar=args.calendar,
                target_hours=args.target_hours,
                platform_id=args.platform_id,
                actor=CLI_ACTOR,
                now=utcnow(),
            )
        except audit.ActionError as exc:
            raise CliError(str(exc)) from None
        print(f"added page {page.key} ({page.name})")
    return 0


def cmd_pages_list(rt: Runtime, _args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        rows = session.exec(select(Page).order_by(Page.key)).all()
    return print_pages(rows)
