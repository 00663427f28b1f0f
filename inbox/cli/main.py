"""The ``inbox`` command line: the parser, and the command each word runs.

Nothing heavy is imported here: each command's module (``inbox.cli.pages``,
``inbox.cli.report`` ...) is imported when that command runs, and the database,
the settings and the rules are opened only by commands that need them, so
``inbox --help`` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from inbox.cli.common import CLI_ACTOR, CliError, _date, _instant, _positive_hours
from inbox.core.csv_out import DIALECTS
from inbox.core.kinds import CalendarKind, Channel, Role

if TYPE_CHECKING:
    from inbox.runtime import Runtime

# command, subcommand -> "module:function" under inbox.cli
COMMANDS = {
    ("serve", None): "serve:cmd_serve",
    ("demo", None): "serve:cmd_demo",
    ("import", None): "importing:cmd_import",
    ("report", None): "report:cmd_report",
    ("export", None): "export:cmd_export",
    ("audit", "export"): "audit:cmd_audit_export",
    ("sweep", None): "sweep:cmd_sweep",
    ("scheduler", None): "sweep:cmd_scheduler",
    ("mail", "poll"): "mail:cmd_mail_poll",
    ("tokens", "create"): "tokens:cmd_tokens_create",
    ("tokens", "list"): "tokens:cmd_tokens_list",
    ("tokens", "revoke"): "tokens:cmd_tokens_revoke",
    ("outbox", "list"): "outbox:cmd_outbox_list",
    ("outbox", "send"): "outbox:cmd_outbox_send",
    ("pages", "update"): "pages:cmd_pages_update",
    ("pages", "connect"): "pages:cmd_pages_connect",
    ("deliveries", "list"): "deliveries:cmd_deliveries_list",
    ("deliveries", "process"): "deliveries:cmd_deliveries_process",
    ("users", "add"): "users:cmd_users_add",
    ("users", "password"): "users:cmd_users_password",
    ("users", "list"): "users:cmd_users_list",
    ("pages", "add"): "pages:cmd_pages_add",
    ("pages", "list"): "pages:cmd_pages_list",
    ("retention", "run"): "retention:cmd_retention_run",
    ("retention", "hold"): "retention:cmd_retention_hold",
    ("retention", "release"): "retention:cmd_retention_release",
    ("retention", "holds"): "retention:cmd_retention_holds",
    ("person", "find"): "person:cmd_person_find",
    ("person", "export"): "person:cmd_person_export",
    ("person", "erase"): "person:cmd_person_erase",
}


def _server_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def _rules_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    classify = sub.add_parser(
        "classify", help="tag and route texts from standard input, one JSON object per line"
    )
    classify.add_argument(
        "--json",
        action="store_true",
        help='read JSON lines: {"text": ..., "page"?, "channel"?, "kind"?, "received_at"?}',
    )
    classify.add_argument("--page", default="", help="page key the texts came from")
    classify.add_argument("--channel", default="facebook")
    classify.add_argument("--kind", default="comment")
    rules = sub.add_parser("rules", help="the rules files").add_subparsers(
        dest="rules_command", required=True
    )
    check = rules.add_parser("check", help="validate the rules files")
    check.add_argument("--dir", type=Path, default=None, help="rules directory to check")
    rules.add_parser("apply", help="re-tag and re-route open items with the current rules")


def _page_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--receives",
        choices=["all", "feed", "messages"],
        default=None,
        help="what the page takes of what arrives under its platform id (default all)",
    )
    agent = parser.add_mutually_exclusive_group()
    agent.add_argument(
        "--human-agent",
        dest="human_agent",
        action="store_const",
        const=True,
        help="Messenger answers up to 7 days after the last message (HUMAN_AGENT tag)",
    )
    agent.add_argument("--no-human-agent", dest="human_agent", action="store_const", const=False)
    parser.add_argument("--reply-webhook", default=None, help="API pages: where replies go")
    parser.add_argument(
        "--reply-secret-stdin",
        action="store_true",
        help="API pages: read the secret that signs replies from stdin",
    )


def _person_args(parser: argparse.ArgumentParser) -> None:
    who = parser.add_argument_group("the person (at least one)")
    who.add_argument("--author", default=None, help="the name as the person writes it")
    who.add_argument("--email", default=None)
    who.add_argument("--phone", default=None)
    who.add_argument("--personnummer", default=None, help="or samordningsnummer, 10 or 12 digits")
    who.add_argument("--platform-id", dest="platform_id", default=None, help="the author's id")


def _retention_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    retention = sub.add_parser(
        "retention", help="erase personal data the retention rules say is due"
    ).add_subparsers(dest="retention_command", required=True)
    run = retention.add_parser(
        "run",
        help="erase what rules/retention.toml says is due (the figures are kept)",
    )
    run.add_argument("--now", type=_instant, default=None, help="the moment (ISO 8601)")
    run.add_argument("--dry-run", action="store_true", help="only count what is due")
    run.add_argument("--format", choices=["text", "json"], default="text")
    hold = retention.add_parser("hold", help="a legal hold: never erase this item until released")
    hold.add_argument("item", type=int)
    hold.add_argument("--reason", required=True)
    release = retention.add_parser("release", help="end an item's legal hold")
    release.add_argument("item", type=int)
    release.add_argument("--reason", required=True)
    retention.add_parser("holds", help="list the items on legal hold")
    person = sub.add_parser("person", help="one person's data: find, export, erase").add_subparsers(
        dest="person_command", required=True
    )
    _person_args(
        person.add_parser(
            "find", help="every item, response, note and event of or about the person (JSON lines)"
        )
    )
    export = person.add_parser("export", help="the person's data as HTML and JSON files")
    _person_args(export)
    export.add_argument(
        "--output", type=Path, required=True, help="the HTML file; the JSON goes beside it"
    )
    erase = person.add_parser("erase", help="erase the person's data (the figures are kept)")
    _person_args(erase)
    erase.add_argument("--reason", required=True, help="the request, e.g. its reference")
    erase.add_argument("--yes", action="store_true", help="really erase (without: only count)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inbox", description="Community-management inbox with SLA tracking."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    _server_args(sub.add_parser("serve", help="start the web server"))
    demo = sub.add_parser("demo", help="fill the database with demo data and start the server")
    _server_args(demo)
    demo.add_argument("--no-serve", action="store_true", help="only load the demo data")
    sub.add_parser("migrate", help="apply database migrations")

    pages = sub.add_parser("pages", help="manage pages").add_subparsers(
        dest="pages_command", required=True
    )
    add = pages.add_parser("add", help="add a page")
    add.add_argument("key")
    add.add_argument("--name", required=True)
    add.add_argument("--channel", choices=[c.value for c in Channel], default="facebook")
    add.add_argument("--calendar", choices=[c.value for c in CalendarKind], default="office")
    add.add_argument("--target-hours", type=_positive_hours, default=24.0)
    add.add_argument("--platform-id", default=None, help="the platform's id of the page")
    _page_options(add)
    pages.add_parser("list", help="list pages and whether each can send")
    update = pages.add_parser("update", help="change how a page sends and what it receives")
    update.add_argument("key")
    update.add_argument("--platform-id", default=None)
    _page_options(update)
    connect = pages.add_parser(
        "connect", help="store the page's access token (checked with Meta, stored sealed)"
    )
    connect.add_argument("key")
    connect.add_argument(
        "--token-stdin", action="store_true", required=True, help="read the token from stdin"
    )

    imp = sub.add_parser("import", help="import items from a CSV, .eml or .mbox file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--page", default=None, help="the mailbox page (required for .eml/.mbox)")

    mail = sub.add_parser("mail", help="mailbox pages").add_subparsers(
        dest="mail_command", required=True
    )
    poll = mail.add_parser("poll", help="fetch new mail from the configured IMAP mailboxes")
    poll.add_argument("--page", action="append", default=None, help="only this mailbox page")

    tokens = sub.add_parser("tokens", help="API bearer tokens").add_subparsers(
        dest="tokens_command", required=True
    )
    tcreate = tokens.add_parser("create", help="make a token; it is printed once")
    tcreate.add_argument("name")
    tcreate.add_argument(
        "--scope",
        action="append",
        choices=["read", "items", "reply"],
        help="what the token may do (repeat it; default: read and items); "
        "reply may send replies and moderation to the platforms",
    )
    tokens.add_parser("list", help="list tokens (prefix only)")
    tokens.add_parser("revoke", help="revoke a token").add_argument("name")

    report = sub.add_parser(
        "report",
        help="response metrics per page",
        description="Response metrics per page for items received in a window of local "
        "dates (Europe/Stockholm): from --from (included) up to --to (not included), the "
        "spec's half-open window [from, to). --until names the last day instead, included, "
        "as the dashboard's 'Till och med' does: --from 2026-11-01 --until 2026-11-30 is "
        "--from 2026-11-01 --to 2026-12-01. Every output states the window in the same words.",
    )
    report.add_argument(
        "--from",
        dest="start",
        type=_date,
        required=True,
        metavar="YYYY-MM-DD",
        help="first day, included",
    )
    last = report.add_mutually_exclusive_group(required=True)
    last.add_argument(
        "--to",
        dest="end",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the day after the window, NOT included (half-open)",
    )
    last.add_argument(
        "--until",
        dest="until",
        type=_date,
        metavar="YYYY-MM-DD",
        help="last day, included (as the dashboard's)",
    )
    report.add_argument("--as-of", dest="as_of", type=_instant, default=None)
    report.add_argument("--page", action="append", default=None)
    report.add_argument("--format", choices=["table", "json", "csv"], default="table")
    _csv_dialect(report)

    sweep = sub.add_parser("sweep", help="run the SLA sweep and deliver due notifications once")
    sweep.add_argument("--now", type=_instant, default=None, help="the moment (ISO 8601)")
    sub.add_parser("scheduler", help="run the scheduler as its own process")
    outbox = sub.add_parser("outbox", help="notifications").add_subparsers(
        dest="outbox_command", required=True
    )
    outbox.add_parser(
        "send", help="send every reply, moderation and notification that is due, once"
    )
    outbox_list = outbox.add_parser("list", help="the newest notifications")
    outbox_list.add_argument("--status", choices=["pending", "sent", "failed"], default=None)
    outbox_list.add_argument("--limit", type=int, default=50)

    _rules_parsers(sub)
    _retention_parsers(sub)
    deliveries = sub.add_parser("deliveries", help="stored webhook deliveries").add_subparsers(
        dest="deliveries_command", required=True
    )
    dlist = deliveries.add_parser("list", help="list stored deliveries, newest first")
    dlist.add_argument(
        "--status", choices=["pending", "processed", "failed", "unknown_page"], default=None
    )
    dlist.add_argument("--limit", type=int, default=50)
    dlist.add_argument("--format", choices=["table", "json"], default="table")
    dproc = deliveries.add_parser("process", help="turn pending deliveries into items")
    dproc.add_argument(
        "--retry-unknown", action="store_true", help="first requeue deliveries for unknown pages"
    )
    users = sub.add_parser("users", help="manage users").add_subparsers(
        dest="users_command", required=True
    )
    uadd = users.add_parser("add", help="add a user (prompts for the password)")
    uadd.add_argument("email")
    uadd.add_argument("--role", choices=[r.value for r in Role], required=True)
    uadd.add_argument("--department", action="append", default=[], dest="departments")
    uadd.add_argument("--name", default="")
    uadd.add_argument("--duty", action="store_true", help="may act as the person on duty")
    uadd.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    upass = users.add_parser(
        "password", help="set a user's password (prompts); ends the user's sessions"
    )
    upass.add_argument("email")
    upass.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    users.add_parser("list", help="list users")

    export = sub.add_parser("export", help="one row per item")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    _csv_dialect(export)

    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(
        dest="audit_command", required=True
    )
    aexport = audit.add_parser(
        "export",
        help="who read, revealed, replied, removed, exported, erased and registered what, when",
        description="Events oldest first. --from and --to are local dates (Europe/Stockholm), "
        "both included. --kind is a group (read, revealed, replied, removed, exported, erased, "
        "registered) or one stored event kind. Personal data in the rows is masked.",
    )
    aexport.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD")
    aexport.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD")
    aexport.add_argument("--actor", help="the person's e-mail address (or cli, scheduler ...)")
    aexport.add_argument("--kind")
    aexport.add_argument("--format", choices=["csv", "json"], default="csv")
    _csv_dialect(aexport)
    return parser


def _csv_dialect(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--csv-dialect",
        choices=list(DIALECTS),
        default="excel",
        help="excel (default): for Swedish spreadsheets, UTF-8 with BOM, semicolons, decimal "
        "comma, Swedish headings; plain: for scripts, UTF-8, commas, decimal point, field names",
    )


def _handler(args: argparse.Namespace) -> Callable[[Runtime, argparse.Namespace], int]:
    sub = next((v for k, v in vars(args).items() if k.endswith("_command")), None)
    module, name = COMMANDS[(args.command, sub)].split(":")
    return getattr(importlib.import_module(f"inbox.cli.{module}"), name)  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "pages" and args.pages_command == "list":
        from inbox.cli.quick import quick_pages_list

        quick = quick_pages_list()
        if quick is not None:
            return quick
    from inbox.core.rules.files import RulesError
    from inbox.core.rules.tagging import load_rules
    from inbox.settings import Settings

    # These read only the rules files: no database needed.
    if args.command == "rules" and args.rules_command == "check":
        from inbox.cli import rules as cli_rules

        return cli_rules.check(args.dir or Settings().rules_dir, sys.stdout)
    if args.command == "classify":
        from inbox.cli import rules as cli_rules

        try:
            rules = load_rules(Settings().rules_dir)
        except RulesError as exc:
            for line in exc.problems:
                print(f"inbox: error: {line}", file=sys.stderr)
            return 2
        return cli_rules.classify_stream(
            rules, sys.stdin, sys.stdout, json_input=args.json, defaults=args
        )
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from inbox.runtime import start

    try:
        rt = start()
    except RulesError as exc:
        for line in exc.problems:
            print(f"inbox: error: invalid rules, not starting: {line}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"inbox: error: cannot open the database: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        # Only the messages: the input values may hold secrets.
        for error in exc.errors(include_input=False, include_url=False):
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            print(
                f"inbox: error: invalid settings: {where + ': ' if where else ''}{message}",
                file=sys.stderr,
            )
        return 2
    try:
        return _dispatch(rt, args)
    except CliError as exc:
        print(f"inbox: error: {exc}", file=sys.stderr)
        return 2
    except RulesError as exc:
        # A rules file read once the database is open (saved replies, the duty rota).
        for line in exc.problems:
            print(f"inbox: error: invalid rules, not starting: {line}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly.
        sys.stderr.close()
        return 0
    finally:
        rt.engine.dispose()


def _dispatch(rt: Runtime, args: argparse.Namespace) -> int:
    if args.command == "migrate":
        print("database is at the newest migration")
        return 0
    if args.command == "rules":
        from inbox.cli import rules as cli_rules

        return cli_rules.apply(rt.engine, rt.rules, sys.stdout, actor=CLI_ACTOR)
    status = _handler(args)(rt, args)
    if args.command == "mail":
        from inbox.cli import rules as cli_rules

        cli_rules.tag_pending(rt.engine, rt.rules, sys.stdout)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
