"""`inbox mail poll`: new mail from the configured IMAP mailboxes."""

from __future__ import annotations

import argparse
import sys

from inbox.channels.email.files import MailboxError
from inbox.cli.common import CliError
from inbox.cli.importing import print_mail_summary
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime


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
        print_mail_summary(key, summary)
    return status
