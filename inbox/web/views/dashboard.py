"""The supervisor dashboard: the period against the previous one and the target
first (``inbox.core.comparison``), then the weekly trend, the details, the breaches,
and every table as a CSV download (Swedish Excel, or ``?dialect=plain``)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from inbox.core.calendar import local_date
from inbox.core.classify.pii import mask
from inbox.core.comparison import Compared, tone
from inbox.core.csv_out import DIALECTS, CsvWriter, Dialect
from inbox.core.formatting import local_datetime, window_values
from inbox.core.metrics import METRIC_NAMES, Metrics
from inbox.core.text import Text
from inbox.store import people as people_store
from inbox.store.report import (
    WINDOW_FIELDS,
    Report,
    breaches,
    build_breakdowns,
    build_report,
    previous_window,
    window_cells,
    write_window_head,
)
from inbox.web import i18n
from inbox.web.auth import Ctx
from inbox.web.charts import Series, hours_axis, line_chart, rate_axis
from inbox.web.errors import Refused
from inbox.web.figures import FigureStore
from inbox.web.templating import render

WINDOWS = ("28d", "week", "month", "quarter", "custom")
TABLES = (
    "pages",
    "dialogues",
    "departments",
    "people",
    "topics",
    "sentiments",
    "weeks",
    "breaches",
)
MAX_DAYS = 731


def window_of(params: Any, today: date) -> tuple[str, date, date]:
    """(preset, first day, day after the last) for the chosen window."""
    preset = params.get("window", "28d")
    if preset not in WINDOWS:
        raise Refused(
            400,
            Text(
                "Perioden %(value)s finns inte. Välj en av: %(allowed)s.",
                value=str(preset)[:64],
                allowed=", ".join(WINDOWS),
            ),
        )
    end = today + timedelta(days=1)
    if preset == "28d":
        return preset, end - timedelta(days=28), end
    if preset == "week":
        return preset, today - timedelta(days=today.weekday()), end
    if preset == "month":
        return preset, today.replace(day=1), end
    if preset == "quarter":
        return preset, today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), end
    try:
        start = date.fromisoformat(params.get("from", ""))
        last = date.fromisoformat(params.get("to", ""))
    except ValueError:
        raise Refused(400, Text("Ange Från och Till som datum, ÅÅÅÅ-MM-DD.")) from None
    if last < start:
        raise Refused(400, Text("Till och med ligger före Från."))
    if (last - start).days > MAX_DAYS:
        raise Refused(400, Text("Perioden får vara högst %(n)s dagar.", n=MAX_DAYS))
    return preset, start, last + timedelta(days=1)


def _data(request: Request, ctx: Ctx, *, fresh: bool = False) -> dict[str, Any]:
    """The figures of the chosen window (see ``inbox.web.figures`` for when they are reused).

    ``fresh`` computes them now, for every write committed before the request."""
    preset, start, end = window_of(request.query_params, local_date(ctx.now))
    store: FigureStore = request.app.state.dashboard_figures

    def compute(conn: Connection, now: datetime) -> dict[str, Any]:
        return _compute(conn, now, start, end)

    fresh = fresh or request.query_params.get("fresh") == "1"
    figures = store.get(ctx.rt.engine, (start, end), compute, fresh=fresh)
    return {**figures.data, "preset": preset, "stale": figures.stale}


def warm(store: FigureStore, engine: Engine, now: datetime) -> tuple[date, date]:
    """Compute the default window's figures in the background, so that the first
    visit after a start need not wait for them. Returns the window."""
    _preset, start, end = window_of({}, local_date(now))

    def compute(conn: Connection, at: datetime) -> dict[str, Any]:
        return _compute(conn, at, start, end)

    store.refresh(engine, (start, end), compute)
    return start, end


def _compute(conn: Connection, now: datetime, start: date, end: date) -> dict[str, Any]:
    report = build_report(conn, start=start, end=end, as_of=now)
    before_start, before_end = previous_window(start, end)
    before = build_report(conn, start=before_start, end=before_end, as_of=now)
    groups = build_breakdowns(conn, start=start, end=end, as_of=now)
    breach_list = breaches(conn, start=start, end=end, as_of=now)
    return {
        "start": start,
        "end": end,
        "last_day": end - timedelta(days=1),
        "report": report,
        "previous": before,
        "departments": _sorted(groups.department),
        "people": _sorted(groups.person),
        "topics": _sorted(groups.topic),
        "sentiments": _sorted(groups.sentiment),
        "trend": groups.weeks,
        "breaches": breach_list,
        "now": now,
    }


def _sorted(groups: dict[str | None, Metrics]) -> list[tuple[str | None, Metrics]]:
    return sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))


# --- This period against the previous one and the target ---------------------------------


def common_target(report: Report) -> float | None:
    """The target every page shares, if they share one (then the total has one too)."""
    targets = set(report.targets.values())
    return targets.pop() if len(targets) == 1 else None


def compared(data: dict[str, Any]) -> tuple[list[Compared], Compared]:
    report: Report = data["report"]
    before: Report = data["previous"]
    lang = i18n.current_language()
    rows = [
        Compared(report.name(key), m, before.pages[key], report.targets.get(key), lang)
        for key, m in report.pages.items()
        if key in before.pages
    ]
    total = Compared(
        i18n.translate(Text("Alla sidor")), report.total, before.total, common_target(report), lang
    )
    return rows, total


def window_text(start: date, end: date, now: datetime) -> Text:
    """The window in the words of every report (``inbox.core.formatting.WINDOW_WORDS``,
    spelt out here so that it is translated)."""
    return Text(
        "Inkomna från och med %(first)s till och med %(last)s, per %(as_of)s",
        **window_values(start, end, now, i18n.current_language()),
    )


async def dashboard(request: Request, ctx: Ctx) -> Response:
    data = _data(request, ctx)
    report: Report = data["report"]
    labels = [f"v{monday.isocalendar().week}" for monday, _ in data["trend"]]
    rate = Series(
        i18n.translate(Text("Svarsfrekvens")),
        [None if m.response_rate is None else m.response_rate * 100 for _, m in data["trend"]],
        "#1d4ed8",
        unit="%",
    )
    hours = [
        None if m.median_response_minutes is None else m.median_response_minutes / 60
        for _, m in data["trend"]
    ]
    median = Series(i18n.translate(Text("Median svarstid")), hours, "#9a3412", dash="6 4", unit="h")
    target = common_target(report)
    # Our own SVG, built from numbers with every label escaped: safe to mark up.
    data["rate_chart"] = Markup(  # noqa: S704
        line_chart(
            labels,
            rate,
            key="rate-chart",
            title=i18n.translate(Text("Svarsfrekvens per vecka (%)")),
            axis=rate_axis(),
        )
    )
    data["median_chart"] = Markup(  # noqa: S704
        line_chart(
            labels,
            median,
            key="median-chart",
            title=i18n.translate(Text("Median svarstid per vecka (timmar)")),
            axis=hours_axis(hours, target),
            target=target,
            target_label=i18n.translate(Text("Mål")),
        )
    )
    data["compared"], data["compared_total"] = compared(data)
    data["tone"] = tone
    data["window"] = window_text(report.start, report.end, report.as_of)
    previous: Report = data["previous"]
    data["previous_window"] = window_text(previous.start, previous.end, previous.as_of)
    data["command"] = (
        f"inbox report --from {report.start.isoformat()} --until {report.last_day.isoformat()} "
        f"--as-of {report.as_of.isoformat(timespec='seconds')}"
    )
    # Links keep the window; "fresh" is a one-off request, not part of it.
    data["query"] = urlencode(
        [(k, v) for k, v in request.query_params.multi_items() if k not in ("fresh", "dialect")]
    )
    data["person_names"] = _person_names(ctx)
    return render(request, "dashboard.html", data)


def _person_names(ctx: Ctx) -> dict[str, str]:
    """Each user's display name by address: the per-person table names people."""
    with Session(ctx.rt.engine) as session:
        return {u.email: u.name for u in people_store.users_by_email(session)}


def _metric_cells(m: Metrics) -> list[Any]:
    d = m.as_dict()
    return [d[n] for n in METRIC_NAMES]


def dialect_of(params: Any) -> Dialect:
    """``?dialect=plain`` for scripts; Swedish spreadsheets by default."""
    value = params.get("dialect", "excel")
    for known in DIALECTS:
        if value == known:
            return known
    raise Refused(
        400,
        Text(
            "CSV-formatet %(value)s finns inte. Välj en av: %(allowed)s.",
            value=str(value)[:64],
            allowed=", ".join(DIALECTS),
        ),
    )


async def dashboard_csv(request: Request, ctx: Ctx) -> Response:
    table = request.path_params["table"]
    if table not in TABLES:
        raise Refused(404, Text("Tabellen %(table)s finns inte.", table=table[:64]))
    dialect = dialect_of(request.query_params)
    # A download is computed for the data as of the request (never the figures a
    # background thread is still refreshing), so it matches `inbox report` exactly.
    data = _data(request, ctx, fresh=True)
    report: Report = data["report"]
    out = io.StringIO()
    writer = CsvWriter(out, dialect)
    write_window_head(writer, report)
    extra = window_cells(writer, report)
    tail = list(WINDOW_FIELDS) if extra else []
    if table == "dialogues":
        writer.writeheader(["page", "name", "dialogues", "dialogues_page_took_part", *tail])
        for key, d in report.dialogues.items():
            writer.writerow([key, report.name(key), d.dialogues, d.page_took_part, *extra])
        total = report.total_dialogues
        writer.writerow(["Totalt", "Totalt", total.dialogues, total.page_took_part, *extra])
    elif table == "breaches":
        writer.writeheader(
            [
                "id",
                "page",
                "name",
                "author",
                "received_at",
                "due_at",
                "first_response_at",
                "department",
                "text",
                *tail,
            ]
        )
        for b in data["breaches"]:
            writer.writerow(
                [
                    b.id,
                    b.page,
                    b.page_name,
                    mask(b.author),
                    b.received_at.isoformat(),
                    b.due_at.isoformat(),
                    b.first_response_at.isoformat() if b.first_response_at else "",
                    ctx.catalog.department_name(b.department) if b.department else "",
                    mask(b.text),
                    *extra,
                ]
            )
    else:
        key_name = {
            "pages": "page",
            "departments": "department_key",
            "people": "person",
            "topics": "topic_key",
            "sentiments": "sentiment",
            "weeks": "week",
        }[table]
        person_names = _person_names(ctx)

        def person_name(key: str) -> str:
            return person_names.get(key, key)

        namers: dict[str, Callable[[str], str]] = {
            "pages": report.name,
            "departments": ctx.catalog.department_name,
            "topics": ctx.catalog.topic_name,
            "people": person_name,
        }
        name_of = namers.get(table)
        names = {"pages": ["name"], "people": ["person_name"]}.get(
            table, [table[:-1]] if name_of else []
        )
        writer.writeheader([key_name, *names, *METRIC_NAMES, *tail])
        if table == "pages":
            rows: list[tuple[Any, Metrics]] = list(report.pages.items())
        elif table == "weeks":
            rows = [(monday.isoformat(), m) for monday, m in data["trend"]]
        else:
            rows = [(k or "", m) for k, m in data[table]]
        for key, m in rows:
            label = [name_of(key) if key else ""] if name_of else []
            writer.writerow([key, *label, *_metric_cells(m), *extra])
        writer.writerow(
            ["Totalt", *(["Totalt"] if name_of else []), *_metric_cells(report.total), *extra]
        )
    as_of = local_datetime(data["now"], pattern="yyyy-MM-dd'T'HHmm")
    name = (
        f"inbox-{table}-{data['start'].isoformat()}-{data['last_day'].isoformat()}-per-{as_of}.csv"
    )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
