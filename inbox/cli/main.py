"""The ``inbox`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from inbox import actions
from inbox.channels.csv.importer import CsvFormatError, import_csv
from inbox.channels.email.files import EmailSummary, MailboxError, import_mail_file
from inbox.cli import rules as cli_rules
from inbox.core import formatting
from inbox.core.csv_out import CsvDictWriter, CsvWriter
from inbox.core.rules.files import RulesError
from inbox.core.rules.tagging import load_rules
from inbox.core.sla import CalendarKind
from inbox.core.timeutil import parse_instant, utcnow
from inbox.runtime import Runtime, start
from inbox.settings import Settings
from inbox.store.db import refresh_statistics, session_scope
from inbox.store.models import ApiToken, Channel, Page, Role, User
from inbox.store.queries import export_rows
from inbox.store.report import Report, build_report

CLI_ACTOR = "cli"
# An import this large changes the table enough to refresh the planner's statistics.
BULK_ROWS = 10_000


class CliError(Exception):
    """A usage or input error: printed without a traceback, exit status 2."""


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _instant(value: str) -> Any:
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_hours(value: str) -> float:
    try:
        hours = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 < hours <= 2160:
        raise argparse.ArgumentTypeError("target hours must be > 0 and ≤ 2160")
    return hours


def _server_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


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
    pages.add_parser("list", help="list pages")

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
    tokens.add_parser("create", help="make a token; it is printed once").add_argument("name")
    tokens.add_parser("list", help="list tokens (prefix only)")
    tokens.add_parser("revoke", help="revoke a token").add_argument("name")

    report = sub.add_parser("report", help="response metrics per page")
    report.add_argument("--from", dest="start", type=_date, required=True)
    report.add_argument("--to", dest="end", type=_date, required=True)
    report.add_argument("--as-of", dest="as_of", type=_instant, default=None)
    report.add_argument("--page", action="append", default=None)
    report.add_argument("--format", choices=["table", "json", "csv"], default="table")

    sweep = sub.add_parser("sweep", help="run the SLA sweep and deliver due notifications once")
    sweep.add_argument("--now", type=_instant, default=None, help="the moment (ISO 8601)")
    sub.add_parser("scheduler", help="run the scheduler as its own process")
    outbox = sub.add_parser("outbox", help="notifications").add_subparsers(
        dest="outbox_command", required=True
    )
    outbox_list = outbox.add_parser("list", help="the newest notifications")
    outbox_list.add_argument("--status", choices=["pending", "sent", "failed"], default=None)
    outbox_list.add_argument("--limit", type=int, default=50)

    cli_rules.add_parsers(sub)
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
    return parser


def cmd_pages_add(rt: Runtime, args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        try:
            page = actions.add_page(
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
        except actions.ActionError as exc:
            raise CliError(str(exc)) from None
        print(f"added page {page.key} ({page.name})")
    return 0


def cmd_pages_list(rt: Runtime, _args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        rows = session.exec(select(Page).order_by(Page.key)).all()
    width = max((len(p.key) for p in rows), default=3)
    for p in rows:
        target = formatting.number(p.target_hours)
        print(f"{p.key:<{width}}  {p.channel:<9}  {p.calendar:<6}  {target:>4} h  {p.name}")
    return 0


def _print_mail_summary(label: str, summary: EmailSummary) -> None:
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
    _print_mail_summary(path.name, summary)
    return 0


def cmd_mail_poll(rt: Runtime, args: argparse.Namespace) -> int:
    from inbox.channels.email.imap import poll_mailbox

    boxes = rt.settings.mailboxes
    keys = args.page or sorted(boxes)
    if not keys:
        raise CliError("no mailboxes configured: set INBOX_MAILBOXES (see README)")
    status = 0
    for key in keys:
        if key not in boxes:
            raise CliError(f"no mailbox configured for page {key!r}")
        try:
            summary = poll_mailbox(rt.engine, key, boxes[key], now=utcnow(), calendar=rt.calendar)
        except MailboxError as exc:
            raise CliError(str(exc)) from None
        except Exception as exc:
            print(f"{key}: poll failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            status = 1
            continue
        _print_mail_summary(key, summary)
    return status


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
    # Storage first (fast), then tagging and routing as a pass of its own.
    cli_rules.tag_pending(rt.engine, rt.rules, sys.stdout)
    if summary.inserted >= BULK_ROWS:
        refresh_statistics(rt.engine)
    return 1 if summary.errors else 0


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


def write_report(report: Report, fmt: str, out: TextIO) -> None:
    data = report.as_json()
    if fmt == "json":
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    rows = [*data["pages"], {"page": "Totalt", **data["total"]}]
    if fmt == "csv":
        names = [name for _, name, _ in TABLE_COLUMNS]
        writer = CsvWriter(out)
        writer.writerow(["page", *names])
        for row in rows:
            writer.writerow([row["page"], *(row[n] for n in names)])
        return
    header = ["Sida", *(label for label, _, _ in TABLE_COLUMNS)]
    body = [[str(row["page"]), *(_cell(row[n], k) for _, n, k in TABLE_COLUMNS)] for row in rows]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    out.write(
        f"Period {report.start.isoformat()} – {(report.end - timedelta(days=1)).isoformat()}, "
        f"per {formatting.local_datetime(report.as_of, pattern='d MMM y HH:mm')}\n"
    )
    for i, r in enumerate([header, *body]):
        cells = [
            r[0].ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)),
        ]
        out.write("  ".join(cells).rstrip() + "\n")
        if i == 0 or i == len(body) - 1:
            out.write("  ".join("-" * w for w in widths) + "\n")


def cmd_tokens_create(rt: Runtime, args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        try:
            _token, secret = actions.create_api_token(
                session, name=args.name, actor=CLI_ACTOR, now=utcnow()
            )
        except actions.ActionError as exc:
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
        print(f"{t.name:<{width}}  {t.prefix}…  created {t.created_at.isoformat()}  {state}")
    return 0


def cmd_tokens_revoke(rt: Runtime, args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        try:
            actions.revoke_api_token(session, name=args.name, actor=CLI_ACTOR, now=utcnow())
        except actions.ActionError as exc:
            raise CliError(str(exc)) from None
    print(f"token {args.name!r} revoked")
    return 0


def cmd_report(rt: Runtime, args: argparse.Namespace) -> int:
    as_of = args.as_of or utcnow()
    try:
        with rt.engine.connect() as conn:
            report = build_report(
                conn, start=args.start, end=args.end, as_of=as_of, page_keys=args.page
            )
    except (ValueError, LookupError) as exc:
        raise CliError(str(exc).strip("'\"")) from None
    write_report(report, args.format, sys.stdout)
    return 0


def cmd_export(rt: Runtime, args: argparse.Namespace) -> int:
    now = utcnow()
    with rt.engine.connect() as conn:
        rows = export_rows(conn, now=now)
        if args.format == "json":
            sys.stdout.write("[")
            for i, row in enumerate(rows):
                sys.stdout.write(("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False))
            sys.stdout.write("\n]\n")
            return 0
        writer: Any = None
        for row in rows:
            if writer is None:
                writer = CsvDictWriter(sys.stdout, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
    return 0


def _watch(rt: Runtime) -> Any:
    from inbox.scheduler import watch_of

    try:
        return watch_of(rt.settings, rt.calendar, tagging=rt.rules)
    except RulesError as exc:
        raise CliError(str(exc)) from None


def cmd_sweep(rt: Runtime, args: argparse.Namespace) -> int:
    from inbox.scheduler import run_tick

    now = args.now or utcnow()
    tick = run_tick(rt.engine, now=now, settings=rt.settings, watch=_watch(rt))
    s, d = tick.sweep, tick.delivery
    print(
        f"sweep at {now.isoformat()}: {s.at_risk} at risk, {s.breached} breached, "
        f"{s.urgent} urgent of {s.assessed} assessed, {s.escalated} escalated, "
        f"{s.forwarded} forwarded to backup, {tick.digests} digests, "
        f"{tick.summaries} summaries; delivered {d.sent}, retrying {d.retrying}, "
        f"failed {d.failed}"
    )
    return 0


def cmd_scheduler(rt: Runtime, _args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from inbox.scheduler import Scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    _watch(rt)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler = Scheduler(rt)
    scheduler.start()
    print(f"scheduler {scheduler.holder} running", flush=True)
    try:
        stop.wait()
    finally:
        scheduler.shutdown()
    return 0


def cmd_outbox_list(rt: Runtime, args: argparse.Namespace) -> int:
    from inbox.store.queries import outbox_list

    if not 1 <= args.limit <= 10000:
        raise CliError("--limit must be between 1 and 10000")
    with rt.engine.connect() as conn:
        rows = outbox_list(conn, status=args.status, limit=args.limit)
    for row in rows:
        when = row["sent_at"] or row["next_attempt_at"]
        error = f"  [{row['last_error']}]" if row["last_error"] else ""
        print(
            f"{row['id']:>6}  {row['status']:<7}  {row['attempts']:>2}  {row['kind']:<7}  "
            f"{when.isoformat()}  {row['recipient']}  {row['subject']}{error}"
        )
    return 0


def cmd_deliveries_list(rt: Runtime, args: argparse.Namespace) -> int:
    from inbox.actions.deliveries import list_deliveries

    with rt.engine.connect() as conn:
        rows = list_deliveries(conn, status=args.status, limit=args.limit)
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    for row in rows:
        error = f"  {row['error']}" if row["error"] else ""
        print(
            f"{row['id']:>8}  {row['source']:<5}  {row['received_at'][:19]}  "
            f"{row['status']:<12}  {row['bytes']:>7} B{error}"
        )
    return 0


def cmd_deliveries_process(rt: Runtime, args: argparse.Namespace) -> int:
    from inbox.actions.deliveries import retry_unknown_pages

    if args.retry_unknown:
        with rt.engine.begin() as conn:
            print(f"{retry_unknown_pages(conn)} deliveries for unknown pages requeued")
    total = 0
    while True:
        done = actions.process_deliveries(
            rt.engine, now=utcnow(), calendar=rt.calendar, rules=rt.rules
        )
        if not done:
            break
        total += done
    print(f"{total} deliveries processed")
    return 0


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
            user = actions.add_user(
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
        except actions.ActionError as exc:
            raise CliError(str(exc)) from None
        print(f"added user {user.email} ({user.role})")
    return 0


def cmd_users_password(rt: Runtime, args: argparse.Namespace) -> int:
    password = _read_password(args)
    with session_scope(rt.engine) as session:
        try:
            user = actions.set_user_password(
                session, email=args.email, password=password, actor=CLI_ACTOR, now=utcnow()
            )
        except actions.ActionError as exc:
            raise CliError(str(exc)) from None
        print(f"new password for {user.email}; their sessions have ended")
    return 0


def cmd_users_list(rt: Runtime, _args: argparse.Namespace) -> int:
    with session_scope(rt.engine) as session:
        for u in session.exec(select(User).order_by(col(User.email))).all():
            state = "active" if u.active else "inactive"
            print(f"{u.email}  {u.role}  {state}  {' '.join(u.departments)}  {u.name}")
    return 0


def cmd_serve(rt: Runtime, args: argparse.Namespace) -> int:
    import uvicorn

    from inbox.app import create_app

    # X-Forwarded-For is read by the app, from INBOX_TRUSTED_PROXIES only (inbox.web.proxies).
    app = create_app(rt.settings)  # RulesError on a broken saved_replies.toml
    print(f"inbox listening on http://{args.host}:{args.port}/", flush=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        proxy_headers=False,
    )
    return 0


def cmd_demo(rt: Runtime, args: argparse.Namespace) -> int:
    from inbox.actions.demo import load_demo

    summary = load_demo(rt.engine, now=utcnow(), calendar=rt.calendar, rules=rt.rules)
    print(summary)
    if args.no_serve:
        return 0
    return cmd_serve(rt, args)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # These read only the rules files: no database needed.
    if args.command == "rules" and args.rules_command == "check":
        return cli_rules.check(args.dir or Settings().rules_dir, sys.stdout)
    if args.command == "classify":
        try:
            rules = load_rules(Settings().rules_dir)
        except RulesError as exc:
            for line in exc.problems:
                print(f"inbox: error: {line}", file=sys.stderr)
            return 2
        return cli_rules.classify_stream(
            rules, sys.stdin, sys.stdout, json_input=args.json, defaults=args
        )
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
    handlers = {
        "serve": cmd_serve,
        "demo": cmd_demo,
        "import": cmd_import,
        "report": cmd_report,
        "export": cmd_export,
        "sweep": cmd_sweep,
        "scheduler": cmd_scheduler,
    }
    if args.command == "rules":
        return cli_rules.apply(rt.engine, rt.rules, sys.stdout, actor=CLI_ACTOR)
    if args.command == "mail":
        status = cmd_mail_poll(rt, args)
        cli_rules.tag_pending(rt.engine, rt.rules, sys.stdout)
        return status
    if args.command == "tokens":
        return {
            "create": cmd_tokens_create,
            "list": cmd_tokens_list,
            "revoke": cmd_tokens_revoke,
        }[args.tokens_command](rt, args)
    if args.command == "outbox":
        return cmd_outbox_list(rt, args)
    if args.command == "deliveries":
        handler = {"list": cmd_deliveries_list, "process": cmd_deliveries_process}
        return handler[args.deliveries_command](rt, args)
    if args.command == "users":
        return {
            "add": cmd_users_add,
            "password": cmd_users_password,
            "list": cmd_users_list,
        }[args.users_command](rt, args)
    if args.command == "pages":
        return {"add": cmd_pages_add, "list": cmd_pages_list}[args.pages_command](rt, args)
    return handlers[args.command](rt, args)


if __name__ == "__main__":
    raise SystemExit(main())
