"""Jinja2 environment with autoescape on and the Swedish formatting filters."""

from __future__ import annotations

from pathlib import Path

from starlette.templating import Jinja2Templates

from inbox import formatting
from inbox.sla import time_left_words

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


def make_templates(directory: Path) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(directory))
    env = templates.env
    env.autoescape = True
    env.filters["percent"] = formatting.percent
    env.filters["number"] = formatting.number
    env.filters["duration"] = formatting.duration
    env.filters["localtime"] = formatting.local_datetime
    env.globals["time_left"] = time_left_words
    env.globals["state_labels"] = STATE_LABELS
    return templates
