"""Raw RFC 5322 mail to a parsed record, and from there to a ``NewItem``.

Pure: bytes in, values out (the IMAP polling and the database live elsewhere).
Built on the standard ``email`` package with ``policy.default``, which decodes
charsets, quoted-printable and RFC 2047 headers for us; everything here is
about the parts it leaves to the caller: which body to show, how to make HTML
safe to display, how to thread, and which mails are machines talking.
"""

from __future__ import annotations

import hashlib
import mailbox
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

from inbox.core.incoming import Attachment, ParsedEmail

_MSG_ID = re.compile(r"<([^<>\s]+)>")
_AUTO_PRECEDENCE = frozenset({"bulk", "junk", "auto_reply", "list"})
_DAEMONS = frozenset({"mailer-daemon", "postmaster"})


def parse_email(raw: bytes, *, received_at: datetime | None = None) -> ParsedEmail:
    """Parse one message; never raises on malformed headers, it degrades instead."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)  # guaranteed by policy.default
    message_id = _first_id(_header(msg, "Message-ID"))
    in_reply_to = _first_id(_header(msg, "In-Reply-To"))
    references = tuple(_MSG_ID.findall(_header(msg, "References")))
    from_name, from_address = _sender(msg)
    text, html, body_parts = _body(msg)
    auto_reason = _auto_reply_reason(msg, from_address)
    date = _date(_header(msg, "Date"))
    if date is None and received_at is not None:
        date = received_at.astimezone(UTC)
    return ParsedEmail(
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        subject=" ".join(_header(msg, "Subject").split()),
        from_name=from_name,
        from_address=from_address,
        date=date,
        text=text,
        html=html,
        attachments=_attachments(msg, body_parts),
        auto_reply=auto_reason is not None,
        auto_reply_reason=auto_reason,
        # The first Reference is the root; In-Reply-To alone gives the parent,
        # which is the root for the common two-message exchange.
        thread_key=(references[0] if references else None) or in_reply_to or message_id,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
    )


def iter_mbox(path: str | Path) -> Iterator[bytes]:
    """The raw bytes of every message in an mbox file, in file order."""
    box = mailbox.mbox(str(path), create=False)
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except (ValueError, TypeError, IndexError, AttributeError):
        # A header the policy cannot even parse: treat it as absent.
        return ""
    return "" if value is None else str(value).strip()


def _first_id(value: str) -> str | None:
    found = _MSG_ID.search(value)
    if found is not None:
        return found.group(1)
    bare = value.strip("<> \t")
    return bare if bare and " " not in bare else None


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError):
        return None
    # "-0000" means "zone unknown" (RFC 5322 §3.3) and parses naive: UTC is the best guess.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _sender(msg: EmailMessage) -> tuple[str, str]:
    value = _header(msg, "From")
    name, address = parseaddr(value)
    if not address and "@" not in value:
        # "MAILER-DAEMON" with no domain is common in bounces; keep the bare word.
        address = value
    return name.strip(), address.strip()


def _body(msg: EmailMessage) -> tuple[str, str | None, list[EmailMessage]]:
    """Text to show, the original HTML if any, and the parts used for them."""
    plain = msg.get_body(preferencelist=("plain",))
    rich = msg.get_body(preferencelist=("html",))
    html = _part_text(rich) if isinstance(rich, EmailMessage) else None
    used = [part for part in (plain, rich) if isinstance(part, EmailMessage)]
    if isinstance(plain, EmailMessage):
        return _normalise(_part_text(plain)), html, used
    return (html_to_text(html) if html is not None else ""), html, used


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        # Unknown or lying charset: decode by hand rather than lose the text.
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")
    return content if isinstance(content, str) else ""


def _attachments(msg: EmailMessage, body_parts: list[EmailMessage]) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    for part in msg.walk():
        if not isinstance(part, EmailMessage) or part.is_multipart():
            continue
        if any(part is used for used in body_parts):
            continue
        filename = part.get_filename()
        if not filename and not part.is_attachment():
            continue
        payload = part.get_payload(decode=True)
        # An attached message (message/rfc822) has no decoded payload: count its bytes.
        size = len(payload) if isinstance(payload, bytes) else len(part.as_bytes())
        found.append(Attachment(filename or "", part.get_content_type(), size))
    return tuple(found)


def _auto_reply_reason(msg: EmailMessage, from_address: str) -> str | None:
    # RFC 3834: a keyword, then optional parameters or a comment ("auto-replied (vacation)").
    auto_submitted = re.split(r"[\s;(]", _header(msg, "Auto-Submitted").lower(), maxsplit=1)[0]
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        # Presence is the signal; the values seen in the wild vary ("yes", a date...).
        if name in msg and _header(msg, name).lower() != "no":
            return f"{name} header"
    precedence = _header(msg, "Precedence").lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if "Return-Path" in msg and _header(msg, "Return-Path").replace(" ", "") == "<>":
        return "empty Return-Path"
    if from_address.split("@")[0].lower() in _DAEMONS:
        return f"From {from_address}"
    if msg.get_content_type() == "multipart/report":
        report = str(msg.get_param("report-type", "")).lower()
        if report in ("delivery-status", "disposition-notification"):
            return f"report: {report}"
    return None


_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "svg"})
# How many line breaks an element stands for: paragraphs get a blank line between.
_BREAKS = {
    **dict.fromkeys(("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl"), 2),
    **dict.fromkeys(("table", "blockquote", "pre", "hr", "section", "article"), 2),
    **dict.fromkeys(("div", "li", "tr", "dt", "dd", "header", "footer", "address"), 1),
}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # entities come out unescaped
        self.out: list[str] = []
        self.skipping = 0
        self.in_pre = False
        self.breaks = 0  # pending line breaks, written only when more text follows

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "br":
            self.breaks += 1
        elif tag in ("td", "th"):
            self.out.append(" ")
        else:
            self.breaks = max(self.breaks, _BREAKS.get(tag, 0))
            self.in_pre = self.in_pre or tag == "pre"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # <br/>, <hr/>: nothing to close
        if tag in _SKIP:
            self.skipping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        else:
            self.breaks = max(self.breaks, _BREAKS.get(tag, 0))
            self.in_pre = self.in_pre and tag != "pre"

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        # Source newlines are plain whitespace in HTML, except inside <pre>.
        text = data if self.in_pre else re.sub(r"\s+", " ", data)
        if self.breaks and not text.strip():
            return
        if self.breaks and self.out:
            self.out[-1] = self.out[-1].rstrip(" ")
            self.out.append("\n" * self.breaks)
            text = text if self.in_pre else text.lstrip(" ")
        self.breaks = 0
        self.out.append(text)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body, with no markup left and line breaks kept.

    The result is plain text, to be escaped like any other customer text when shown.
    """
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (line.rstrip() for line in "".join(parser.out).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _normalise(text: str) -> str:
    # Plain text is shown as written: only line endings and trailing blanks change.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")
