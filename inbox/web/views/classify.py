"""The admin's test bench for the rules: paste a text, see the tags and the rule that
fired; and the words the communicators' corrections suggest for the topics."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inbox.actions import audit, topic_words
from inbox.core import limits
from inbox.core.kinds import Channel, Kind
from inbox.core.suggestions import (
    Suggestion,
    keyword_line,
    routing_rule_text,
    suggest_department_words,
    suggest_words,
)
from inbox.core.tagging import tag_values
from inbox.core.text import Text
from inbox.settings import PACKAGE
from inbox.store import items
from inbox.store.corrections import department_corrections, topic_corrections
from inbox.store.db import session_scope
from inbox.web.auth import Ctx, TooLong, field
from inbox.web.templating import flash, render

KINDS = [k.value for k in Kind]
CHANNELS = [c.value for c in Channel]


def _page_names(ctx: Ctx) -> dict[str, str]:
    """The rules' pages by name (the pages the database has, by the name it keeps)."""
    named = {key: page.name or key for key, page in ctx.rt.rules.pages.items()}
    with Session(ctx.rt.engine) as session:
        return {**named, **items.page_names(session)}


def _context(
    ctx: Ctx, *, word_error: Text | str = "", rule_error: Text | str = ""
) -> dict[str, Any]:
    return {
        "kinds": KINDS,
        "channels": CHANNELS,
        "pages": sorted(ctx.rt.rules.pages),
        "page_names": _page_names(ctx),
        "text": "",
        "chosen": {"page": "", "channel": "facebook", "kind": "comment"},
        "result": None,
        "error": "",
        **_suggestions(ctx, error=word_error),
        **_routing_suggestions(ctx, error=rule_error),
    }


async def classify_page(request: Request, ctx: Ctx) -> Response:
    context = _context(ctx)
    if request.method == "POST":
        typed = ctx.form.get("text", "")
        try:
            text = field(ctx.form, "text", limit=limits.RULES_TEST)
        except TooLong as exc:
            context.update(text=typed if isinstance(typed, str) else "", error=exc.text)
            return render(request, "admin_classify.html", context, status_code=422)
        chosen = {
            "page": field(ctx.form, "page", limit=64),
            "channel": field(ctx.form, "channel", limit=16),
            "kind": field(ctx.form, "kind", limit=24),
        }
        context.update(text=text, chosen=chosen)
        if chosen["channel"] not in CHANNELS or chosen["kind"] not in KINDS:
            context["error"] = Text("Okänd kanal eller typ.")
            return render(request, "admin_classify.html", context, status_code=400)
        if not text.strip():
            context["error"] = Text("Skriv eller klistra in en text.")
            return render(request, "admin_classify.html", context, status_code=400)
        values = tag_values(
            text,
            ctx.rt.rules,
            page=chosen["page"],
            channel=chosen["channel"],
            kind=chosen["kind"],
            received_at=ctx.now,
        )
        context["result"] = values["classification"]
    return render(request, "admin_classify.html", context)


def _writable(ctx: Ctx) -> bool:
    store = ctx.rt.store
    return store is not None and topic_words.rules_writable(
        store.directory, shipped=PACKAGE / "default_rules"
    )


def _current(ctx: Ctx) -> list[Suggestion]:
    with Session(ctx.rt.engine) as session:
        corrected = topic_corrections(session)
    return suggest_words(corrected, ctx.rt.rules)


def _suggestions(ctx: Ctx, *, error: Text | str = "") -> dict[str, Any]:
    return {
        "suggestions": [
            (
                s,
                keyword_line(s.topic, s.word),
                ", ".join(ctx.catalog.topic_name(t) for t in s.today),
            )
            for s in _current(ctx)
        ],
        "writable": _writable(ctx),
        "word_error": error,
    }


async def add_word(request: Request, ctx: Ctx) -> Response:
    """Add a suggested word to its topic's keywords (only a word suggested now)."""
    topic = field(ctx.form, "topic", limit=64)
    word = field(ctx.form, "word", limit=64)
    error: Text | str = ""
    if not any(s.topic == topic and s.word == word for s in _current(ctx)):
        error = Text("Förslaget finns inte längre. Ladda om sidan.")
    elif not _writable(ctx) or ctx.rt.store is None:
        error = Text(
            "Reglerna går inte att ändra härifrån. Lägg till raden för hand: %(line)s",
            line=keyword_line(topic, word),
        )
    else:
        try:
            with session_scope(ctx.rt.engine) as session:
                topic_words.add_topic_keyword(
                    session,
                    directory=ctx.rt.store.directory,
                    topic=topic,
                    word=word,
                    actor=ctx.user.email,
                    now=ctx.now,
                )
        except audit.ActionError as exc:
            error = Text("Ordet kunde inte läggas till: %(why)s", why=str(exc))
        else:
            problem = ctx.rt.store.reload()
            if problem is None:
                flash(
                    request,
                    Text(
                        "Ordet %(word)s gäller nu för ämnet %(topic)s.",
                        word=word,
                        topic=ctx.catalog.topic_name(topic),
                    ),
                )
                return RedirectResponse("/admin/classify", status_code=303)
            error = Text("Reglerna laddades inte om: %(why)s", why=problem)
    context = _context(ctx, word_error=error)
    return render(request, "admin_classify.html", context, status_code=400)


def _routing_writable(ctx: Ctx) -> bool:
    store = ctx.rt.store
    return store is not None and topic_words.routing_writable(
        store.directory, shipped=PACKAGE / "default_rules"
    )


def _current_routing(ctx: Ctx) -> list[Suggestion]:
    with Session(ctx.rt.engine) as session:
        corrected = department_corrections(session)
    return suggest_department_words(corrected, ctx.rt.rules)


def _department_name(ctx: Ctx, key: str) -> str:
    department = ctx.rt.rules.departments.get(key)
    return department.name if department is not None else key


def _routing_suggestions(ctx: Ctx, *, error: Text | str = "") -> dict[str, Any]:
    return {
        "routing_suggestions": [
            (
                s,
                _department_name(ctx, s.topic),
                routing_rule_text(s.topic, s.word),
                ", ".join(_department_name(ctx, d) for d in s.today),
            )
            for s in _current_routing(ctx)
        ],
        "routing_writable": _routing_writable(ctx),
        "rule_error": error,
    }


async def add_rule(request: Request, ctx: Ctx) -> Response:
    """Add a routing rule for a suggested word (only a word suggested now)."""
    department = field(ctx.form, "department", limit=64)
    word = field(ctx.form, "word", limit=64)
    error: Text | str = ""
    if not any(s.topic == department and s.word == word for s in _current_routing(ctx)):
        error = Text("Förslaget finns inte längre. Ladda om sidan.")
    elif not _routing_writable(ctx) or ctx.rt.store is None:
        error = Text(
            "Reglerna går inte att ändra härifrån. Lägg till regeln i routing.toml för hand: %(rule)s",  # noqa: E501
            rule=routing_rule_text(department, word),
        )
    else:
        try:
            with session_scope(ctx.rt.engine) as session:
                topic_words.add_routing_keyword(
                    session,
                    directory=ctx.rt.store.directory,
                    department=department,
                    word=word,
                    actor=ctx.user.email,
                    now=ctx.now,
                )
        except audit.ActionError as exc:
            error = Text("Regeln kunde inte läggas till: %(why)s", why=str(exc))
        else:
            problem = ctx.rt.store.reload()
            if problem is None:
                flash(
                    request,
                    Text(
                        "Texter med ordet %(word)s går nu till %(department)s.",
                        word=word,
                        department=_department_name(ctx, department),
                    ),
                )
                return RedirectResponse("/admin/classify", status_code=303)
            error = Text("Reglerna laddades inte om: %(why)s", why=problem)
    context = _context(ctx, rule_error=error)
    return render(request, "admin_classify.html", context, status_code=400)
