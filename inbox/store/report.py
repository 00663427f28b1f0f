"""The per-page report, aggregated in the database.

Counts come from one grouped scan of the covering index ``ix_item_report``;
medians from one more query (window functions on SQLite, ``percentile_cont``
on PostgreSQL). No item is ever turned into a Python object here.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from inbox.core.csv_out import CsvWriter
from inbox.core.formatting import window_words
from inbox.core.metrics import EXCLUDING, Metrics, metrics_from_parts
from inbox.core.timeutil import local_midnight
from inbox.store.models import Item, Page, PlatformResponse, Response, to_epoch_us

_item = Item.__table__  # type: ignore[attr-defined]
_page = Page.__table__  # type: ignore[attr-defined]
_platform_response = PlatformResponse.__table__  # type: ignore[attr-defined]
_response = Response.__table__  # type: ignore[attr-defined]

# The spec's dialogue: a post with this many comments or more.
DIALOGUE_COMMENTS = 3
_COMMENT_KINDS = ("comment", "reply")


@dataclass(frozen=True)
class Dialogues:
    """Posts with a dialogue (three or more comments) and those where the page took part."""

    dialogues: int = 0
    page_took_part: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"dialogues": self.dialogues, "dialogues_page_took_part": self.page_took_part}


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    as_of: datetime
    pages: dict[str, Metrics]
    total: Metrics
    dialogues: dict[str, Dialogues] = field(default_factory=dict)
    total_dialogues: Dialogues = field(default_factory=Dialogues)
    # Page key to the page's name, and to its response target in hours.
    names: dict[str, str] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)

    @property
    def last_day(self) -> date:
        """The window's last day (``end`` is the day after it: ``[start, end)``)."""
        return self.end - timedelta(days=1)

    @property
    def window(self) -> str:
        """The window in the words every output uses (inbox.core.formatting.WINDOW_WORDS)."""
        return window_words(self.start, self.end, self.as_of)

    def name(self, key: str) -> str:
        return self.names.get(key, key)

    def as_json(self) -> dict[str, Any]:
        empty = Dialogues()
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "until": self.last_day.isoformat(),
            "as_of": self.as_of.isoformat(),
            "window": self.window,
            "pages": [
                {
                    "page": key,
                    "name": self.name(key),
                    **m.as_dict(),
                    **self.dialogues.get(key, empty).as_dict(),
                }
                for key, m in self.pages.items()
            ],
            "total": {**self.total.as_dict(), **self.total_dialogues.as_dict()},
        }


# The columns the ``plain`` CSV dialect appends to every row: the window, machine-readable.
WINDOW_FIELDS = ("from", "until", "as_of")


def write_window_head(writer: CsvWriter, report: Report) -> None:
    """A report's CSV in the ``excel`` dialect opens with the window's sentence; the
    ``plain`` one keeps its header first and carries the window in ``WINDOW_FIELDS``."""
    if writer.dialect == "excel":
        writer.writerow(["Period", report.window])


def window_cells(writer: CsvWriter, report: Report) -> list[str]:
    """The values of ``WINDOW_FIELDS`` for each row (none in the ``excel`` dialect)."""
    if writer.dialect == "excel":
        return []
    return [report.start.isoformat(), report.last_day.isoformat(), report.as_of.isoformat()]


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


def _sqlite_medians(
    conn: Connection, window: tuple[list[int], datetime, datetime, datetime]
) -> tuple[dict[int, tuple[float, float]], tuple[float | None, float | None]]:
    """Median response minutes and office minutes per page, and pooled over all pages.

    SQLite has no median aggregate, and ranking with window functions sorts the
    window twice per figure. Fetching the two columns straight from the driver
    (tens of thousands of rows) and sorting here is several times faster.
    """
    page_ids, start, end, as_of = window
    marks = ", ".join("?" * len(page_ids))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(
            "SELECT page_id, response_minutes, response_office_minutes FROM item "
            f"WHERE page_id IN ({marks}) AND received_at >= ? AND received_at < ? "
            "AND first_response_at <= ?",
            [*page_ids, to_epoch_us(start), to_epoch_us(end), to_epoch_us(as_of)],
        )
        fetched = cursor.fetchall()
    finally:
        cursor.close()
    groups: dict[int, tuple[list[float], list[float]]] = {}
    for page_id, minutes, office in fetched:
        group = groups.setdefault(page_id, ([], []))
        group[0].append(minutes)
        group[1].append(office)
    per_page = {pid: (statistics.median(m), statistics.median(o)) for pid, (m, o) in groups.items()}
    if not fetched:
        return per_page, (None, None)
    return per_page, (
        statistics.median([row[1] for row in fetched]),
        statistics.median([row[2] for row in fetched]),
    )


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
    page_query = sa.select(_page.c.id, _page.c.key, _page.c.name, _page.c.target_hours).order_by(
        _page.c.key
    )
    if page_keys:
        page_query = page_query.where(_page.c.key.in_(page_keys))
    page_rows = conn.execute(page_query).all()
    pages = {row.id: row.key for row in page_rows}
    names = {row.key: row.name for row in page_rows}
    targets = {row.key: float(row.target_hours) for row in page_rows}
    if page_keys:
        missing = sorted(set(page_keys) - set(pages.values()))
        if missing:
            raise LookupError(f"unknown page: {', '.join(missing)}")

    # Naming the pages lets the page-first covering index seek once per page.
    where = sa.and_(c.page_id.in_(list(pages)), where)
    figures = [
        sa.func.count(),
        sa.func.count().filter(excluded),
        sa.func.count().filter(answered),
        sa.func.count().filter(within),
        sa.func.count().filter(breached),
        sa.func.sum(c.response_minutes).filter(answered),
    ]
    counts: Sequence[Sequence[Any]]
    if conn.dialect.name == "postgresql":
        # One scan: the counts and both medians per page, and (the rolled-up row)
        # the medians pooled over all pages.
        rows = conn.execute(
            sa.select(
                c.page_id,
                *figures,
                sa.func.percentile_cont(0.5).within_group(c.response_minutes).filter(answered),
                sa.func.percentile_cont(0.5)
                .within_group(c.response_office_minutes)
                .filter(answered),
            )
            .where(where)
            .group_by(sa.func.rollup(c.page_id))
        ).all()
        counts = [row[:7] for row in rows if row[0] is not None]
        medians = {row[0]: (row[7], row[8]) for row in rows if row[0] is not None}
        pooled = next((row[7:9] for row in rows if row[0] is None), (None, None))
        total_minutes, total_office = pooled
    else:
        counts = conn.execute(sa.select(c.page_id, *figures).where(where).group_by(c.page_id)).all()
        window = (list(pages), local_midnight(start), local_midnight(end), as_of)
        medians, (total_minutes, total_office) = _sqlite_medians(conn, window)

    by_page = {row[0]: row for row in counts}
    parts: dict[str, list[float]] = {}
    for pid, key in pages.items():
        row = by_page.get(pid)
        parts[key] = [float(v or 0) for v in row[1:7]] if row else [0.0] * 6
    per_page = {
        key: _assemble(parts[key], *medians.get(pid, (None, None))) for pid, key in pages.items()
    }
    sums = [sum(p[i] for p in parts.values()) for i in range(6)]
    total = _assemble(sums, total_minutes, total_office)
    found = _dialogues(conn, where)
    dialogues = {key: found.get(pid, Dialogues()) for pid, key in pages.items()}
    total_dialogues = Dialogues(
        dialogues=sum(d.dialogues for d in dialogues.values()),
        page_took_part=sum(d.page_took_part for d in dialogues.values()),
    )
    return Report(
        start=start,
        end=end,
        as_of=as_of,
        pages=per_page,
        total=total,
        dialogues=dialogues,
        total_dialogues=total_dialogues,
        names=names,
        targets=targets,
    )


def previous_window(start: date, end: date) -> tuple[date, date]:
    """The window of the same length just before ``[start, end)``, to compare with."""
    return start - (end - start), start


def _dialogues(conn: Connection, where: ColumnElement[bool]) -> dict[int, Dialogues]:
    """Per page: posts with three or more comments received in the window, and of
    those, posts the page took part in (its own comment on the post, or a reply
    made on the platform to a comment under it). Counted in SQL, grouped by post.
    """
    c = _item.c
    own_comment = (
        sa.select(sa.literal(1))
        .select_from(_platform_response)
        .where(
            _platform_response.c.page_id == c.page_id,
            _platform_response.c.post_id == c.post_id,
        )
        .exists()
    )
    answered = _item.alias("answered")
    platform_reply = (
        sa.select(sa.literal(1))
        .select_from(_response.join(answered, _response.c.item_id == answered.c.id))
        .where(
            _response.c.source == "platform",
            answered.c.post_id == c.post_id,
            # "+ 0" keeps SQLite on the post_id index instead of scanning the page.
            answered.c.page_id + 0 == c.page_id,
        )
        .exists()
    )
    per_post = (
        sa.select(
            c.page_id.label("page_id"),
            _flag(sa.or_(own_comment, platform_reply)).label("took_part"),
        )
        .where(where, c.post_id.is_not(None), c.kind.in_(_COMMENT_KINDS))
        .group_by(c.page_id, c.post_id)
        .having(sa.func.count() >= DIALOGUE_COMMENTS)
        .subquery()
    )
    rows = conn.execute(
        sa.select(per_post.c.page_id, sa.func.count(), sa.func.sum(per_post.c.took_part)).group_by(
            per_post.c.page_id
        )
    ).all()
    return {
        row[0]: Dialogues(dialogues=int(row[1]), page_took_part=int(row[2] or 0)) for row in rows
    }


def _assemble(parts: list[float], median: float | None, office_median: float | None) -> Metrics:
    """Counts (received, excluded, responded, within, breached, minute sum) to metrics."""
    received, excluded, responded, within, breached = (int(v) for v in parts[:5])
    return metrics_from_parts(
        received=received,
        excluded=excluded,
        responded=responded,
        within_target=within,
        breached=breached,
        mean_minutes=parts[5] / responded if responded else None,
        median_minutes=median,
        median_office_minutes=office_median,
    )


# --- Grouped variants for the dashboard ------------------------------------------------
#
# The same window and the same conditions as ``build_report``, grouped by another
# column. Summing any grouping gives ``build_report``'s total.


@dataclass(frozen=True)
class Breakdowns:
    """The window's metrics grouped four ways, and per calendar week."""

    department: dict[str | None, Metrics]
    person: dict[str | None, Metrics]
    topic: dict[str | None, Metrics]
    sentiment: dict[str | None, Metrics]
    weeks: list[tuple[date, Metrics]]


def week_starts(start: date, end: date) -> list[date]:
    """Mondays from the week holding ``start`` until before ``end``."""
    monday = start - timedelta(days=start.weekday())
    out = []
    while monday < end:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def build_breakdowns(conn: Connection, *, start: date, end: date, as_of: datetime) -> Breakdowns:
    """Per department, person (who sent the first response), topic, sentiment and week.

    One read of the window through the covering index ``ix_item_report`` (one
    seek per page), with ``build_report``'s conditions; every grouping sums the
    same rows, so each grouping's counts add up to ``build_report``'s total.
    """
    if end <= start:
        raise ValueError("--to must be after --from")
    c = _item.c
    answered, excluded, breached, within = _conditions(as_of)
    page_ids = [row[0] for row in conn.execute(sa.select(_page.c.id))]
    where = sa.and_(c.page_id.in_(page_ids), _window(start, end))
    weeks = week_starts(start, end)
    whens = [
        (c.received_at < local_midnight(monday + timedelta(days=7)), n)
        for n, monday in enumerate(weeks)
    ]
    week = sa.case(*whens, else_=len(weeks) - 1).label("week")
    keys = (c.department, c.first_responder, c.topic, c.sentiment, week)
    # One read of the window (the covering index ``ix_item_report``), straight from
    # the driver; the conditions are the report's, evaluated in SQL as 0/1.
    compiled = (
        sa.select(
            *keys,
            _flag(excluded),
            _flag(answered),
            _flag(within),
            _flag(breached),
            sa.case((answered, c.response_minutes), else_=None),
            sa.case((answered, c.response_office_minutes), else_=None),
        )
        .where(where)
        .compile(conn, compile_kwargs={"render_postcompile": True})
    )
    params = compiled.construct_params()
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if compiled.positiontup is not None:
            cursor.execute(str(compiled), [_raw(conn, params[k]) for k in compiled.positiontup])
        else:
            cursor.execute(str(compiled), {k: _raw(conn, v) for k, v in params.items()})
        rows = cursor.fetchall()
    finally:
        cursor.close()
    # Group once by the full key, then merge per grouping (sums, and whole lists).
    combos: dict[tuple[Any, ...], tuple[list[float], list[float], list[float]]] = {}
    for row in rows:
        combo = combos.get(row[:5])
        if combo is None:
            combo = combos[row[:5]] = ([0.0] * 6, [], [])
        acc = combo[0]
        acc[0] += 1
        acc[1] += row[5]
        acc[2] += row[6]
        acc[3] += row[7]
        acc[4] += row[8]
        if row[9] is not None:
            acc[5] += row[9]
            combo[1].append(row[9])
            combo[2].append(row[10])
    parts: list[dict[Any, list[float]]] = [{} for _ in range(5)]
    spans: list[dict[Any, tuple[list[float], list[float]]]] = [{} for _ in range(5)]
    for key, (acc, minutes, office) in combos.items():
        for g in range(5):
            total = parts[g].get(key[g])
            if total is None:
                total = parts[g][key[g]] = [0.0] * 6
                spans[g][key[g]] = ([], [])
            for i in range(6):
                total[i] += acc[i]
            bucket = spans[g][key[g]]
            bucket[0].extend(minutes)
            bucket[1].extend(office)

    def finish(g: int) -> dict[Any, Metrics]:
        out = {}
        for key, acc in parts[g].items():
            m, o = spans[g].get(key, ([], []))
            out[key] = _assemble(
                acc, statistics.median(m) if m else None, statistics.median(o) if o else None
            )
        return out

    by_week = finish(4)
    empty = _assemble([0.0] * 6, None, None)
    return Breakdowns(
        department=finish(0),
        person=finish(1),
        topic=finish(2),
        sentiment=finish(3),
        weeks=[(monday, by_week.get(n, empty)) for n, monday in enumerate(weeks)],
    )


def _raw(conn: Connection, value: Any) -> Any:
    """A bound value as the driver takes it (SQLite stores instants as epoch microseconds)."""
    if isinstance(value, datetime) and conn.dialect.name == "sqlite":
        return to_epoch_us(value)
    return value


@dataclass(frozen=True)
class Breach:
    id: int
    page: str
    author: str
    text: str
    received_at: datetime
    due_at: datetime
    first_response_at: datetime | None
    department: str | None
    page_name: str


def breaches(
    conn: Connection, *, start: date, end: date, as_of: datetime, limit: int = 500
) -> list[Breach]:
    """Items in the window that missed their due time (answered late or still unanswered)."""
    c = _item.c
    _answered, _excluded, breached, _within = _conditions(as_of)
    rows = conn.execute(
        sa.select(
            c.id,
            _page.c.key,
            c.author,
            sa.func.substr(c.text, 1, 200),
            c.received_at,
            c.due_at,
            c.first_response_at,
            c.department,
            _page.c.name,
        )
        .join(_page, _page.c.id == c.page_id)
        .where(_window(start, end), breached)
        .order_by(c.due_at.desc(), c.id.desc())
        .limit(limit)
    ).all()
    return [Breach(*row) for row in rows]
