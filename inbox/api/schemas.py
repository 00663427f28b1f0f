"""What the API accepts and returns, as pydantic models; the OpenAPI document is built from them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, get_type_hints

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
)

from inbox.core import limits, metrics

# Timestamps outside these bounds are typing errors, and would overflow the SLA arithmetic.
EARLIEST = datetime(1970, 1, 2, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
NO_NUL = r"^[^\x00]*$"
MAX_TEXT = 100_000
# A reply: what the platforms take, and what the item page's form allows.
MAX_REPLY = limits.REPLY.most
MAX_ITEM_ID = 2**31 - 1

ChannelName = Literal["facebook", "instagram", "messenger", "linkedin", "email", "web", "other"]
KindName = Literal["comment", "reply", "private_message", "email", "mention", "other"]
StatusName = Literal["open", "closed"]
SlaStateName = Literal["ok", "at_risk", "breached", "met", "late"]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; say so instead of failing on insert.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


_NUMBER = re.compile(r"\s*[+-]?\d+(\.\d*)?\s*")


def _iso_only(value: Any) -> Any:
    # Pydantic would read a bare number as Unix time; the API speaks ISO 8601 only.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("must be an ISO 8601 timestamp with an offset, not a number")
    return value


def _in_range(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs an offset or Z (ISO 8601, e.g. 2026-11-17T10:00:00+01:00)")
    if not EARLIEST <= value < LATEST:
        raise ValueError("must be between 1970-01-02 and 2100-01-01")
    return value.astimezone(UTC)


def _date_in_range(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError("must be between 1970-01-02 and 2100-01-01")
    return value


def text_field(max_length: int, *, min_length: int = 0) -> Any:
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length, json_schema_extra={"pattern": NO_NUL}),
        AfterValidator(_no_nul),
    ]


Instant = Annotated[
    datetime,
    Field(description="ISO 8601 with an offset or Z, between 1970-01-02 and 2100-01-01"),
    BeforeValidator(_iso_only),
    AfterValidator(_in_range),
]
Day = Annotated[date, AfterValidator(_date_in_range)]
Key = text_field(255, min_length=1)


class ItemIn(BaseModel):
    """An item from any other channel (LinkedIn, YouTube, a web form)."""

    model_config = ConfigDict(extra="forbid")

    page: text_field(64, min_length=1) = Field(description="key of an existing page")  # type: ignore[valid-type]
    external_id: Key = Field(description="the source's id; page + external_id is the key")  # type: ignore[valid-type]
    received_at: Instant = Field(description="when the person wrote it")
    text: text_field(MAX_TEXT)  # type: ignore[valid-type]
    author: text_field(255) = ""  # type: ignore[valid-type]
    channel: ChannelName | None = Field(default=None, description="the page's channel if left out")
    kind: KindName = "comment"
    post_id: text_field(128) | None = None  # type: ignore[valid-type]
    parent_id: Key | None = None  # type: ignore[valid-type]
    conversation_id: Key | None = None  # type: ignore[valid-type]


class ResponseIn(BaseModel):
    """An answer given elsewhere (phone, the platform's own tools)."""

    model_config = ConfigDict(extra="forbid")

    sent_at: Instant = Field(description="when the answer was given")
    author: text_field(255, min_length=1)  # type: ignore[valid-type]
    text: text_field(MAX_TEXT) = ""  # type: ignore[valid-type]


class ItemOut(BaseModel):
    id: int
    page: str
    external_id: str
    channel: str
    kind: str
    author: str
    text: str
    post_id: str | None
    parent_id: str | None
    conversation_id: str | None
    received_at: datetime
    due_at: datetime
    first_response_at: datetime | None
    status: StatusName
    resolution: str | None
    sla_state: SlaStateName
    department: str | None
    topic: str | None
    assignee: str | None


class OutboundOut(BaseModel):
    """Something sent to the platform for the item: a reply, a private reply, moderation."""

    id: int
    kind: Literal["reply", "private_reply", "message", "hide", "unhide", "delete"]
    state: Literal["queued", "sending", "sent", "failed", "uncertain"] = Field(
        description="queued, sending, sent (the platform accepted it), failed, or uncertain "
        "(the answer was lost: settled by the platform's echo, never sent twice)"
    )
    platform_id: str | None = Field(description="what the platform made (comment, message id)")
    error: str | None = Field(description="the platform's refusal, in plain Swedish")
    sent_at: datetime | None = Field(description="when the platform accepted it")
    created_at: datetime


class ItemDetail(ItemOut):
    outbound: list[OutboundOut] = Field(description="what was sent to the platform, oldest first")


class ReplyIn(BaseModel):
    """A reply for the platform the item came from; needs a token with the reply scope."""

    model_config = ConfigDict(extra="forbid")

    text: text_field(MAX_REPLY, min_length=1)  # type: ignore[valid-type]
    private: bool = Field(
        default=False, description="a private message answering a public comment (one, 7 days)"
    )


class ModerationIn(BaseModel):
    """Hide, unhide or delete the comment on the platform; needs the reply scope."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["hide", "unhide", "delete"]
    reason: (
        Literal["kränkande", "hot", "personuppgifter", "reklam", "olagligt innehåll", "annat"]
        | None
    ) = None
    detail: text_field(500) = ""  # type: ignore[valid-type]


class ResponseOut(BaseModel):
    id: int
    item_id: int
    author: str
    text: str
    sent_at: datetime
    source: str
    item: ItemOut


class ItemList(BaseModel):
    items: list[ItemOut]
    next_cursor: str | None = Field(description="cursor= for the next page; null at the end")
    next: str | None = Field(description="the URL of the next page; null at the end")


class ItemFilters(BaseModel):
    """Query parameters of ``GET /api/v1/items``."""

    model_config = ConfigDict(extra="ignore")

    page: text_field(64, min_length=1) | None = None  # type: ignore[valid-type]
    status: StatusName | None = None
    sla_state: SlaStateName | None = None
    department: text_field(64, min_length=1) | None = None  # type: ignore[valid-type]
    topic: text_field(64, min_length=1) | None = None  # type: ignore[valid-type]
    received_from: Instant | None = None
    received_to: Instant | None = None
    limit: int = Field(default=50, ge=1, le=200)
    cursor: text_field(200, min_length=1) | None = None  # type: ignore[valid-type]


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    start: Day = Field(alias="from")
    end: Day = Field(alias="to")
    as_of: Instant | None = None
    page: list[text_field(64, min_length=1)] = Field(default_factory=list)  # type: ignore[valid-type]


# The report's figures, described from the one definition in ``inbox.core.metrics`` (so
# the document cannot drift from what the API returns), plus the dialogue counts.
_METRIC_FIELDS: dict[str, Any] = {
    name: (hint, ...)
    for name, hint in get_type_hints(metrics.Metrics).items()
    if name in metrics.METRIC_NAMES
}
Metrics: type[BaseModel] = create_model(
    "Metrics",
    **_METRIC_FIELDS,
    dialogues=(int, ...),
    dialogues_page_took_part=(int, ...),
)


class PageMetrics(Metrics):  # type: ignore[misc,valid-type]
    page: str
    name: str = Field(description="the page's name")


class ReportOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to", description="exclusive: the day after the window")
    until: date = Field(description="the window's last day, included")
    as_of: datetime
    window: str = Field(description="the window in words, as every report states it")
    pages: list[PageMetrics]
    total: Metrics  # type: ignore[valid-type]


class FieldError(BaseModel):
    loc: str = Field(description="where: body.field, query.name or path.name")
    msg: str


class Error(BaseModel):
    error: str = Field(description="a short code: unauthorized, not_found, invalid_request, ...")
    detail: str | list[FieldError]
