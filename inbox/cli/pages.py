"""`inbox pages add|list`."""

from __future__ import annotations

import argparse
import sys

from inbox.actions import audit
from inbox.actions import pages as pages_actions
from inbox.cli.common import CLI_ACTOR, CliError
from inbox.cli.quick import print_pages
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store import people
from inbox.store.db import session_scope


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
                receives=args.receives or "all",
                human_agent=bool(args.human_agent),
                reply_webhook=args.reply_webhook,
                reply_secret_cipher=_secret(rt, args),
                actor=CLI_ACTOR,
                now=utcnow(),
            )
        except audit.ActionError as exc:
            raise CliError(str(exc)) from None
        print(f"added page {page.key} ({page.name})")
    return 0


def cmd_pages_list(rt: Runtime, _args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        return print_pages(people.page_rows(session))


def _secret(rt: Runtime, args: argparse.Namespace) -> str | None:
    """The reply webhook's secret from stdin, sealed; None when not asked for."""
    if not args.reply_secret_stdin:
        return None
    secret = sys.stdin.readline().strip()
    if len(secret) < 16:
        raise CliError("the reply secret must have at least 16 characters")
    return rt.settings.token_box().seal(secret)


def cmd_pages_update(rt: Runtime, args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        try:
            page = pages_actions.update_page(
                session,
                key=args.key,
                receives=args.receives,
                human_agent=args.human_agent,
                reply_webhook=args.reply_webhook,
                reply_secret_cipher=_secret(rt, args),
                platform_id=args.platform_id,
                actor=CLI_ACTOR,
                now=utcnow(),
            )
        except audit.ActionError as exc:
            raise CliError(str(exc)) from None
        print(f"updated page {page.key}")
    return 0


def cmd_pages_connect(rt: Runtime, args: argparse.Namespace) -> int:
    """Check the token with Meta (it must belong to the page), then store it sealed."""
    from inbox.channels.meta.graph import GraphClient, GraphFailure

    token = sys.stdin.readline().strip()
    if not token:
        raise CliError("no token on standard input")
    with session_scope(rt.engine) as session:
        try:
            page = pages_actions.page_by_key(session, args.key)
        except audit.ActionError as exc:
            raise CliError(str(exc)) from None
        platform_id = page.platform_id
    if not platform_id:
        raise CliError(f"page {args.key!r} has no platform id: pages update KEY --platform-id ID")
    client = GraphClient(rt.settings.meta_graph_url, rt.settings.meta_graph_version)
    try:
        owner = client.check_token(platform_id, token=token)
    except GraphFailure as exc:
        raise CliError(f"Meta did not accept the token: {exc}") from None
    except ValueError:
        raise CliError("that does not look like an access token") from None
    finally:
        client.close()
    with session_scope(rt.engine) as session:
        try:
            pages_actions.connect_page(
                session,
                key=args.key,
                platform_id=owner.id,
                platform_name=owner.name,
                token_cipher=rt.settings.token_box().seal(token),
                actor=CLI_ACTOR,
                now=utcnow(),
            )
        except audit.ActionError as exc:
            raise CliError(str(exc)) from None
    print(f"connected page {args.key} ({owner.name}); the token is stored sealed")
    return 0
