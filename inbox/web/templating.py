"""Jinja2 environment: autoescape on, Swedish formatting filters, gettext."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from inbox.core import formatting
from inbox.core.classify.pii import mask
from inbox.core.limits import LIMITS
from inbox.core.lookup import SCHEDULE as LOOKUP_SCHEDULE
from inbox.core.sla import time_left_words
from inbox.core.text import Text
from inbox.web import i18n
from inbox.web.labels import label

STATE_LABELS = {
    "sv": {
        "ok": "i tid",
        "at_risk": "snart försenad",
        "breached": "försenad",
        "met": "besvarad i tid",
        "late": "besvarad för sent",
    },
    "en": {
        "ok": "on time",
        "at_risk": "at risk",
        "breached": "overdue",
        "met": "answered on time",
        "late": "answered late",
    },
}
# A shape beside the colour, so the state never rests on colour alone.
STATE_ICONS = {"ok": "○", "at_risk": "◐", "breached": "●", "met": "✓", "late": "✓!"}


def masked(text: str | None, revealed: Any = False) -> str:
    """Personal data replaced by placeholders such as "[personnummer]".

    Found afresh in the text shown (not read from a stored classification), so an
    item tagged before the finder knew a pattern, or never tagged, is masked too.
    """
    if revealed is True:
        return text or ""
    return mask(text)


def first_line(text: str, limit: int = 140) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def make_templates(directory: Path) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(str(directory)),
        autoescape=True,
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
    )
    templates = Jinja2Templates(env=env)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext_, i18n.ngettext_, newstyle=True
    )
    env.filters["percent"] = lambda v: formatting.percent(v, i18n.current_language())
    env.filters["number"] = lambda v: formatting.number(v, i18n.current_language())
    env.filters["duration"] = formatting.duration
    env.filters["localtime"] = lambda v, pattern="EEE d MMM HH:mm": formatting.local_datetime(
        v, i18n.current_language(), pattern
    )
    # Messages chosen at run time: ``{{ detail|say }}``, never ``{{ _(detail) }}``
    # (gettext output is marked safe, so a value passed to ``_()`` comes out raw).
    env.filters["say"] = i18n.translate
    env.filters["masked"] = masked
    env.filters["label"] = label
    env.filters["first_line"] = first_line
    env.globals["time_left"] = lambda due, now: time_left_words(due, now, i18n.current_language())
    env.globals["state_labels"] = STATE_LABELS
    env.globals["state_icons"] = STATE_ICONS
    env.globals["lookup_count"] = len(LOOKUP_SCHEDULE)
    env.globals["limits"] = LIMITS
    return templates


def flash(request: Request, message: Text | str) -> None:
    """A message shown once, on the next full page (it survives the redirect)."""
    request.session["flash"] = message.to_json() if isinstance(message, Text) else message


def _pop_flash(request: Request) -> Text | str:
    raw = request.session.pop("flash", "")
    return raw if isinstance(raw, str) else Text.from_json(raw) or ""


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    lang = getattr(request.state, "lang", i18n.DEFAULT_LANGUAGE)
    i18n.set_language(lang)
    base = {
        "lang": lang,
        "user": getattr(request.state, "user", None),
        "csrf_token": request.session.get("csrf", ""),
        "catalog": request.app.state.catalog,
        "path": request.url.path,
        "flash": "",
    }
    if not name.startswith("_"):
        # Shown once, on the next full page after the action that set it.
        base["flash"] = _pop_flash(request)
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
