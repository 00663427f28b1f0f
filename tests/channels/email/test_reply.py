"""E-mail replies over a real SMTP server (aiosmtpd), kept in a real Dovecot's Sent folder."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest
from imapclient import IMAPClient
from pydantic import SecretStr

from inbox.channels.email.imap import append_to_sent
from inbox.channels.email.reply import (
    SentEmail,
    reply_references,
    reply_subject,
    send_email_reply,
)
from inbox.core.send_outcome import SendNotSent, SendRejected, SendUncertain, SentCopyFailed
from inbox.settings import MailboxSettings
from tests.dovecot import Dovecot, dovecot_binary, dovecot_server
from tests.notify_servers import SmtpServer, free_port

NOW = datetime(2026, 11, 16, 13, 5, tzinfo=UTC)
OWN = "kontakt@region-exempel.se"
CITIZEN = "asa.oberg@exempel.se"
ORIGINAL_ID = "<fraga-17@exempel.se>"
EARLIER = ["<start-1@exempel.se>", "<svar-2@region-exempel.se>"]
LONG_ID = "<" + "a1b2c3d4" * 12 + "@mail.exempel.se>"

needs_dovecot = pytest.mark.skipif(
    dovecot_binary() is None, reason="dovecot-imapd is not installed (.ci/run installs it)"
)


@dataclass(frozen=True)
class Smtp:
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        if server.capture.hold is not None:
            server.capture.hold.set()
        server.stop()


def mailbox(host: str = "127.0.0.1", port: int = 143, password: str = "x") -> MailboxSettings:
    return MailboxSettings(
        host=host,
        port=port,
        user="kontakt",
        password=password,  # type: ignore[arg-type]
        ssl=False,
        address=OWN,
        timeout=10,
    )


def send(server_port: int, timeout: float = 10.0, **overrides: object) -> SentEmail:
    args: dict[str, object] = {
        "mailbox": mailbox(),
        "to_address": CITIZEN,
        "to_name": "Åsa Öberg",
        "subject": "Fråga om färdtjänsten 🚌",
        "in_reply_to": ORIGINAL_ID,
        "references": EARLIER,
        "text": "Hej Åsa!\n\nTack för din fråga om färdtjänst. Vi återkommer i veckan. 😊\n",
        "now": NOW,
    }
    args.update(overrides)
    return send_email_reply(Smtp(smtp_port=server_port, smtp_timeout=timeout), **args)  # type: ignore[arg-type]


def parsed(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


# --- the message ------------------------------------------------------------


def test_the_reply_is_threaded_and_encoded(smtp: SmtpServer) -> None:
    sent = send(smtp.port)
    assert smtp.raw == [sent.raw]
    assert smtp.capture.envelopes == [(OWN, [CITIZEN])]
    msg = smtp.messages[0]
    assert msg["From"] == OWN
    assert msg["To"] == f"Åsa Öberg <{CITIZEN}>"
    assert msg["Subject"] == "Re: Fråga om färdtjänsten 🚌"
    assert msg["In-Reply-To"] == ORIGINAL_ID
    assert msg["References"].split() == [*EARLIER, ORIGINAL_ID]
    assert msg["Message-ID"] == sent.message_id
    assert sent.message_id.endswith("@region-exempel.se>")
    assert parsedate_to_datetime(msg["Date"]) == NOW
    body = msg.get_body()
    assert body is not None
    assert body.get_content_charset() == "utf-8"
    assert body.get_content().replace("\r\n", "\n") == (
        "Hej Åsa!\n\nTack för din fråga om färdtjänst. Vi återkommer i veckan. 😊\n"
    )


def test_the_bytes_are_plain_ascii_with_crlf_and_short_lines(smtp: SmtpServer) -> None:
    raw = send(smtp.port, references=[*EARLIER, LONG_ID]).raw
    assert raw.isascii()
    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    headers = lines[: lines.index(b"")]
    assert all(len(line) <= 78 for line in headers if LONG_ID.encode() not in line)
    assert b"=?utf-8?" in raw  # the subject and the name as encoded words
    assert b"Content-Transfer-Encoding: quoted-printable" in raw


def test_a_long_message_id_stays_as_it_is(smtp: SmtpServer) -> None:
    send(smtp.port, in_reply_to=LONG_ID, references=EARLIER)
    msg = smtp.messages[0]
    assert msg["In-Reply-To"] == LONG_ID
    assert msg["References"].split() == [*EARLIER, LONG_ID]
    assert smtp.raw[0].count(LONG_ID.encode()) == 2  # written out, not as an encoded word


def test_a_reply_to_a_message_without_message_id(smtp: SmtpServer) -> None:
    send(smtp.port, in_reply_to=None, references=[])
    msg = smtp.messages[0]
    assert "In-Reply-To" not in msg
    assert "References" not in msg
    assert msg["Subject"] == "Re: Fråga om färdtjänsten 🚌"


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("Fråga om bussen", "Re: Fråga om bussen"),
        ("Re: Fråga om bussen", "Re: Fråga om bussen"),
        ("RE: Fråga om bussen", "Re: Fråga om bussen"),
        ("SV: Fråga om bussen", "Re: Fråga om bussen"),
        ("Sv: Fråga om bussen", "Re: Fråga om bussen"),
        ("Sv: Re: SV:Fråga om bussen", "Re: Fråga om bussen"),
        ("Re[2]: Fråga", "Re: Fråga"),
        ("  Re :  Fråga\n om  bussen ", "Re: Fråga om bussen"),
        ("Svar på tal", "Re: Svar på tal"),
        ("Reklam för Sverige", "Re: Reklam för Sverige"),
        ("Fråga: Re: bussen", "Re: Fråga: Re: bussen"),
        ("", "Re:"),
        ("Re:", "Re:"),
    ],
)
def test_one_reply_prefix(original: str, expected: str) -> None:
    assert reply_subject(original) == expected


def test_references_keep_order_once_each_and_end_with_the_original() -> None:
    assert reply_references(
        "fraga-17@exempel.se",
        ["<a@x.se> <b@x.se>", ORIGINAL_ID, "<a@x.se>", "not an id", "<@>"],
    ) == ["<a@x.se>", "<b@x.se>", ORIGINAL_ID]


def test_a_subject_with_a_line_break_cannot_add_headers(smtp: SmtpServer) -> None:
    send(smtp.port, subject="Hej\r\nBcc: alla@exempel.se", to_name="Åsa\nBcc: x@y.se")
    msg = smtp.messages[0]
    assert "Bcc" not in msg
    assert msg["Subject"] == "Re: Hej Bcc: alla@exempel.se"
    assert smtp.capture.envelopes == [(OWN, [CITIZEN])]


@pytest.mark.parametrize("address", ["inte en adress", "åsa@exempel.se", "a@b.se, c@d.se"])
def test_an_address_that_cannot_be_sent_to_is_a_permanent_rejection(
    smtp: SmtpServer, address: str
) -> None:
    with pytest.raises(SendRejected) as caught:
        send(smtp.port, to_address=address)
    assert caught.value.permanent
    assert "går inte att skicka" in caught.value.message_sv
    assert smtp.messages == []


def test_a_domain_in_swedish_letters_goes_as_idna(smtp: SmtpServer) -> None:
    send(smtp.port, to_address="asa@räksmörgås.se")
    assert smtp.capture.envelopes == [(OWN, ["asa@xn--rksmrgs-5wao1o.se"])]


def test_a_mailbox_without_an_address_sends_from_its_login(smtp: SmtpServer) -> None:
    box = mailbox().model_copy(update={"address": None, "user": "info@region-exempel.se"})
    send(smtp.port, mailbox=box)
    assert smtp.messages[0]["From"] == "info@region-exempel.se"


# --- what the server says ---------------------------------------------------


def test_550_to_the_message_is_a_permanent_rejection(smtp: SmtpServer) -> None:
    smtp.capture.data_reply = "550 5.7.1 Message rejected as spam"
    with pytest.raises(SendRejected) as caught:
        send(smtp.port)
    assert caught.value.permanent
    assert "550 5.7.1 Message rejected as spam" in caught.value.detail
    assert caught.value.message_sv == "E-postservern vägrade ta emot svaret."
    assert "hjälper inte" in caught.value.advice_sv


def test_550_to_the_recipient_is_a_permanent_rejection_naming_it(smtp: SmtpServer) -> None:
    smtp.capture.rcpt_reply = "550 5.1.1 No such user"
    with pytest.raises(SendRejected) as caught:
        send(smtp.port)
    assert caught.value.permanent
    assert CITIZEN in caught.value.message_sv
    assert smtp.messages == []


def test_451_is_a_temporary_rejection(smtp: SmtpServer) -> None:
    smtp.capture.data_reply = "451 4.3.0 Try again later"
    with pytest.raises(SendRejected) as caught:
        send(smtp.port)
    assert not caught.value.permanent
    assert "451" in caught.value.detail
    assert "igen senare" in caught.value.advice_sv


def test_452_to_the_recipient_is_a_temporary_rejection(smtp: SmtpServer) -> None:
    smtp.capture.rcpt_reply = "452 4.2.2 Mailbox full"
    with pytest.raises(SendRejected) as caught:
        send(smtp.port)
    assert not caught.value.permanent


def test_nothing_listening_is_not_sent() -> None:
    with pytest.raises(SendNotSent) as caught:
        send(free_port())
    assert "gick inte att nå" in caught.value.message_sv
    assert "ConnectionRefusedError" in caught.value.detail


def test_an_unknown_host_is_not_sent() -> None:
    settings = Smtp(smtp_host="smtp.invalid", smtp_port=25)
    with pytest.raises(SendNotSent):
        send_email_reply(
            settings,
            mailbox=mailbox(),
            to_address=CITIZEN,
            subject="x",
            in_reply_to=None,
            text="x",
        )


def test_a_server_that_hangs_up_at_once_is_not_sent() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def hang_up() -> None:
            conn, _ = listener.accept()
            conn.close()

        thread = threading.Thread(target=hang_up)
        thread.start()
        with pytest.raises(SendNotSent):
            send(port)
        thread.join()


def test_no_verdict_after_the_message_was_handed_over_is_uncertain(smtp: SmtpServer) -> None:
    smtp.capture.hold = threading.Event()
    with pytest.raises(SendUncertain) as caught:
        send(smtp.port, timeout=0.5)
    assert len(smtp.messages) == 1  # the server has the whole message
    assert "Skicka inte igen" in caught.value.advice_sv


# --- the Sent folder ----------------------------------------------------------

SPECIAL_USE = """
namespace inbox {
  inbox = yes
  separator = /
  mailbox "Skickade objekt" {
    special_use = \\Sent
  }
}
"""


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with dovecot_server() as server:
        yield server


@pytest.fixture(scope="module")
def dovecot_special_use() -> Iterator[Dovecot]:
    with dovecot_server(SPECIAL_USE) as server:
        yield server


def imap_mailbox(server: Dovecot) -> MailboxSettings:
    return mailbox(server.host, server.port, server.password)


def client(server: Dovecot) -> IMAPClient:
    imap = IMAPClient(server.host, port=server.port, ssl=False, timeout=10)
    imap.login(server.user, server.password)
    return imap


@pytest.fixture
def empty(dovecot: Dovecot) -> Dovecot:
    """No folder but INBOX, so each test finds the Sent folder afresh."""
    imap = client(dovecot)
    try:
        for _, _, name in imap.list_folders():
            if name != "INBOX":
                imap.delete_folder(name)
    finally:
        imap.logout()
    return dovecot


def stored(server: Dovecot, folder: str) -> list[tuple[bytes, tuple[bytes, ...], datetime]]:
    imap = client(server)
    try:
        imap.select_folder(folder, readonly=True)
        found = imap.fetch(imap.search(["ALL"]), ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"])
    finally:
        imap.logout()
    return [(d[b"BODY[]"], d[b"FLAGS"], d[b"INTERNALDATE"]) for _, d in sorted(found.items())]


@needs_dovecot
def test_the_sent_reply_is_kept_in_a_new_sent_folder_as_seen(
    smtp: SmtpServer, empty: Dovecot
) -> None:
    sent = send(smtp.port)
    assert append_to_sent(imap_mailbox(empty), sent.raw, NOW) == "Sent"
    [(raw, flags, internal)] = stored(empty, "Sent")
    assert raw == sent.raw
    assert b"\\Seen" in flags
    assert internal.astimezone(UTC) == NOW
    kept = parsed(raw)
    assert kept["Message-ID"] == sent.message_id
    assert kept["Subject"] == "Re: Fråga om färdtjänsten 🚌"


@needs_dovecot
@pytest.mark.parametrize("name", ["Skickat", "Sent Items", "sent"])
def test_an_existing_sent_folder_is_found_by_name(
    smtp: SmtpServer, empty: Dovecot, name: str
) -> None:
    imap = client(empty)
    imap.create_folder(name)
    imap.create_folder("Utkast")
    imap.logout()
    sent = send(smtp.port)
    assert append_to_sent(imap_mailbox(empty), sent.raw, NOW) == name
    assert [raw for raw, _, _ in stored(empty, name)] == [sent.raw]


@needs_dovecot
def test_the_special_use_sent_folder_wins(smtp: SmtpServer, dovecot_special_use: Dovecot) -> None:
    imap = client(dovecot_special_use)
    imap.create_folder("Sent")
    imap.create_folder("Skickade objekt")
    imap.logout()
    sent = send(smtp.port)
    box = imap_mailbox(dovecot_special_use)
    assert append_to_sent(box, sent.raw, NOW) == "Skickade objekt"
    assert stored(dovecot_special_use, "Sent") == []
    [(raw, flags, _)] = stored(dovecot_special_use, "Skickade objekt")
    assert raw == sent.raw
    assert b"\\Seen" in flags


@needs_dovecot
def test_a_failed_copy_is_its_own_error(smtp: SmtpServer, empty: Dovecot) -> None:
    sent = send(smtp.port)
    wrong = imap_mailbox(empty).model_copy(update={"password": SecretStr("fel")})
    with pytest.raises(SentCopyFailed) as caught:
        append_to_sent(wrong, sent.raw, NOW)
    assert "Svaret skickades" in caught.value.message_sv
    assert not isinstance(caught.value, SendNotSent | SendRejected | SendUncertain)
    with pytest.raises(SentCopyFailed):
        append_to_sent(mailbox(port=free_port()), sent.raw, NOW)
