"""The SMTP connection both notifications and e-mail replies go out on.

It is opened from the ``smtp_*`` settings: the host and port, STARTTLS when
``smtp_starttls`` is on (the server's certificate checked), and a login when
``smtp_user`` is set.
"""

from __future__ import annotations

import smtplib
import ssl
from typing import Protocol, TypeVar

__all__ = ["SmtpSettings", "open_smtp"]

_Smtp = TypeVar("_Smtp", bound=smtplib.SMTP)


class SmtpSettings(Protocol):
    """What opening a connection reads; ``inbox.settings.Settings`` has it all."""

    @property
    def smtp_host(self) -> str: ...
    @property
    def smtp_port(self) -> int: ...
    @property
    def smtp_user(self) -> str: ...
    @property
    def smtp_password(self) -> str: ...
    @property
    def smtp_starttls(self) -> bool: ...
    @property
    def smtp_timeout(self) -> float: ...


def open_smtp(settings: SmtpSettings, smtp_class: type[_Smtp]) -> _Smtp:
    """A connection ready for MAIL FROM; closed again if anything on the way fails."""
    smtp = smtp_class(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    try:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
    except BaseException:
        smtp.close()
        raise
    return smtp
