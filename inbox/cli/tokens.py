"""`inbox tokens create|list|revoke`: API bearer tokens."""

from __future__ import annotations

import argparse
import sys

from sqlmodel import col, select

from inbox.actions import api_tokens, audit
from inbox.cli.common import CLI_ACTOR, CliError
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store.db import session_scope
from inbox.store.models import ApiToken


def cmd_tokens_create(rt: Runtime, args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        try:
            _token, secret = api_tokens.create_api_token(
                session,
                name=args.name,
                actor=CLI_ACTOR,
                now=utcnow(),
                scopes=tuple(args.scope or api_tokens.DEFAULT_SCOPES),
            )
        except audit.ActionError as exc:
            raise CliError(str(exc)) from None
    print(secret)
    print(f"token {args.name!r} created; it is shown only now", file=sys.stderr)
    return 0


def cmd_tokens_list(rt: Runtime, _args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        rows = session.exec(select(ApiToken).order_by(col(ApiToken.name), col(ApiToken.id))).all()
    width = max((len(t.name) for t in rows), default=4)
    for t in rows:
        state = "active" if t.revoked_at is None else f"revoked {t.revoked_at.isoformat()}"
        print(
            f"{t.name:<{width}}  {t.prefix}…  {t.scopes:<16}  "
            f"created {t.created_at.isoformat()}  {state}"
        )
    return 0


def cmd_tokens_revoke(rt: Runtime, args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        try:
            api_tokens.revoke_api_token(session, name=args.name, actor=CLI_ACTOR, now=utcnow())
        except audit.ActionError as exc:
            raise CliError(str(exc)) from None
    print(f"token {args.name!r} revoked")
    return 0
