"""A person's data as a file for them: readable HTML (Swedish) and JSON.

Pure. Takes the lines ``inbox person find`` prints (``Found.as_json``). What
the person wrote, and everything on their own items, is given in full; where
someone else's item, response or note names them, only where and when is
given, since its text also holds someone else's data (it can be released
after a secrecy review). Every value is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any

from inbox.core.timeutil import STOCKHOLM

__all__ = ["export_html", "export_json", "shareable"]

WITHHELD = "Texten lämnas inte ut här: den innehåller också någon annans uppgifter."
_KINDS = {"item": "Ärende", "response": "Svar", "note": "Intern anteckning", "event": "Händelse"}
_RELATIONS = {
    "from": "från personen",
    "on": "på personens ärende",
    "mentions": "nämner personen",
}
_FIELDS = {
    "author": "Namn",
    "email": "E-post",
    "phone": "Telefon",
    "personnummer": "Personnummer",
    "platform_id": "Id på plattformen",
}


def shareable(line: Mapping[str, Any]) -> dict[str, Any]:
    """One found line as it may be handed out: a mention keeps only where and when."""
    out = dict(line)
    if out.get("relation") == "mentions":
        out.pop("author", None)
        out["text"] = WITHHELD
    return out


def export_json(
    lines: Sequence[Mapping[str, Any]], person: Mapping[str, str], now: datetime
) -> dict[str, Any]:
    return {
        "generated_at": now.isoformat(),
        "person": {k: v for k, v in person.items() if v},
        "found": [shareable(line) for line in lines],
    }


def _when(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def export_html(
    lines: Sequence[Mapping[str, Any]], person: Mapping[str, str], now: datetime
) -> str:
    named = "".join(
        f"<li>{escape(_FIELDS.get(k, k))}: {escape(v)}</li>" for k, v in person.items() if v
    )
    rows = []
    for line in map(shareable, lines):
        kind = str(line.get("kind", ""))
        if kind == "event":
            what = f"{line.get('event', '')} ({line.get('actor', '')})"
        else:
            what = str(line.get("text", ""))
        rows.append(
            "<tr>"
            f"<td>{escape(_when(str(line['at'])))}</td>"
            f"<td>{escape(_KINDS.get(kind, kind))}</td>"
            f"<td>{escape(str(line.get('item_id', '')))}</td>"
            f"<td>{escape(_RELATIONS.get(str(line.get('relation')), ''))}</td>"
            f"<td>{escape(str(line.get('page', '')))}</td>"
            f"<td>{escape(str(line.get('author', '')))}</td>"
            f'<td class="text">{escape(what)}</td>'
            "</tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="7">Inga uppgifter hittades.</td></tr>'
    return f"""<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<title>Uppgifter om en person</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: .3rem .5rem; text-align: left; vertical-align: top; }}
td.text {{ white-space: pre-wrap; }}
</style>
</head>
<body>
<h1>Uppgifter om en person</h1>
<p>Sammanställt {escape(_when(now.isoformat()))} (svensk tid). Sökt på:</p>
<ul>{named}</ul>
<p>{len(lines)} uppgifter. Där någon annans inlägg nämner personen visas bara var och när.</p>
<table>
<thead><tr><th>Tid</th><th>Slag</th><th>Ärende</th><th>Samband</th><th>Sida</th><th>Av</th>\
<th>Innehåll</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
</body>
</html>
"""
