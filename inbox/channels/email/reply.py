"""A communicator's reply by e-mail, sent over SMTP into the person's own thread.

The message comes from the mailbox's own address, to the person who wrote, with
``Subject: Re: <original>`` (one reply prefix however many the original had,
"SV:" and "Sv:" counted as prefixes), ``In-Reply-To`` the original's Message-ID
and ``References`` the original's references followed by that Message-ID, so a
mail program files it under the person's own thread. It has a fresh Message-ID
and a Date, and its text is UTF-8 (quoted-printable, so any relay takes it).

``send_email_reply`` returns the Message-ID and the exact bytes sent, for
``inbox.channels.email.imap.append_to_sent`` to keep in the Sent folder, or
raises one of ``inbox.core.send_outcome``'s errors:

- a 5xx reply → ``SendRejected(permanent=True)``, a 4xx reply →
  ``SendRejected(permanent=False)``, whether to the greeting, the login, the
  sender, the recipient or the message itself;
- the server out of reach (refused, unknown host, TLS failed, a timeout or a
  broken connection before the message itself was handed over) → ``SendNotSent``;
- a timeout or a broken connection once the message was handed over (after the
  server's 354 to DATA), before its verdict → ``SendUncertain``.

An address that cannot be sent to at all (not an address, a non-ASCII local
part) is a permanent rejection before anything is sent: trying again cannot help.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid
from typing import Any

from inbox.channels.smtp import SmtpSettings, open_smtp
from inbox.core.send_outcome import SendNotSent, SendRejected, SendUncertain
from inbox.core.text import Text
from inbox.settings import MailboxSettings

__all__ = ["REPLY_POLICY", "SentEmail", "reply_references", "reply_subject", "send_email_reply"]

# "Re:", "RE :", "Sv:", "SV:", "Re[2]:", any number of them, at the start.
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|sv)\s*(?:\[\d+\])?\s*:)+\s*", re.IGNORECASE)
# <left@right>, printable ASCII without '<', '>' and a second '@'.
_MSG_ID = re.compile(r"<[!-;=?A-~]+@[!-;=?A-~]+>")
_ID_HEADERS = frozenset({"references", "in-reply-to"})


class _ReplyPolicy(EmailPolicy):
    """``policy.SMTP``, but In-Reply-To and References folded between message ids.

    The standard folder treats both as free text and may encode a long message id
    as an RFC 2047 encoded word, which no mail program matches to its thread.
    """

    def _fold_ids(self, name: str, value: str) -> str:
        ids = value.split()
        return f"{name}: " + f"{self.linesep} ".join(ids) + self.linesep

    def fold(self, name: str, value: Any) -> str:
        if name.lower() in _ID_HEADERS:
            return self._fold_ids(name, str(value))
        folded: str = super().fold(name, value)
        return folded

    def fold_binary(self, name: str, value: Any) -> bytes:
        if name.lower() in _ID_HEADERS:
            return self._fold_ids(name, str(value)).encode("ascii")
        return super().fold_binary(name, value)


REPLY_POLICY = _ReplyPolicy(linesep="\r\n")


@dataclass(frozen=True)
class SentEmail:
    """What was sent: its Message-ID and the exact bytes (CRLF line ends)."""

    message_id: str
    raw: bytes


class _ReplySmtp(smtplib.SMTP):
    """Knows whether the message itself has been handed over (the 354 to DATA)."""

    content_sent = False

    def getreply(self) -> tuple[int, bytes]:
        code, text = super().getreply()
        if code == 354:
            self.content_sent = True
        return code, text


def reply_subject(original: str) -> str:
    """``Re: `` and the original subject without its own reply prefixes."""
    subject = " ".join(original.split())
    rest = _REPLY_PREFIX.sub("", subject)
    return f"Re: {rest}" if rest else "Re:"


def _message_id(value: str) -> str | None:
    value = value.strip()
    if value and not value.startswith("<"):
        value = f"<{value}>"
    return value if _MSG_ID.fullmatch(value) else None


def reply_references(in_reply_to: str | None, references: Sequence[str]) -> list[str]:
    """The original's references, then its own Message-ID; each once, malformed ones left out."""
    found: list[str] = []
    for value in [*references, *([in_reply_to] if in_reply_to else [])]:
        for part in value.split():
            msg_id = _message_id(part)
            if msg_id is not None and msg_id not in found:
                found.append(msg_id)
    if in_reply_to:
        own = _message_id(in_reply_to)
        if own is not None:  # the original's own id last, however it was listed before
            found.remove(own)
            found.append(own)
    return found


_CHECK_ADDRESS = Text(
    "Kontrollera adressen. Att skicka igen hjälper inte; svara på annat sätt om den är rätt."
)


def _bad_address(address: str, detail: str) -> SendRejected:
    return SendRejected(
        Text("Adressen %(address)s går inte att skicka e-post till.", address=address),
        _CHECK_ADDRESS,
        permanent=True,
        detail=detail,
    )


def _address(address: str, name: str = "") -> Address:
    """An ASCII address (the domain as IDNA), or a permanent rejection."""
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(c.isspace() or c in "<>,;" for c in address):
        raise _bad_address(address, "not a single addr-spec")
    if not local.isascii():
        raise _bad_address(address, "non-ASCII local part (SMTPUTF8 is not used)")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise _bad_address(address, f"domain: {exc}") from None
    try:
        return Address(display_name=" ".join(name.split()), username=local, domain=ascii_domain)
    except (ValueError, IndexError) as exc:
        raise _bad_address(address, str(exc)) from None


def _own_address(mailbox: MailboxSettings) -> str:
    if mailbox.address:
        return mailbox.address
    if "@" in mailbox.user:
        return mailbox.user
    raise SendRejected(
        Text("Brevlådan har ingen egen e-postadress att skicka från."),
        Text("Ange address för brevlådan i INBOX_MAILBOXES och skicka sedan igen."),
        permanent=True,
        detail="MailboxSettings.address is not set and the login name is not an address",
    )


def build_reply(
    *,
    from_address: Address,
    to_address: Address,
    subject: str,
    in_reply_to: str | None,
    references: Sequence[str],
    text: str,
    message_id_domain: str,
    now: datetime,
) -> tuple[str, bytes]:
    msg = EmailMessage(policy=REPLY_POLICY)
    msg_id = make_msgid(domain=message_id_domain)
    msg["From"] = from_address
    msg["To"] = to_address
    msg["Subject"] = reply_subject(subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = msg_id
    own = _message_id(in_reply_to) if in_reply_to else None
    if own is not None:
        msg["In-Reply-To"] = own
    refs = reply_references(in_reply_to, references)
    if refs:
        msg["References"] = " ".join(refs)
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    msg.set_content(body if body.endswith("\n") else body + "\n", cte="quoted-printable")
    return msg_id, msg.as_bytes()


def _refused(code: int, text: bytes | str, *, stage: str, to: str) -> SendRejected:
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    detail = f"{code} {reply}".strip()
    permanent = code >= 500
    if stage == "connect":
        message = Text("E-postservern för utgående post vägrade att ta emot något från oss.")
        advice = (
            Text("Kontrollera inställningarna INBOX_SMTP_* (adress, inloggning).")
            if permanent
            else Text("Servern är upptagen just nu; svaret skickas igen senare.")
        )
    elif stage == "recipient":
        message = Text("E-postservern tog inte emot adressen %(address)s.", address=to)
        advice = (
            _CHECK_ADDRESS
            if permanent
            else Text("Mottagarens server tar inte emot post just nu; svaret skickas igen senare.")
        )
    else:
        message = (
            Text("E-postservern tog inte emot avsändaradressen.")
            if stage == "sender"
            else Text("E-postservern vägrade ta emot svaret.")
        )
        advice = (
            Text(
                "Att skicka igen hjälper inte. Läs serverns svar nedan och nå personen på "
                "annat sätt."
            )
            if permanent
            else Text("Servern kan inte ta emot det just nu; svaret skickas igen senare.")
        )
    return SendRejected(message, advice, permanent=permanent, detail=detail)


def _not_sent(exc: BaseException) -> SendNotSent:
    return SendNotSent(
        Text("Svaret kunde inte skickas: e-postservern för utgående post gick inte att nå."),
        Text(
            "Inget skickades, så det går att försöka igen. Kontrollera INBOX_SMTP_HOST och "
            "INBOX_SMTP_PORT om det fortsätter."
        ),
        detail=f"{type(exc).__name__}: {exc}",
    )


def _uncertain(exc: BaseException) -> SendUncertain:
    return SendUncertain(
        Text("Svaret lämnades till e-postservern, men inget besked om det togs emot kom tillbaka."),
        Text(
            "Det kan ha kommit fram. Skicka inte igen förrän du har kontrollerat det, till "
            "exempel i serverns logg."
        ),
        detail=f"{type(exc).__name__}: {exc}",
    )


def send_email_reply(
    settings_like: SmtpSettings,
    *,
    mailbox: MailboxSettings,
    to_address: str,
    to_name: str = "",
    subject: str,
    in_reply_to: str | None,
    references: Sequence[str] = (),
    text: str,
    from_address: str | None = None,
    message_id_domain: str | None = None,
    now: datetime | None = None,
) -> SentEmail:
    """Send the reply over the ``smtp_*`` settings' server; see the module docstring.

    ``from_address`` defaults to the mailbox's own address, ``message_id_domain``
    to that address's domain and ``now`` (the Date) to the current time.
    """
    sender = _address(from_address or _own_address(mailbox))
    recipient = _address(to_address, to_name)
    msg_id, raw = build_reply(
        from_address=sender,
        to_address=recipient,
        subject=subject,
        in_reply_to=in_reply_to,
        references=references,
        text=text,
        message_id_domain=message_id_domain or sender.domain,
        now=now or datetime.now(UTC),
    )
    try:
        smtp = open_smtp(settings_like, _ReplySmtp)
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 600:
            raise _refused(exc.smtp_code, exc.smtp_error, stage="connect", to="") from exc
        raise _not_sent(exc) from exc
    except OSError as exc:  # smtplib.SMTPException is an OSError
        raise _not_sent(exc) from exc
    delivered = False
    try:
        smtp.sendmail(sender.addr_spec, [recipient.addr_spec], raw)
        delivered = True
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        raise _refused(code, reply, stage="recipient", to=recipient.addr_spec) from exc
    except smtplib.SMTPResponseException as exc:
        if not 400 <= exc.smtp_code < 600:
            raise (_uncertain(exc) if smtp.content_sent else _not_sent(exc)) from exc
        stage = "connect"  # the EHLO/HELO refused
        if isinstance(exc, smtplib.SMTPSenderRefused):
            stage = "sender"
        elif isinstance(exc, smtplib.SMTPDataError):
            stage = "message"
        raise _refused(exc.smtp_code, exc.smtp_error, stage=stage, to="") from exc
    except OSError as exc:
        raise (_uncertain(exc) if smtp.content_sent else _not_sent(exc)) from exc
    finally:
        if delivered:
            try:
                smtp.quit()
            except OSError:
                smtp.close()
        else:  # no QUIT to a server that may not answer: it would wait the timeout again
            smtp.close()
    return SentEmail(message_id=msg_id, raw=raw)
