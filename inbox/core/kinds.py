"""The words the data is made of: channels, kinds, statuses, resolutions, roles, calendars.

Plain string enums (their values are what the database and the API hold), kept
here so that the core, the parser of the command line and the tables share them.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    MESSENGER = "messenger"
    LINKEDIN = "linkedin"
    EMAIL = "email"
    WEB = "web"
    OTHER = "other"


class Kind(StrEnum):
    COMMENT = "comment"
    REPLY = "reply"
    PRIVATE_MESSAGE = "private_message"
    EMAIL = "email"
    MENTION = "mention"
    OTHER = "other"


class Resolution(StrEnum):
    ANSWERED = "answered"
    NO_REPLY_NEEDED = "no_reply_needed"
    SPAM = "spam"
    REMOVED = "removed"


EXCLUDING_RESOLUTIONS = (Resolution.NO_REPLY_NEEDED, Resolution.SPAM, Resolution.REMOVED)


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"
    UNKNOWN_PAGE = "unknown_page"


class Role(StrEnum):
    COMMUNICATOR = "communicator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class CalendarKind(StrEnum):
    OFFICE = "office"
    ROUND_THE_CLOCK = "24x7"


class OutboundKind(StrEnum):
    """What the inbox sends to a platform on a person's behalf."""

    REPLY = "reply"  # a public answer under the comment, an e-mail, an API reply
    PRIVATE_REPLY = "private_reply"  # a private message answering a public comment
    MESSAGE = "message"  # an answer in a Messenger or Instagram conversation
    HIDE = "hide"
    UNHIDE = "unhide"
    DELETE = "delete"


class OutboundState(StrEnum):
    QUEUED = "queued"  # köad: waiting for the sender
    SENDING = "sending"  # the sender has it; becomes uncertain if the sender dies
    SENT = "sent"  # skickad: the platform accepted it
    FAILED = "failed"  # misslyckad: refused for good, or given up
    UNCERTAIN = "uncertain"  # osäker: the answer was lost; never repeated blindly


class ConnectionState(StrEnum):
    CONNECTED = "connected"  # kopplad
    RECONNECT = "reconnect"  # ny token behövs (Meta error 190)
    PERMISSION = "permission"  # saknar behörighet (10, 200-299)


class Receives(StrEnum):
    """What a page takes of what arrives under its platform id."""

    ALL = "all"  # comments and messages
    FEED = "feed"  # comments (and mentions) only
    MESSAGES = "messages"  # Messenger or Instagram direct messages only
