"""Finding a send whose answer was lost among what the platform shows.

Pure. A reply or message is *uncertain* when Meta may have published it but
its answer never came back. The page's webhook echo usually settles it; when
no echo comes, the sender looks on the platform (the comment's replies, the
person's conversation) on a schedule, and a post of the page with the same
text, made after the send was queued, and not already another send's, is
ours: then it counts as sent at the time the platform gives. Finding nothing
proves nothing (Meta's reads lag its writes), so a send is never repeated
because a lookup came back empty: after the last lookup a person decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# When to look, counted from the previous lookup (the first from when the
# send became uncertain): time for the echo first, then ever more patiently.
SCHEDULE = (
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
# A platform's clock and ours may differ a little.
CLOCK_SLACK = timedelta(minutes=1)


@dataclass(frozen=True)
class Seen:
    """One comment or message as the platform shows it."""

    id: str
    text: str
    author_id: str
    author_name: str
    created_at: datetime | None


def graph_time(value: object) -> datetime | None:
    """Graph's ``2026-11-23T12:00:05+0000`` (``created_time``, ``timestamp``)."""
    if not isinstance(value, str):
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(value, pattern).astimezone(UTC)
        except ValueError:
            continue
    return None


def seen(entry: Mapping[str, object]) -> Seen | None:
    """A Graph comment, Instagram comment or Messenger message as ``Seen``."""
    found_id = entry.get("id")
    if not isinstance(found_id, str) or not found_id:
        return None
    text = entry.get("message", entry.get("text"))
    author = entry.get("from")
    author_id = author_name = ""
    if isinstance(author, Mapping):
        author_id = str(author.get("id") or "")
        author_name = str(author.get("name") or author.get("username") or "")
    username = entry.get("username")
    if not author_name and isinstance(username, str):
        author_name = username
    return Seen(
        id=found_id,
        text=text if isinstance(text, str) else "",
        author_id=author_id,
        author_name=author_name,
        created_at=graph_time(entry.get("created_time", entry.get("timestamp"))),
    )


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def find_sent(
    candidates: Iterable[Seen],
    *,
    text: str,
    owners: set[str],
    since: datetime,
    taken: set[str],
) -> Seen | None:
    """The earliest post by one of ``owners`` (the page's ids and names) with
    ``text``, made after ``since`` (when the send was queued), not in ``taken``."""
    matches = [
        c
        for c in candidates
        if c.id not in taken
        and (c.author_id in owners or c.author_name in owners)
        and _same_text(c.text, text)
        and (c.created_at is None or c.created_at >= since - CLOCK_SLACK)
    ]
    if not matches:
        return None
    epoch = datetime.min.replace(tzinfo=UTC)
    return min(matches, key=lambda c: (c.created_at or epoch, c.id))


def next_lookup(done: int, now: datetime) -> datetime | None:
    """When to look again after ``done`` lookups; None when a person must decide."""
    if done >= len(SCHEDULE):
        return None
    return now + SCHEDULE[done]
