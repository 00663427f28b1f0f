"""Sending an item's record to the registry (registrator) by e-mail, the record attached."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from inbox.channels.smtp import open_smtp
from inbox.settings import Settings

__all__ = ["RegistryError", "send_record"]


class RegistryError(Exception):
    """The registry's mail server did not take the record."""


def send_record(
    settings: Settings,
    *,
    to: str,
    subject: str,
    body: str,
    filename: str,
    html: str,
    reply_to: str | None = None,
) -> str:
    """Sends the record as an HTML attachment; returns the Message-ID."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    if reply_to:
        msg["Reply-To"] = reply_to
    msg_id = make_msgid(idstring="registry", domain="inbox.local")
    msg["Message-ID"] = msg_id
    msg.set_content(body)
    msg.add_attachment(
        html.encode("utf-8"),
        maintype="text",
        subtype="html",
        filename=filename,
        params={"charset": "utf-8"},
    )
    try:
        smtp = open_smtp(settings, smtplib.SMTP)
        try:
            smtp.send_message(msg)
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    except (smtplib.SMTPException, OSError) as exc:
        raise RegistryError(f"{type(exc).__name__}: {exc}") from exc
    return msg_id
