"""Commands that answer without opening the application: ``inbox pages list``.

They read through ``inbox.store.quick`` (the database driver alone) when the
database is at the newest migration, and hand over to the ordinary command
otherwise, so the answer is the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from inbox.core import formatting
from inbox.store import quick


class _PageLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def calendar(self) -> str: ...
    @property
    def target_hours(self) -> float: ...


def print_pages(rows: Sequence[_PageLike]) -> int:
    width = max((len(p.key) for p in rows), default=3)
    for p in rows:
        target = formatting.number(p.target_hours)
        print(f"{p.key:<{width}}  {p.channel:<9}  {p.calendar:<6}  {target:>4} h  {p.name}")
    return 0


def quick_pages_list() -> int | None:
    """The page list, or None when the ordinary path must answer (it migrates)."""
    try:
        rows = quick.pages()
    except quick.Stale:
        return None
    return print_pages(rows)
