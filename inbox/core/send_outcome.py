"""How sending a reply can fail, in words a communicator can act on.

A sender (``inbox.channels.email.reply``, ``inbox.channels.webhook.reply``)
returns when the receiver took the reply, or raises exactly one of three
errors, each telling the caller what it may do next:

- ``SendRejected``: the receiver answered and refused. ``permanent`` says
  whether trying again can ever help (a bad address, a refused message) or
  whether it may later (a full mailbox, a busy server; ``retry_after`` gives
  the receiver's own wait when it named one, in seconds).
- ``SendNotSent``: the reply never reached the receiver (nothing listening, an
  unknown host, the connection refused). Repeating it is safe.
- ``SendUncertain``: the reply left, but the answer was lost (a timeout or a
  broken connection after the message was handed over). The receiver may have
  it: it must not be sent again without a person deciding so, or without a key
  that lets the receiver recognise the repeat.

``SentCopyFailed`` is not a failure to send: the reply went out, but the copy
the organisation keeps of what it sent (the mailbox's Sent folder) could not be
stored. The caller records it and stores the copy again later.

Every error carries ``message`` (what happened) and ``advice`` (what to do),
each a ``Text`` the interface translates (``message_sv`` and ``advice_sv`` give
the Swedish), and ``detail``: the receiver's own words or the technical cause,
for the log.
"""

from __future__ import annotations

from inbox.core.text import Text

__all__ = ["SendError", "SendNotSent", "SendRejected", "SendUncertain", "SentCopyFailed"]


class _Told(Exception):
    """What happened and what to do, each a ``Text``; the technical ``detail`` for logs."""

    def __init__(self, message: Text, advice: Text, *, detail: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.advice = advice
        self.detail = detail

    @property
    def message_sv(self) -> str:
        return str(self.message)

    @property
    def advice_sv(self) -> str:
        return str(self.advice)

    def __str__(self) -> str:
        return f"{self.message_sv} ({self.detail})" if self.detail else self.message_sv


class SendError(_Told):
    """A reply that did not certainly arrive; see the subclasses."""


class SendRejected(SendError):
    """The receiver answered and refused the reply.

    ``permanent``: trying again can never help, so it must not be retried.
    Otherwise it may be tried again later, after ``retry_after`` seconds when the
    receiver said how long to wait.
    """

    def __init__(
        self,
        message: Text,
        advice: Text,
        permanent: bool,
        *,
        detail: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, advice, detail=detail)
        self.permanent = permanent
        self.retry_after = retry_after


class SendNotSent(SendError):
    """The reply never reached the receiver: sending it again is safe."""


class SendUncertain(SendError):
    """The reply left but no answer came back: the receiver may have it.

    It must not be repeated blindly; a person decides, or the repeat carries the
    same idempotency key so the receiver can recognise it.
    """


class SentCopyFailed(_Told):
    """The reply was sent, but its copy could not be kept in the Sent folder.

    The send stands; the caller records this and stores the copy again later.
    """
