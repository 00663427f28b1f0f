"""Small helpers for aware datetimes at the edges (parsing, UTC conversion)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from inbox.calendar import STOCKHOLM


def parse_instant(value: str) -> datetime:
    """Parse ISO 8601 with an offset or ``Z``; a naive timestamp is refused."""
    text = value.strip()
    if not text:
        raise ValueError("empty timestamp")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"timestamp has no offset or Z: {value!r}")
    return parsed.astimezone(UTC)


def local_midnight(d: date) -> datetime:
    """Midnight Europe/Stockholm at the start of ``d``, as UTC."""
    return datetime.combine(d, time(0), tzinfo=STOCKHOLM).astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC)
