"""Commands that answer without opening the application: ``inbox pages list``.

They read through ``inbox.store.quick`` (the database driver alone) when the
database is at the newest migration, and hand over to the ordinary command
otherwise, so the answer is the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence

from inbox.core import formatting
from inbox.core.outbound import route
from inbox.store import quick

# What `pages list` says of each page's sending (the words of the admin pages).
STATES = {
    "connected": "kopplad",
    "reconnect": "ny token behövs",
    "permission": "saknar behörighet",
}


def sending_state(row: quick.PageRow) -> str:
    if route(row.channel) == "meta":
        return STATES.get(row.connection or "", "inte kopplad")
    if route(row.channel) == "email":
        return "e-post"
    return "kopplad" if row.has_webhook else "inte kopplad"


def print_pages(rows: Sequence[quick.PageRow]) -> int:
    width = max((len(p.key) for p in rows), default=3)
    for p in rows:
        target = formatting.number(p.target_hours)
        part = "" if p.receives == "all" else f" ({p.receives})"
        print(
            f"{p.key:<{width}}  {p.channel:<9}  {p.calendar:<6}  {target:>4} h  "
            f"{sending_state(p):<17}  {p.name}{part}"
        )
    return 0


def quick_pages_list() -> int | None:
    """The page list, or None when the ordinary path must answer (it migrates)."""
    try:
        rows = quick.pages()
    except quick.Stale:
        return None
    return print_pages(rows)
