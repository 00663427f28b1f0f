"""Small helpers for aware datetimes at the edges (parsing, UTC conversion)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


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


# A moment a person wrote something is after this and not after now (allowing
# for the sender's clock running a little fast). Anything else is a typing or
# encoding error (year 1, year 5138, a timestamp in the wrong unit), and would
# put an item years overdue or never due.
EARLIEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)


def implausible(at: datetime, now: datetime | None) -> str | None:
    """Why ``at`` cannot be when something was written or sent, or None when it can
    (without ``now``, only the lower bound is checked)."""
    if at < EARLIEST_PLAUSIBLE:
        return "is before 2000-01-01"
    if now is not None and at > now + CLOCK_SKEW:
        return "is in the future"
    return None
