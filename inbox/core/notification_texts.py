"""Notification texts, in Swedish: subject, plain text and HTML for each kind.

Pure. Customer text is hostile: every value is escaped in the HTML part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from inbox.core import formatting
from inbox.core.classify.pii import mask
from inbox.core.comparison import Compared

__all__ = ["ItemLine", "Message", "digest_message", "escalation_message", "sla_message"]

_REASONS = {
    "threat": "hot",
    "offensive": "kränkande innehåll",
    "priority": "hög prioritet",
    "crisis": "krisord",
    "heating": "tråd som hettar till",
    "window": "meddelandefönstret stänger före svarstiden",
}


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class ItemLine:
    id: int
    page: str
    text: str
    received_at: datetime
    due_at: datetime | None = None


def _when(value: datetime) -> str:
    return formatting.local_datetime(value, pattern="EEE d MMM HH:mm")


def _snippet(text: str, limit: int = 140) -> str:
    # Masked before it is cut, so no part of a number is left at the edge.
    flat = " ".join(mask(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def item_url(base_url: str, item_id: int) -> str:
    return f"{base_url.rstrip('/')}/items/{item_id}"


def _html(title: str, paragraphs: Sequence[str], lines_html: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>"
        f"<h1>{escape(title)}</h1>{body}{lines_html}</body></html>"
    )


def _list(items: Sequence[ItemLine], base_url: str) -> tuple[str, str]:
    text = "\n".join(
        f"- {i.page}, {_when(i.received_at)}: {_snippet(i.text)}\n  {item_url(base_url, i.id)}"
        for i in items
    )
    html = (
        "<ul>"
        + "".join(
            f'<li><a href="{escape(item_url(base_url, i.id))}">{escape(i.page)}, '
            f"{escape(_when(i.received_at))}</a>: {escape(_snippet(i.text))}</li>"
            for i in items
        )
        + "</ul>"
        if items
        else ""
    )
    return text, html


def escalation_message(
    *,
    item: ItemLine,
    reason: str,
    person_name: str,
    ack_url: str,
    base_url: str,
    backup_for: str | None = None,
) -> Message:
    why = _REASONS.get(reason, reason)
    subject = f"Brådskande ({why}): {item.page}"
    link = item_url(base_url, item.id)
    lead = f"Hej {person_name}! Ett ärende som inte kan vänta har kommit in utanför kontorstid."
    if backup_for:
        lead = (
            f"Hej {person_name}! {backup_for} har inte kvitterat det här ärendet inom "
            "utsatt tid, så det går vidare till dig som reserv."
        )
    text = (
        f"{lead}\n\n"
        f"Sida: {item.page}\nInkom: {_when(item.received_at)}\nSkäl: {why}\n\n"
        f"{_snippet(item.text, 500)}\n\n"
        f"Öppna ärendet: {link}\n"
        f"Kvittera att du har sett det: {ack_url}\n"
    )
    html = _html(
        subject,
        [
            escape(lead),
            f"Sida: {escape(item.page)}<br>Inkom: {escape(_when(item.received_at))}"
            f"<br>Skäl: {escape(why)}",
            f"<blockquote>{escape(_snippet(item.text, 500))}</blockquote>",
            f'<a href="{escape(link)}">Öppna ärendet</a> · '
            f'<a href="{escape(ack_url)}">Kvittera att du har sett det</a>',
        ],
    )
    return Message(subject, text, html)


def sla_message(*, state: str, count: int, items: Sequence[ItemLine], base_url: str) -> Message:
    if state == "breached":
        subject = f"{count} ärenden har passerat svarstiden"
        lead = f"{count} obesvarade ärenden har nu passerat målet för första svar."
    else:
        subject = f"{count} ärenden riskerar att passera svarstiden"
        lead = f"{count} obesvarade ärenden har mindre än en fjärdedel av svarstiden kvar."
    text_list, html_list = _list(items, base_url)
    more = f"\n… och {count - len(items)} till." if count > len(items) else ""
    text = f"{lead}\n\n{text_list}{more}\n\nKön: {base_url.rstrip('/')}/\n"
    return Message(subject, text, _html(subject, [escape(lead)], html_list + escape(more)))


def digest_message(
    *,
    department: str,
    open_count: int,
    breached: int,
    items: Sequence[ItemLine],
    waited: Sequence[ItemLine],
    waited_count: int,
    base_url: str,
) -> Message:
    subject = f"Dagens öppna ärenden, {department}: {open_count} st"
    lead = f"{open_count} obesvarade ärenden väntar, varav {breached} har passerat svarstiden."
    parts_text = [lead]
    parts_html = [f"<p>{escape(lead)}</p>"]
    if waited_count:
        head = f"Inkommit sedan kontoret stängde ({waited_count} st):"
        t, h = _list(waited, base_url)
        parts_text += [head, t]
        parts_html += [f"<h2>{escape(head)}</h2>", h]
    if items:
        head = "Först på tur:"
        t, h = _list(items, base_url)
        parts_text += [head, t]
        parts_html += [f"<h2>{escape(head)}</h2>", h]
    parts_text.append(f"Kön: {base_url.rstrip('/')}/")
    html = _html(subject, [], "".join(parts_html))
    return Message(subject, "\n\n".join(parts_text) + "\n", html)


def _figure(value: str, change: object, before: str) -> str:
    return f"{value} ({change}; föregående vecka {before})"


def summary_message(
    *,
    week_label: str,
    window: str,
    rows: Sequence[Compared],
    total: Compared,
    breached_items: Sequence[ItemLine] | None,
    base_url: str,
) -> Message:
    """The dashboard's lead figures for the week, per page and for all pages, each
    against the week before (and the median against the target). ``breached_items``
    (the supervisors' copy) lists what breached; ``None`` leaves the list out."""
    subject = f"Veckosammanfattning {week_label}"
    header = (
        "Sida",
        "Svarsfrekvens (responsgrad)",
        "Median svarstid",
        "Inom svarstidsmålet",
        "Försenade",
    )

    def cells(c: Compared) -> tuple[str, str, str, str]:
        median = _figure(
            formatting.duration(c.now.median_response_minutes),
            c.median,
            formatting.duration(c.before.median_response_minutes),
        )
        if c.target is not None:
            median += f", {c.target}"
        return (
            _figure(
                formatting.percent(c.now.response_rate),
                c.rate,
                formatting.percent(c.before.response_rate),
            ),
            median,
            _figure(
                formatting.percent(c.now.within_target_rate),
                c.within,
                formatting.percent(c.before.within_target_rate),
            ),
            _figure(formatting.number(c.now.breached), c.breached, str(c.before.breached)),
        )

    everything = [*rows, total]
    text_rows = [
        f"{c.label}\n" + "\n".join(f"  {h}: {v}" for h, v in zip(header[1:], cells(c), strict=True))
        for c in everything
    ]
    table = (
        f"<p>{escape(window)}.</p><table><tr>"
        + "".join(f"<th>{escape(h)}</th>" for h in header)
        + "</tr>"
        + "".join(
            f"<tr><th>{escape(c.label)}</th>"
            + "".join(f"<td>{escape(v)}</td>" for v in cells(c))
            + "</tr>"
            for c in everything
        )
        + "</table>"
    )
    link = f"{base_url.rstrip('/')}/dashboard"
    text = f"{subject}\n{window}.\n\n" + "\n\n".join(text_rows)
    text += f"\n\nMer i uppföljningen: {link}"
    table += f'<p><a href="{escape(link)}">Mer i uppföljningen</a></p>'
    if breached_items:
        t_list, h_list = _list(breached_items, base_url)
        text += f"\n\nFörsenade ärenden:\n{t_list}"
        table += f"<h2>Försenade ärenden</h2>{h_list}"
    return Message(subject, text + "\n", _html(subject, [], table))
