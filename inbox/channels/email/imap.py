"""Poll a mailbox page's IMAP folder: fetch what is new, store it, then mark it seen.

Progress is the last UID stored, valid only under the folder's UIDVALIDITY; the
UID advances in the same transaction as the item, and ``\\Seen`` is set only
after that commit. If the server's UIDVALIDITY changes, the folder is read
again from the start and Message-ID keys keep it from doubling anything.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy.engine import Engine

from inbox.actions import email
from inbox.channels.email.files import EmailSummary, mailbox_page, store_message
from inbox.core.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.core.send_outcome import SentCopyFailed
from inbox.core.text import Text
from inbox.runtime import Runtime
from inbox.settings import MailboxSettings
from inbox.store.db import session_scope
from inbox.store.models import MailboxState

log = logging.getLogger(__name__)
POLL_ACTOR = "imap"
FETCH_BATCH = 25
SEEN = b"\\Seen"
SENT_FLAG = b"\\Sent"
# Folder names taken for the Sent folder when none carries the \Sent flag, in order.
SENT_NAMES = ("Sent", "Skickat", "Sent Items")


def connect(config: MailboxSettings) -> IMAPClient:
    client = IMAPClient(config.host, port=config.port, ssl=config.ssl, timeout=config.timeout)
    client.normalise_times = False  # keep INTERNALDATE's own offset
    try:
        client.login(config.user, config.password.get_secret_value())
    except BaseException:
        try:  # a refused login leaves the connection open otherwise
            client.shutdown()
        except (IMAPClientError, OSError):
            log.debug("closing after a failed login failed", exc_info=True)
        raise
    return client


def _chunks(values: Sequence[int], size: int) -> list[list[int]]:
    return [list(values[i : i + size]) for i in range(0, len(values), size)]


def poll_mailbox(
    engine: Engine,
    page_key: str,
    config: MailboxSettings,
    *,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> EmailSummary:
    """Store every message not yet stored; raises on a connection or database error.

    A message is marked seen only once its item is committed, so a failure on the
    way leaves it unseen and it is fetched again by the next poll.
    """
    summary = EmailSummary()
    own = config.own()
    with session_scope(engine) as session:
        page = mailbox_page(session, page_key)
        state = session.get(MailboxState, page.id)
        known = (state.uidvalidity, state.last_uid) if state is not None else None
    client = connect(config)
    try:
        selected = client.select_folder(config.folder)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        last_uid = 0
        if known is not None and known[0] == uidvalidity:
            last_uid = known[1]
        elif known is not None:
            log.warning(
                "mailbox %s: UIDVALIDITY changed from %s to %s, reading the folder again",
                page_key,
                known[0],
                uidvalidity,
            )
        # "n:*" always includes the highest UID, even below n: filter again.
        uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
        for batch in _chunks(uids, FETCH_BATCH):
            fetched = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
            for uid in batch:
                data = fetched.get(uid)
                if data is None:  # expunged meanwhile
                    continue
                raw = data[b"BODY[]"]
                internal = data.get(b"INTERNALDATE")
                received = internal if isinstance(internal, datetime) else now
                if received.tzinfo is None:
                    received = received.replace(tzinfo=UTC)
                with session_scope(engine) as session:
                    page = mailbox_page(session, page_key)
                    outcome = store_message(
                        session,
                        raw,
                        page=page,
                        own_addresses=own,
                        received_at=received,
                        actor=POLL_ACTOR,
                        now=now,
                        calendar=calendar,
                    )
                    email.advance_mailbox(
                        session, page=page, uidvalidity=uidvalidity, last_uid=uid, now=now
                    )
                summary.add(outcome)
                client.add_flags([uid], [SEEN])
    finally:
        try:
            client.logout()
        except (IMAPClientError, OSError):
            log.debug("mailbox %s: logout failed", page_key, exc_info=True)
    return summary


def find_sent_folder(client: IMAPClient) -> str:
    """The folder flagged ``\\Sent`` (RFC 6154), else one of ``SENT_NAMES``, else a new ``Sent``.

    Names are matched without regard to case, also under a personal namespace
    prefix such as ``INBOX.``.
    """
    folders = client.list_folders()
    for flags, _, name in folders:
        if SENT_FLAG in flags or SENT_FLAG.decode() in flags:
            return str(name)
    by_name: dict[str, str] = {}
    for _, delimiter, name in folders:
        key = str(name)
        if delimiter and key.upper().startswith("INBOX" + delimiter.decode()):
            key = key[len("INBOX") + 1 :]
        by_name.setdefault(key.casefold(), str(name))
    for wanted in SENT_NAMES:
        if wanted.casefold() in by_name:
            return by_name[wanted.casefold()]
    client.create_folder(SENT_NAMES[0])
    return SENT_NAMES[0]


def append_to_sent(mailbox: MailboxSettings, raw: bytes, when: datetime) -> str:
    """Keep a sent message in the mailbox's Sent folder, marked ``\\Seen``; returns the folder.

    The organisation's own archive must hold what it sent. ``when`` becomes the
    copy's INTERNALDATE. A failure raises ``SentCopyFailed``: the message was
    sent all the same, so the caller records it and appends the copy again later.
    """
    try:
        client = connect(mailbox)
    except (IMAPClientError, OSError) as exc:
        raise _copy_failed(exc) from exc
    try:
        folder = find_sent_folder(client)
        client.append(folder, raw, flags=[SEEN], msg_time=when)
    except (IMAPClientError, OSError) as exc:
        raise _copy_failed(exc) from exc
    finally:
        try:
            client.logout()
        except (IMAPClientError, OSError):
            log.debug("append to Sent: logout failed", exc_info=True)
    return folder


def _copy_failed(exc: BaseException) -> SentCopyFailed:
    return SentCopyFailed(
        Text("Svaret skickades, men kopian kunde inte sparas i brevlådans mapp för skickat."),
        Text(
            "Skicka inte igen. Kopian sparas på nytt senare; kontrollera brevlådans "
            "IMAP-inställningar om det fortsätter."
        ),
        detail=f"{type(exc).__name__}: {exc}",
    )


def poll_all_mailboxes(runtime: Runtime, *, now: datetime) -> dict[str, EmailSummary | str]:
    """Poll every configured mailbox; one failing mailbox does not stop the others.

    Returns each page's summary, or the error that stopped it.
    """
    results: dict[str, EmailSummary | str] = {}
    for key, config in sorted(runtime.settings.mailboxes.items()):
        try:
            results[key] = poll_mailbox(
                runtime.engine, key, config, now=now, calendar=runtime.calendar
            )
        except Exception as exc:
            log.exception("mailbox %s: poll failed", key)
            results[key] = f"{type(exc).__name__}: {exc}"
    return results
