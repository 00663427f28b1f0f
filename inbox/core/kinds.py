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
