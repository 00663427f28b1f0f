"""Polling a real IMAP server (Dovecot, started here on a loopback port)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from imapclient import IMAPClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from inbox.actions import email
from inbox.channels.email import imap as imap_poll
from inbox.runtime import Runtime
from inbox.settings import MailboxSettings, Settings
from inbox.store.models import MailboxState
from tests import mail_samples
from tests.dovecot import Dovecot, dovecot_binary, dovecot_server
from tests.factories import make_page
from tests.mail_checks import check_sample_items, items_by_id

NOW = datetime(2026, 11, 16, 13, 0, tzinfo=UTC)

pytestmark = pytest.mark.skipif(
    dovecot_binary() is None, reason="dovecot-imapd is not installed (.ci/run installs it)"
)


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with dovecot_server() as server:
        yield server


@pytest.fixture
def mailbox(dovecot: Dovecot, request: pytest.FixtureRequest) -> MailboxSettings:
    """A fresh folder per test on the shared server."""
    folder = "T" + request.node.name.replace("[", "_").replace("]", "")[:40]
    config = MailboxSettings(
        host=dovecot.host,
        port=dovecot.port,
        user=dovecot.user,
        password=dovecot.password,  # type: ignore[arg-type]
        ssl=False,
        folder=folder,
        address=mail_samples.OWN,
        timeout=10,
    )
    with imap(config) as client:
        client.create_folder(folder)
    return config


class imap:
    def __init__(self, config: MailboxSettings) -> None:
        self.client = IMAPClient(config.host, port=config.port, ssl=False, timeout=10)
        self.client.login(config.user, config.password.get_secret_value())

    def __enter__(self) -> IMAPClient:
        return self.client

    def __exit__(self, *exc: Any) -> None:
        self.client.logout()


def append(config: MailboxSettings, *messages: bytes) -> None:
    with imap(config) as client:
        for raw in messages:
            client.append(config.folder, mail_samples.crlf(raw))


def seen_flags(config: MailboxSettings) -> dict[int, bool]:
    with imap(config) as client:
        client.select_folder(config.folder, readonly=True)
        flags = client.get_flags(client.search(["ALL"]))
    return {uid: b"\\Seen" in f for uid, f in flags.items()}


def test_poll_stores_threads_and_marks_seen(engine: Engine, mailbox: MailboxSettings) -> None:
    make_page(engine, "kontakt", channel="email")
    append(mailbox, *mail_samples.ALL)
    assert set(seen_flags(mailbox).values()) == {False}

    summary = imap_poll.poll_mailbox(engine, "kontakt", mailbox, now=NOW)
    assert (summary.messages, summary.items, summary.own_replies, summary.responses) == (8, 7, 1, 2)
    check_sample_items(engine)
    assert set(seen_flags(mailbox).values()) == {True}
    with Session(engine) as session:
        state = session.get(MailboxState, 1)
    assert state is not None
    assert state.last_uid == 8

    # Nothing new: nothing fetched, nothing doubled.
    again = imap_poll.poll_mailbox(engine, "kontakt", mailbox, now=NOW)
    assert again.messages == 0
    # A new mail later is picked up alone.
    append(
        mailbox,
        b"From: Eva <eva@example.se>\nMessage-ID: <e1@example.se>\n"
        b"Date: Mon, 16 Nov 2026 12:30:00 +0100\nSubject: Hej\n\nEn fr\xc3\xa5ga\n",
    )
    later = imap_poll.poll_mailbox(engine, "kontakt", mailbox, now=NOW)
    assert (later.messages, later.items) == (1, 1)
    assert len(items_by_id(engine)) == 8


def test_a_failure_before_commit_leaves_the_mail_unseen(
    engine: Engine, mailbox: MailboxSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_page(engine, "kontakt", channel="email")
    append(mailbox, mail_samples.SWEDISH_QP, mail_samples.HTML_ONLY)
    real = email.advance_mailbox
    calls = []

    def failing(*args: Any, **kwargs: Any) -> MailboxState:
        calls.append(kwargs["last_uid"])
        if kwargs["last_uid"] == 2:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(email, "advance_mailbox", failing)
    with pytest.raises(RuntimeError, match="database went away"):
        imap_poll.poll_mailbox(engine, "kontakt", mailbox, now=NOW)
    assert seen_flags(mailbox) == {1: True, 2: False}
    assert list(items_by_id(engine)) == ["q1@example.se"]

    monkeypatch.setattr(email, "advance_mailbox", real)
    summary = imap_poll.poll_mailbox(engine, "kontakt", mailbox, now=NOW)
    assert (summary.messages, summary.items) == (1, 1)
    assert seen_flags(mailbox) == {1: True, 2: True}
    assert sorted(items_by_id(engine)) == ["h1@example.se", "q1@example.se"]


def test_a_new_uidvalidity_rereads_without_duplicates(
    engine: Engine, mailbox: MailboxSettings
) -> None:
    make_page(engine, "kontakt", channel="email")
    append(mailbox, *mail_samples.ALL)
    imap_poll.poll_mailbox(engine, "kontakt", mailbox, now=NOW)
    # The server renumbered the folder (UIDVALIDITY differs from the one stored).
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE mailbox_state SET uidvalidity = 1"))
    summary = imap_poll.poll_mailbox(engine, "kontakt", mailbox, now=NOW)
    assert (summary.messages, summary.items, summary.duplicates) == (8, 0, 7)
    assert summary.responses == 0
    check_sample_items(engine)


def test_poll_all_reports_each_mailbox(
    engine: Engine, database_url: str, mailbox: MailboxSettings
) -> None:
    make_page(engine, "kontakt", channel="email")
    append(mailbox, mail_samples.SWEDISH_QP)
    broken = mailbox.model_copy(update={"folder": "Saknas"})
    settings = Settings(database_url=database_url, mailboxes={"kontakt": mailbox, "trasig": broken})
    runtime = Runtime(settings=settings, engine=engine)
    make_page(engine, "trasig", channel="email")
    results = imap_poll.poll_all_mailboxes(runtime, now=NOW)
    ok = results["kontakt"]
    assert not isinstance(ok, str)
    assert ok.items == 1
    assert isinstance(results["trasig"], str)


def test_cli_mail_poll(
    engine: Engine,
    database_url: str,
    mailbox: MailboxSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from inbox.cli.main import main

    make_page(engine, "kontakt", channel="email")
    append(mailbox, mail_samples.SWEDISH_QP, mail_samples.AUTO_REPLY)
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
    # The password is a SecretStr: give it in clear in the JSON the way an operator would.
    monkeypatch.setenv(
        "INBOX_MAILBOXES",
        '{"kontakt": '
        + mailbox.model_dump_json(exclude={"password"})[:-1]
        + f', "password": "{mailbox.password.get_secret_value()}"}}}}',
    )
    assert main(["mail", "poll"]) == 0
    out = capsys.readouterr().out
    assert "kontakt: 2 messages: 2 new items" in out
    assert main(["mail", "poll", "--page", "nope"]) == 2
