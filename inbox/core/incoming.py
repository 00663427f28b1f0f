"""The one normalised shape every channel's payload is turned into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class NewItem:
    page: str
    external_id: str
    received_at: datetime
    text: str
    channel: str | None = None
    kind: str = "comment"
    author: str = ""
    author_id: str | None = None
    post_id: str | None = None
    parent_id: str | None = None
    conversation_id: str | None = None
    first_response_at: datetime | None = None
    resolution: str | None = None
