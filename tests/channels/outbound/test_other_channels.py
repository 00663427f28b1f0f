"""Replies on the other channels, through the same sender: e-mail and API pages."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from imapclient import IMAPClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from inbox.actions import outbound
from inbox.channels.email.files import store_message
from inbox.channels.outbound.sender import Sender
from inbox.core.incoming import NewItem
from inbox.core.kinds import OutboundKind
from inbox.settings import MailboxSettings, Settings
from inbox.store.db import session_scope
from inbox.store.models import Item, Outbound, Page
from tests.dovecot import Dovecot, dovecot_server
from tests.factories import add_items, make_page
from tests.notify_servers import SmtpServer

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
OWN = "kontakt@region-exempel.se"
ORIGINAL = (
    "From: =?utf-8?q?=C3=85sa_=C3=96berg?= <asa@example.org>\r\n"
    f"To: {OWN}\r\n"
    "Subject: =?utf-8?q?Fr=C3=A5ga_om_f=C3=A4rdtj=C3=A4nst?=\r\n"
    "Message-ID: <fraga-1@example.org>\r\n"
    f"Date: {NOW.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Hej! Hur ansöker jag om färdtjänst?\r\n"
).encode()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    with dovecot_server() as server:
        yield server


def test_an_email_reply_is_threaded_sent_once_and_kept_in_sent(
    engine: Engine, database_url: str, smtp: SmtpServer, dovecot: Dovecot
) -> None:
    box = MailboxSettings(
        host=dovecot.host,
        port=dovecot.port,
        user=dovecot.user,
        password=dovecot.password,  # type: ignore[arg-type]
        ssl=False,
        address=OWN,
        timeout=10,
    )
    settings = Settings(
        database_url=database_url,
        mailboxes={"kontakt": box},
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
    )
    page = make_page(engine, "kontakt", channel="email")
    with session_scope(engine) as session:
        page_row = session.get(Page, page.id)
        assert page_row is not None
        outcome = store_message(
            session,
            ORIGINAL,
            page=page_row,
            own_addresses=frozenset({OWN}),
            received_at=NOW,
            actor="test",
            now=NOW,
        )
        item = session.get(Item, outcome.item_id)
        assert item is not None
        outbound.queue(
            session,
            item,
            kind=OutboundKind.REPLY,
            text="Hej Åsa! Du ansöker på webbplatsen.",
            idempotency_key="mail-reply-01",
            actor="anna@x.se",
            actor_name="Anna",
            now=NOW,
        )
        item_id = item.id
    accepted = NOW + timedelta(minutes=3)
    sender = Sender(engine, settings, clock=lambda: accepted)
    try:
        assert sender.send_due().sent == 1
        assert sender.send_due().handled == 0  # once
    finally:
        sender.close()
    assert len(smtp.raw) == 1
    sent = message_from_bytes(smtp.raw[0], policy=policy.default)
    assert sent["Subject"] == "Re: Fråga om färdtjänst"
    assert sent["In-Reply-To"] == "<fraga-1@example.org>"
    assert sent["To"].endswith("<asa@example.org>")
    with Session(engine) as session:
        done = session.exec(select(Outbound)).one()
        assert done.state == "sent"
        assert done.platform_id == sent["Message-ID"]
        item = session.get(Item, item_id)
        assert item is not None
        assert item.first_response_at == accepted
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as imap:
        imap.login(dovecot.user, dovecot.password)
        folder = next(
            f for flags, _d, f in imap.list_folders() if b"\\Sent" in flags or f in ("Sent",)
        )
        imap.select_folder(folder, readonly=True)
        assert len(imap.search("ALL")) == 1


class _Receiver:
    """An API page's reply webhook: records each POST, answers 200."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/svar"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_an_api_page_reply_is_posted_signed_and_once(engine: Engine, database_url: str) -> None:
    receiver = _Receiver()
    secret = "en-hemlighet-for-webhooken"
    settings = Settings(database_url=database_url)
    make_page(
        engine,
        "web",
        channel="web",
        reply_webhook=receiver.url,
        reply_secret_cipher=settings.token_box().seal(secret),
    )
    (item_id,) = add_items(
        engine, NewItem(page="web", external_id="form-1", received_at=NOW, text="Hej!")
    )
    with session_scope(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None
        outbound.queue(
            session,
            item,
            kind=OutboundKind.REPLY,
            text="Hej! Vi svarar här.",
            idempotency_key="api-reply-01",
            actor="anna@x.se",
            actor_name="Anna",
            now=NOW,
        )
    accepted = NOW + timedelta(minutes=1)
    sender = Sender(engine, settings, clock=lambda: accepted)
    try:
        assert sender.send_due().sent == 1
        assert sender.send_due().handled == 0
    finally:
        sender.close()
        receiver.stop()
    ((headers, body),) = receiver.posts
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-inbox-signature-256"], expected)
    assert headers["idempotency-key"] == "api-reply-01"
    assert json.loads(body)["text"] == "Hej! Vi svarar här."
    with Session(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None
        assert item.first_response_at == accepted
        assert item.status == "closed"
