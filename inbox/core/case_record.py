"""The complete record of an item, handed over to case registration (diarieföring).

Pure. One self-contained HTML file (no scripts, no external resources, the
styles inline), in Swedish: the item, the thread around it, who answered and
when, the attachments' names and the audit events. Every value that came from
outside is escaped. The record is complete, not masked: it becomes the public
record, and the registry decides what is secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from inbox.core import formatting

_PATTERN = "yyyy-MM-dd HH:mm"


@dataclass(frozen=True)
class Message:
    author: str
    at: datetime
    text: str
    label: str = ""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int | None


@dataclass(frozen=True)
class CaseRecord:
    item_id: int
    page: str
    channel: str
    kind: str
    department: str
    status: str
    item: Message
    received_at: datetime
    due_at: datetime
    first_response_at: datetime | None
    made_at: datetime
    made_by: str
    subject: str = ""
    post: str = ""
    thread: Sequence[Message] = ()
    responses: Sequence[Message] = ()
    attachments: Sequence[Attachment] = ()
    events: Sequence[tuple[datetime, str]] = field(default_factory=tuple)


def _when(value: datetime | None) -> str:
    return formatting.local_datetime(value, "sv", _PATTERN)


def filename(record: CaseRecord) -> str:
    return f"arende-{record.item_id}-{record.made_at.strftime('%Y%m%d-%H%M')}.html"


def _message(m: Message) -> str:
    label = f' <span class="label">({escape(m.label)})</span>' if m.label else ""
    return (
        f'<div class="msg"><p class="meta">{escape(_when(m.at))} · {escape(m.author or "okänd")}'
        f'{label}</p><p class="text">{escape(m.text)}</p></div>'
    )


def _row(name: str, value: str) -> str:
    return f'<tr><th scope="row">{escape(name)}</th><td>{escape(value)}</td></tr>'


def render_html(record: CaseRecord) -> str:
    title = f"Ärende {record.item_id}: {record.page}"
    facts = "".join(
        _row(name, value)
        for name, value in (
            ("Sida", record.page),
            ("Kanal och typ", f"{record.channel}, {record.kind}"),
            ("Ämnesrad", record.subject),
            ("Från", record.item.author or "okänd"),
            ("Inkom", _when(record.received_at)),
            ("Svara senast", _when(record.due_at)),
            ("Första svar", _when(record.first_response_at)),
            ("Förvaltning", record.department),
            ("Status", record.status),
        )
        if value
    )
    parts = [
        "<!doctype html>",
        '<html lang="sv"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}"
        "th{text-align:left;padding-right:1em}.msg{border-left:3px solid #888;padding-left:.8em;"
        "margin:.8em 0}.meta{color:#444;margin:0}.text{white-space:pre-wrap;margin:.3em 0}"
        "</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<table>{facts}</table>",
        "<h2>Meddelandet</h2>",
        _message(record.item),
    ]
    if record.post:
        parts += ["<h2>Inlägget det gäller</h2>", f'<p class="text">{escape(record.post)}</p>']
    parts.append("<h2>Tråden</h2>")
    parts += [_message(m) for m in record.thread] or ["<p>Inga andra meddelanden i tråden.</p>"]
    parts.append("<h2>Svar</h2>")
    parts += [_message(m) for m in record.responses] or ["<p>Inget svar har getts.</p>"]
    parts.append("<h2>Bilagor</h2>")
    if record.attachments:
        parts.append(
            "<ul>"
            + "".join(
                f"<li>{escape(a.filename or 'namnlös')} ({escape(a.content_type)}"
                f"{', ' + escape(str(a.size)) + ' byte' if a.size is not None else ''})</li>"
                for a in record.attachments
            )
            + "</ul>"
        )
    else:
        parts.append("<p>Inga bilagor.</p>")
    parts.append("<h2>Händelser</h2><ol>")
    parts += [f"<li>{escape(_when(at))}: {escape(sentence)}</li>" for at, sentence in record.events]
    parts.append("</ol>")
    made = f"Sammanställt {_when(record.made_at)} av {record.made_by}."
    parts.append(f'<p class="meta">{escape(made)}</p>')
    parts.append("</body></html>\n")
    return "\n".join(parts)
