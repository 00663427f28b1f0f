"""`inbox users add|password|list`."""

from __future__ import annotations

import argparse
import sys

from sqlmodel import col, select

from inbox.actions import audit
from inbox.actions import users as users_actions
from inbox.cli.common import CLI_ACTOR, CliError
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store.db import session_scope
from inbox.store.models import User


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("Lösenord: ")
    if getpass.getpass("Upprepa lösenordet: ") != first:
        raise CliError("the passwords differ")
    return first


def cmd_users_add(rt: Runtime, args: argparse.Namespace) -> int:
    password = _read_password(args)
    with session_scope(rt.engine) as session:
        try:
            user = users_actions.add_user(
                session,
                email=args.email,
                name=args.name,
                password=password,
                role=args.role,
                departments=args.departments,
                duty=args.duty,
                actor=CLI_ACTOR,
                now=utcnow(),
            )
        except audit.ActionError as exc:
            raise CliError(str(exc)) from None
        print(f"added user {user.email} ({user.role})")
    return 0


def cmd_users_password(rt: Runtime, args: argparse.Namespace) -> int:
    password = _read_password(args)
    with session_scope(rt.engine) as session:
        try:
            user = users_actions.set_user_password(
                session, email=args.email, password=password, actor=CLI_ACTOR, now=utcnow()
            )
        except audit.ActionError as exc:
            raise CliError(str(exc)) from None
        print(f"new password for {user.email}; their sessions have ended")
    return 0


def cmd_users_list(rt: Runtime, _args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        for u in session.exec(select(User).order_by(col(User.email))).all():
            state = "active" if u.active else "inactive"
            print(f"{u.email}  {u.role}  {state}  {' '.join(u.departments)}  {u.name}")
    return 0
