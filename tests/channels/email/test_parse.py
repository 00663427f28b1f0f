"""Mail parsing: charsets, HTML, attachments, auto-replies, threading, mbox."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from inbox.channels.email.parse import html_to_text, iter_mbox, parse_email
from inbox.core.incoming import Attachment, to_new_item

RECEIVED = datetime(2026, 11, 17, 9, 30, tzinfo=UTC)

SWEDISH_QP = b"""\
Return-Path: <asa.oberg@example.se>
From: =?iso-8859-1?q?=C5sa_=D6berg?= <asa.oberg@example.se>
To: kontakt@region.example
Subject: =?iso-8859-1?q?Parkeringsbot_vid_sjukhuset_i_V=E4xj=F6?=
Date: Tue, 17 Nov 2026 10:00:00 +0100
Message-ID: <20261117100000.4711@mail.example.se>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Hej, jag fick en parkeringsbot vid sjukhuset trots att jag betalade i autom=
aten. Vad g=F6r jag nu? Tack f=F6r hj=E4lpen!

Med v=E4nlig h=E4lsning
=C5sa fr=E5n V=E4xj=F6
"""

HTML_ONLY = """\
From: "Berg, Per" <per.berg@example.com>
To: kontakt@region.example
Subject: =?utf-8?b?w5ZwcGV0dGlkZXI=?=
Date: Wed, 18 Nov 2026 08:15:00 +0000
Message-ID: <html-1@example.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<html><head><title>Mail</title><style>p { color: red }</style></head>
<body><p>Hej!</p><p>Jag undrar &amp; vill veta <b>n&auml;r</b>
ni har
&ouml;ppet.<br>Hälsningar<br/>Per</p>
<script>alert("x")</script><div>Skriv &lt;script&gt; s&aring; h&auml;r</div>
<a href="javascript:alert(1)" onclick="x()">L&auml;nk</a></body></html>
""".encode()

ATTACHMENT = base64.b64encode(bytes(range(256)) * 4).decode()
MULTIPART = f"""\
From: Kim Lind <kim@example.org>
To: kontakt@region.example
Subject: Skylt vid entren
Date: Thu, 19 Nov 2026 14:00:00 +0100
Message-ID: <multi-1@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Se bifogad bild på skylten.
--inner
Content-Type: text/html; charset=utf-8

<p>Se bifogad bild p&aring; skylten.</p>
--inner--
--outer
Content-Type: image/jpeg; name="skylt.jpg"
Content-Disposition: attachment; filename="skylt.jpg"
Content-Transfer-Encoding: base64

{ATTACHMENT}
--outer
Content-Type: application/pdf
Content-Disposition: attachment; filename*=iso-8859-1''kvitto_%E5%E4%F6.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer--
""".encode()

BOUNCE = b"""\
Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.region.example>
To: kontakt@region.example
Subject: Undelivered Mail Returned to Sender
Date: Fri, 20 Nov 2026 07:00:00 +0000
Message-ID: <bounce-1@mx.region.example>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="r"

--r
Content-Type: text/plain; charset=us-ascii

The mail system could not deliver your message.
--r
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.region.example
Final-Recipient: rfc822; nobody@example.se
Action: failed
Status: 5.1.1
--r
Content-Type: message/rfc822

From: kontakt@region.example
Subject: Svar

Hej
--r--
"""


def mail(*headers: str, body: str = "Hej, en fråga.", sender: str = "anna@example.se") -> bytes:
    lines = [
        f"From: Anna Ek <{sender}>" if "@" in sender else f"From: {sender}",
        "To: kontakt@region.example",
        "Subject: Fråga",
        "Date: Mon, 16 Nov 2026 12:00:00 +0100",
        "Message-ID: <q-1@example.se>",
        *headers,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        body,
    ]
    return "\n".join(lines).encode()


def without(raw: bytes, header: str) -> bytes:
    prefix = header.lower().encode() + b":"
    return b"\n".join(line for line in raw.split(b"\n") if not line.lower().startswith(prefix))


def test_swedish_latin1_quoted_printable() -> None:
    parsed = parse_email(SWEDISH_QP)
    assert parsed.text == (
        "Hej, jag fick en parkeringsbot vid sjukhuset trots att jag betalade i automaten. "
        "Vad gör jag nu? Tack för hjälpen!\n\nMed vänlig hälsning\nÅsa från Växjö"
    )
    assert parsed.subject == "Parkeringsbot vid sjukhuset i Växjö"
    assert (parsed.from_name, parsed.from_address) == ("Åsa Öberg", "asa.oberg@example.se")
    assert parsed.message_id == "20261117100000.4711@mail.example.se"
    assert parsed.date == datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    assert parsed.html is None
    assert parsed.attachments == ()
    assert not parsed.auto_reply
    assert parsed.auto_reply_reason is None


def test_crlf_line_endings_from_imap() -> None:
    parsed = parse_email(SWEDISH_QP.replace(b"\n", b"\r\n"))
    assert "\r" not in parsed.text
    assert parsed.text.endswith("Åsa från Växjö")


def test_html_only_mail_becomes_safe_text_and_keeps_the_original() -> None:
    parsed = parse_email(HTML_ONLY)
    assert parsed.text == (
        "Hej!\n\nJag undrar & vill veta när ni har öppet.\nHälsningar\nPer\n\n"
        "Skriv <script> så här\nLänk"
    )
    assert parsed.html is not None
    assert "<script>alert" in parsed.html
    assert "alert" not in parsed.text
    assert "color" not in parsed.text
    assert parsed.subject == "Öppettider"
    assert (parsed.from_name, parsed.from_address) == ("Berg, Per", "per.berg@example.com")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("a<br>b<br/>c<br />d", "a\nb\nc\nd"),
        ("<div>a\n   b\tc</div>", "a b c"),
        ("<pre>x  = 1\n  y</pre>", "x  = 1\n  y"),
        ("<ul><li>ett</li><li>två</li></ul>", "ett\ntvå"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("a<br><br>b", "a\n\nb"),
        ("<div><div>a</div></div><div>b</div>", "a\nb"),
        ("<p>  a  <i>b</i> c </p>", "a b c"),
        ("<style>b{}</style><script>x</script><noscript>n</noscript>ok", "ok"),
        ("<SCRIPT>x</SCRIPT>ok", "ok"),
        ("&lt;b&gt;&amp;&nbsp;&#229;&#x00e4;&ouml;", "<b>& åäö"),
        ("&amp;lt;", "&lt;"),
        ("<img src=x onerror=alert(1)>bild", "bild"),
        ("<p>a<p>b", "a\n\nb"),
        ("<!-- kommentar -->text", "text"),
        ("<p>\n\n\n</p><p></p><p>x</p>", "x"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_multipart_with_attachments() -> None:
    parsed = parse_email(MULTIPART)
    assert parsed.text == "Se bifogad bild på skylten."
    assert parsed.html == "<p>Se bifogad bild p&aring; skylten.</p>"
    assert parsed.attachments == (
        Attachment("skylt.jpg", "image/jpeg", 1024),
        Attachment("kvitto_åäö.pdf", "application/pdf", 9),
    )


def test_bounce_is_flagged_and_its_parts_are_not_attachments() -> None:
    parsed = parse_email(BOUNCE)
    assert parsed.auto_reply
    assert parsed.text == "The mail system could not deliver your message."
    assert parsed.from_address == "MAILER-DAEMON@mx.region.example"
    assert parsed.attachments == ()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (mail("Auto-Submitted: auto-replied"), "Auto-Submitted: auto-replied"),
        (mail("Auto-Submitted: auto-generated"), "Auto-Submitted: auto-generated"),
        (mail("Auto-Submitted: Auto-Replied (vacation)"), "Auto-Submitted: auto-replied"),
        (mail("X-Autoreply: yes"), "X-Autoreply header"),
        (mail("X-AutoReply: YES"), "X-Autoreply header"),
        (mail("X-Autorespond: Mon, 16 Nov 2026"), "X-Autorespond header"),
        (mail("Precedence: bulk"), "Precedence: bulk"),
        (mail("Precedence: junk"), "Precedence: junk"),
        (mail("Precedence: auto_reply"), "Precedence: auto_reply"),
        (mail("Precedence: List"), "Precedence: list"),
        (mail("Return-Path: <>"), "empty Return-Path"),
        (mail("Return-Path: < >"), "empty Return-Path"),
        (mail(sender="MAILER-DAEMON@mx.example.se"), "From MAILER-DAEMON@mx.example.se"),
        (mail(sender="Mailer-Daemon@example.se"), "From Mailer-Daemon@example.se"),
        (mail(sender="postmaster@example.se"), "From postmaster@example.se"),
        (mail(sender="MAILER-DAEMON"), "From MAILER-DAEMON"),
        (without(BOUNCE, "Auto-Submitted"), "empty Return-Path"),
        (
            without(without(without(BOUNCE, "Auto-Submitted"), "Return-Path"), "From"),
            "report: delivery-status",
        ),
        (
            mail("Content-Type: multipart/report; report-type=disposition-notification; b=x"),
            "report: disposition-notification",
        ),
    ],
)
def test_machine_mail_is_flagged(raw: bytes, reason: str) -> None:
    parsed = parse_email(raw)
    assert parsed.auto_reply
    assert parsed.auto_reply_reason == reason


@pytest.mark.parametrize(
    "raw",
    [
        mail(),
        mail("Auto-Submitted: no"),
        mail("X-Autoreply: no"),
        mail("Precedence: first-class"),
        mail("Return-Path: <anna@example.se>"),
        mail(sender="daemon-fan@example.se"),
        mail(sender="anna.postmaster@example.se"),
        SWEDISH_QP,
        MULTIPART,
    ],
)
def test_people_are_not_flagged(raw: bytes) -> None:
    parsed = parse_email(raw)
    assert not parsed.auto_reply
    assert parsed.auto_reply_reason is None


def test_auto_reply_item_needs_no_reply() -> None:
    item = to_new_item(
        parse_email(mail("Auto-Submitted: auto-replied")),
        page="kontakt",
        received_at_fallback=RECEIVED,
    )
    assert item.resolution == "no_reply_needed"


@pytest.mark.parametrize(
    ("headers", "in_reply_to", "references", "thread_key"),
    [
        ((), None, (), "q-1@example.se"),
        (("In-Reply-To: <root@region.example>",), "root@region.example", (), "root@region.example"),
        (
            ("In-Reply-To: <b@x>", "References: <a@x> <b@x>"),
            "b@x",
            ("a@x", "b@x"),
            "a@x",
        ),
        (
            ("In-Reply-To: <c@x>", "References: <a@x>\n <b@x>\n\t<c@x>"),
            "c@x",
            ("a@x", "b@x", "c@x"),
            "a@x",
        ),
        (("References: <a@x>",), None, ("a@x",), "a@x"),
        (
            ("In-Reply-To: Your message of Mon, 16 Nov <a@x>",),
            "a@x",
            (),
            "a@x",
        ),
        (("In-Reply-To: a@x",), "a@x", (), "a@x"),
        (("In-Reply-To:",), None, (), "q-1@example.se"),
    ],
)
def test_threading(
    headers: tuple[str, ...],
    in_reply_to: str | None,
    references: tuple[str, ...],
    thread_key: str,
) -> None:
    parsed = parse_email(mail(*headers))
    assert parsed.in_reply_to == in_reply_to
    assert parsed.references == references
    assert parsed.thread_key == thread_key


def test_reply_threads_onto_the_earlier_mail() -> None:
    first = parse_email(SWEDISH_QP)
    reply = parse_email(
        b"From: Kontaktcenter <kontakt@region.example>\n"
        b"To: asa.oberg@example.se\n"
        b"Subject: SV: Parkeringsbot vid sjukhuset\n"
        b"Date: Tue, 17 Nov 2026 13:00:00 +0100\n"
        b"Message-ID: <svar-1@region.example>\n"
        b"In-Reply-To: <20261117100000.4711@mail.example.se>\n"
        b"References: <20261117100000.4711@mail.example.se>\n"
        b"\nHej!\n"
    )
    followup = parse_email(
        mail(
            "In-Reply-To: <svar-1@region.example>",
            "References: <20261117100000.4711@mail.example.se> <svar-1@region.example>",
        )
    )
    assert first.thread_key == reply.thread_key == followup.thread_key
    items = [
        to_new_item(p, page="kontakt", received_at_fallback=RECEIVED) for p in (first, followup)
    ]
    assert items[0].conversation_id == items[1].conversation_id == first.message_id


def test_missing_message_id_falls_back_to_a_hash_of_the_bytes() -> None:
    raw = without(mail(), "Message-ID")
    parsed = parse_email(raw)
    assert parsed.message_id is None
    assert parsed.thread_key is None
    item = to_new_item(parsed, page="kontakt", received_at_fallback=RECEIVED)
    assert item.external_id == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert item.conversation_id == item.external_id
    again = to_new_item(parse_email(raw), page="kontakt", received_at_fallback=RECEIVED)
    assert again.external_id == item.external_id


def test_overlong_message_id_is_hashed() -> None:
    raw = mail().replace(b"<q-1@example.se>", b"<" + b"x" * 300 + b"@example.se>")
    item = to_new_item(parse_email(raw), page="kontakt", received_at_fallback=RECEIVED)
    assert item.external_id.startswith("sha256:")
    assert len(item.external_id) <= 255


@pytest.mark.parametrize(
    ("date_header", "expected"),
    [
        ("Mon, 16 Nov 2026 12:00:00 +0100", datetime(2026, 11, 16, 11, 0, tzinfo=UTC)),
        ("Mon, 16 Nov 2026 12:00:00 -0000", datetime(2026, 11, 16, 12, 0, tzinfo=UTC)),
        ("16 Nov 2026 12:00 +0200", datetime(2026, 11, 16, 10, 0, tzinfo=UTC)),
        ("Mon, 16 Nov 2026 12:00:00 CET", datetime(2026, 11, 16, 12, 0, tzinfo=UTC)),
        ("igår vid lunch", RECEIVED),
        ("Mon, 99 Nov 2026 12:00:00 +0100", RECEIVED),
        (None, RECEIVED),
    ],
)
def test_date_is_utc_with_a_fallback(date_header: str | None, expected: datetime) -> None:
    raw = without(mail(), "Date")
    if date_header is not None:
        raw = raw.replace(b"Subject:", f"Date: {date_header}\nSubject:".encode())
    parsed = parse_email(raw, received_at=RECEIVED.astimezone(timezone(timedelta(hours=1))))
    assert parsed.date == expected
    assert parsed.date is not None
    assert parsed.date.utcoffset() == timedelta(0)


def test_no_date_and_no_fallback_leaves_it_to_to_new_item() -> None:
    parsed = parse_email(without(mail(), "Date"))
    assert parsed.date is None
    item = to_new_item(parsed, page="kontakt", received_at_fallback=RECEIVED)
    assert item.received_at == RECEIVED


def test_to_new_item() -> None:
    item = to_new_item(parse_email(SWEDISH_QP), page="kontakt", received_at_fallback=RECEIVED)
    assert item.page == "kontakt"
    assert item.external_id == "20261117100000.4711@mail.example.se"
    assert item.received_at == datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    assert (item.channel, item.kind) == ("email", "email")
    assert item.author == "Åsa Öberg"
    assert item.author_id == "asa.oberg@example.se"
    assert item.text.startswith("Ämne: Parkeringsbot vid sjukhuset i Växjö\n\nHej, jag fick")
    assert item.resolution is None
    assert item.conversation_id == "20261117100000.4711@mail.example.se"


def test_author_falls_back_to_the_address() -> None:
    raw = mail().replace(b"From: Anna Ek <anna@example.se>", b"From: Anna@Example.se")
    item = to_new_item(parse_email(raw), page="kontakt", received_at_fallback=RECEIVED)
    assert (item.author, item.author_id) == ("Anna@Example.se", "anna@example.se")


def test_no_subject_no_prefix() -> None:
    item = to_new_item(
        parse_email(without(mail(), "Subject")), page="kontakt", received_at_fallback=RECEIVED
    )
    assert item.text == "Hej, en fråga."


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"garbage without headers",
        b"From: \nSubject: \nMessage-ID: \nDate: \n\n",
        b"Content-Type: text/plain; charset=x-no-such-charset\n\nhej \xe5",
        b"Content-Type: multipart/mixed; boundary=x\n\n--x\nno end",
        b"Content-Transfer-Encoding: base64\n\n!!!not base64",
    ],
)
def test_malformed_mail_degrades_without_raising(raw: bytes) -> None:
    parsed = parse_email(raw)
    item = to_new_item(parsed, page="kontakt", received_at_fallback=RECEIVED)
    assert item.external_id.startswith("sha256:") or parsed.message_id is not None
    assert item.received_at == RECEIVED


def test_unknown_charset_is_decoded_by_hand() -> None:
    parsed = parse_email(b"Content-Type: text/plain; charset=x-no-such-charset\n\nhej \xe5")
    assert parsed.text == "hej å"


def test_mbox_with_three_messages(tmp_path: Path) -> None:
    path = tmp_path / "inkorg.mbox"
    messages = [SWEDISH_QP, HTML_ONLY, mail(body="Rad ett\n>From the start\nslut")]
    path.write_bytes(
        b"".join(
            b"From MAILER-DAEMON Mon Nov 16 12:00:00 2026\n" + m.rstrip(b"\n") + b"\n\n"
            for m in messages
        )
    )
    raws = list(iter_mbox(path))
    assert len(raws) == 3
    parsed = [parse_email(raw) for raw in raws]
    assert [p.message_id for p in parsed] == [
        "20261117100000.4711@mail.example.se",
        "html-1@example.com",
        "q-1@example.se",
    ]
    assert parsed[0].text.endswith("Åsa från Växjö")
    assert parsed[2].text == "Rad ett\n>From the start\nslut"
    assert not any(raw.startswith(b"From ") for raw in raws)


def test_empty_mbox(tmp_path: Path) -> None:
    path = tmp_path / "tom.mbox"
    path.write_bytes(b"")
    assert list(iter_mbox(path)) == []
