"""The queue's filters: parsed and validated from query parameters, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from inbox.core import limits
from inbox.core.text import Text

SLA_FILTERS = ("ok", "at_risk", "breached", "answered")
STATUS_FILTERS = ("open", "closed")
SENTIMENTS = ("positive", "neutral", "negative")
MINE_DEPARTMENTS = "_mine"  # the department filter value for "my departments"
PAGE_SIZE = 50
MAX_QUERY = limits.SEARCH.most


@dataclass(frozen=True)
class QueueFilters:
    page: str = ""
    department: str = ""
    topic: str = ""
    sentiment: str = ""
    sla: str = ""
    status: str = "open"
    mine: bool = False
    q: str = ""
    offset: int = 0

    def query_string(self, **changes: object) -> str:
        f = replace(self, **changes)  # type: ignore[arg-type]
        pairs = [
            (k, v)
            for k, v in (
                ("page", f.page),
                ("department", f.department),
                ("topic", f.topic),
                ("sentiment", f.sentiment),
                ("sla", f.sla),
                ("status", "" if f.status == "open" else f.status),
                ("mine", "1" if f.mine else ""),
                ("q", f.q),
                ("offset", str(f.offset) if f.offset else ""),
            )
            if v
        ]
        return urlencode(pairs)


class FilterError(ValueError):
    """A query parameter the queue does not take; ``text`` says which and why."""

    def __init__(self, text: Text, *, typed_query: str | None = None) -> None:
        super().__init__(str(text))
        self.text = text
        # A search that is too long: what was typed, to show it again in the form.
        self.typed_query = typed_query


def parse_filters(params: Mapping[str, str], *, default_department: str = "") -> QueueFilters:
    """Unknown values are refused with a message naming the parameter."""

    def choice(name: str, allowed: tuple[str, ...]) -> str:
        value = params.get(name, "").strip()
        if value and value not in allowed:
            raise FilterError(
                Text(
                    "Filtret %(name)s kan inte vara %(value)s. Välj ett av: %(allowed)s.",
                    name=name,
                    value=value[:64],
                    allowed=", ".join(allowed),
                )
            )
        return value

    def key(name: str) -> str:
        value = params.get(name, "").strip()
        if len(value) > 64 or any(ch.isspace() for ch in value):
            raise FilterError(
                Text(
                    "Filtret %(name)s kan inte vara %(value)s: det är inte en nyckel.",
                    name=name,
                    value=value[:64],
                )
            )
        return value

    q = params.get("q", "").strip()
    problem = limits.SEARCH.problem(q)
    if problem is not None:
        raise FilterError(problem, typed_query=q)
    raw_offset = params.get("offset", "0").strip() or "0"
    # ASCII digits only (str.isdigit also takes '²'), and few enough for int().
    if (
        not (raw_offset.isascii() and raw_offset.isdigit() and len(raw_offset) <= 7)
        or int(raw_offset) > 1_000_000
    ):
        raise FilterError(
            Text(
                "Filtret offset kan inte vara %(value)s: ange ett heltal från 0.",
                value=raw_offset[:20],
            )
        )
    department = key("department") if "department" in params else default_department
    return QueueFilters(
        page=key("page"),
        department=department,
        topic=key("topic"),
        sentiment=choice("sentiment", SENTIMENTS),
        sla=choice("sla", SLA_FILTERS),
        status=choice("status", STATUS_FILTERS) or "open",
        mine=params.get("mine", "") in ("1", "on", "true"),
        q=q,
        offset=int(raw_offset),
    )
