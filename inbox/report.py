"""The per-page report, aggregated in the database.

Counts come from one grouped scan of the covering index ``ix_item_report``;
medians from one more query (window functions on SQLite, ``percentile_cont``
on PostgreSQL). No item is ever turned into a Python object here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from inbox.metrics import EXCLUDING, Metrics, metrics_from_parts
from inbox.models import Item, Page
from inbox.timeutil import local_midnight

_item = Item.__table__  # type: ignore[attr-defined]
_page = Page.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    as_of: datetime
    pages: dict[str, Metrics]
    total: Metrics

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "pages": [{"page": key, **m.as_dict()} for key, m in self.pages.items()],
            "total": self.total.as_dict(),
        }


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return sa.case((condition, 1), else_=0)


def _conditions(as_of: datetime) -> tuple[ColumnElement[bool], ...]:
    c = _item.c
    as_of_param = sa.bindparam("as_of", as_of, type_=c.first_response_at.type)
    answered = sa.and_(c.first_response_at.is_not(None), c.first_response_at <= as_of_param)
    excluding = sa.func.coalesce(c.resolution, "").in_(sorted(EXCLUDING))
    excluded = sa.and_(sa.not_(answered), excluding)
    breached = sa.or_(
        sa.and_(answered, c.first_response_at > c.due_at),
        sa.and_(sa.not_(answered), sa.not_(excluding), c.due_at < as_of_param),
    )
    within = sa.and_(answered, c.first_response_at <= c.due_at)
    return answered, excluded, breached, within


def _window(start: date, end: date) -> ColumnElement[bool]:
    c = _item.c
    return sa.and_(c.received_at >= local_midnight(start), c.received_at < local_midnight(end))


def _medians(
    conn: Connection, where: ColumnElement[bool], column: str
) -> tuple[dict[int, float], float | None]:
    """Median of ``column`` per page and pooled over all pages."""
    c = _item.c
    value = c[column]
    if conn.dialect.name == "postgresql":
        median = sa.func.percentile_cont(0.5).within_group(value)
        rows = conn.execute(
            sa.select(c.page_id, median).where(where).group_by(sa.func.rollup(c.page_id))
        ).all()
        per_page = {r[0]: float(r[1]) for r in rows if r[0] is not None and r[1] is not None}
        pooled = [float(r[1]) for r in rows if r[0] is None and r[1] is not None]
        return per_page, (pooled[0] if pooled else None)
    # SQLite has no median aggregate: rank within each group and average the middle one or two.
    ranked = (
        sa.select(
            c.page_id.label("page_id"),
            value.label("v"),
            sa.func.row_number().over(partition_by=c.page_id, order_by=value).label("rn"),
            sa.func.count().over(partition_by=c.page_id).label("n"),
            sa.func.row_number().over(order_by=value).label("trn"),
            sa.func.count().over().label("tn"),
        )
        .where(where)
        .subquery()
    )
    r = ranked.c
    middle = sa.or_(r.rn == (r.n + 1) // 2, r.rn == (r.n + 2) // 2)
    tmiddle = sa.or_(r.trn == (r.tn + 1) // 2, r.trn == (r.tn + 2) // 2)
    rows = conn.execute(
        sa.select(r.page_id, r.v, middle.label("m"), tmiddle.label("t")).where(
            sa.or_(middle, tmiddle)
        )
    ).all()
    groups: dict[int, list[float]] = {}
    total: list[float] = []
    for page_id, v, is_middle, is_total_middle in rows:
        if is_middle:
            groups.setdefault(page_id, []).append(float(v))
        if is_total_middle:
            total.append(float(v))
    per_page = {page_id: sum(vs) / len(vs) for page_id, vs in groups.items()}
    return per_page, (sum(total) / len(total) if total else None)


def build_report(
    conn: Connection,
    *,
    start: date,
    end: date,
    as_of: datetime,
    page_keys: list[str] | None = None,
) -> Report:
    if end <= start:
        raise ValueError("--to must be after --from")
    c = _item.c
    answered, excluded, breached, within = _conditions(as_of)
    where = _window(start, end)
    page_query = sa.select(_page.c.id, _page.c.key).order_by(_page.c.key)
    if page_keys:
        page_query = page_query.where(_page.c.key.in_(page_keys))
    pages = {row.id: row.key for row in conn.execute(page_query)}
    if page_keys:
        missing = sorted(set(page_keys) - set(pages.values()))
        if missing:
            raise LookupError(f"unknown page: {', '.join(missing)}")
        where = sa.and_(where, c.page_id.in_(list(pages)))

    counts = conn.execute(
        sa.select(
            c.page_id,
            sa.func.count(),
            sa.func.sum(_flag(excluded)),
            sa.func.sum(_flag(answered)),
            sa.func.sum(_flag(within)),
            sa.func.sum(_flag(breached)),
            sa.func.sum(sa.case((answered, c.response_minutes), else_=None)),
        )
        .where(where)
        .group_by(c.page_id)
    ).all()
    answered_where = sa.and_(where, answered)
    minutes, total_minutes = _medians(conn, answered_where, "response_minutes")
    office, total_office = _medians(conn, answered_where, "response_office_minutes")

    per_page: dict[str, Metrics] = {}
    sums = [0, 0, 0, 0, 0]
    minute_sum = 0.0
    by_page = {row[0]: row for row in counts}
    for page_id, key in pages.items():
        row = by_page.get(page_id)
        received, excl, resp, within_n, breached_n = (
            (int(v or 0) for v in row[1:6]) if row else (0, 0, 0, 0, 0)
        )
        page_minutes = float(row[6]) if row and row[6] is not None else 0.0
        sums = [a + b for a, b in zip(sums, (received, excl, resp, within_n, breached_n), strict=True)]
        minute_sum += page_minutes
        per_page[key] = _assemble(
            received, excl, resp, within_n, breached_n,
            page_minutes, minutes.get(page_id), office.get(page_id),
        )
    total = _assemble(*sums, minute_sum, total_minutes, total_office)
    return Report(start=start, end=end, as_of=as_of, pages=per_page, total=total)


def _assemble(
    received: int,
    excluded: int,
    responded: int,
    within: int,
    breached: int,
    minute_sum: float,
    median: float | None,
    office_median: float | None,
) -> Metrics:
    return metrics_from_parts(
        received=received,
        excluded=excluded,
        responded=responded,
        within_target=within,
        breached=breached,
        mean_minutes=minute_sum / responded if responded else None,
        median_minutes=median,
        median_office_minutes=office_median,
    )
