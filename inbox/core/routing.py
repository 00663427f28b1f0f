"""Classification + rules -> department, priority and tags, with a reason.

Rules are tried in file order and the first whose conditions all hold
decides. With no rule, the best topic's department answers, else the
default department. Time-of-week conditions are evaluated on the Stockholm
wall clock, because that is what the rules' authors mean by "17:00".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from inbox.core.classify.pipeline import Classification, classify
from inbox.core.classify.topics import TopicHit, keyword_in
from inbox.core.rules.tagging import Priority, RoutingRule, Rules, TimeRange

STOCKHOLM = ZoneInfo("Europe/Stockholm")

_SV_PRIORITY = {"low": "låg", "normal": "normal", "high": "hög", "urgent": "brådskande"}
_SV_FLAG = {
    "question": "fråga",
    "no_reply_needed": "kräver inget svar",
    "offensive": "kränkande",
    "threat": "hot",
    "personal_data": "personuppgifter",
}
_SV_SENTIMENT = {"positive": "positiv", "neutral": "neutral", "negative": "negativ"}


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    department: str
    priority: Priority
    tags: tuple[str, ...]
    rule: str  # rule id, "topic:<key>" or "default"
    reason: str  # Swedish, shown to the communicator


# An item's facts as (condition, value) pairs: a rule's condition holds when one
# of the pairs it accepts is among them.
_Fact = tuple[str, object]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A routing rule as sets of facts, so a condition is one set operation."""

    rule: RoutingRule
    clauses: tuple[frozenset[_Fact], ...]
    hours: TimeRange | None
    keywords: tuple[str, ...]
    head: str  # the reason's rule part


def _compile(rule: RoutingRule) -> _Compiled:
    w = rule.when
    listed: list[tuple[str, tuple[object, ...]]] = [
        ("page", w.pages),
        ("channel", w.channels),
        ("kind", w.kinds),
        ("topic", w.topics),
        ("sentiment", w.sentiments),
        ("flag", w.flags),
        ("language", w.languages),
        ("weekday", w.weekdays),
    ]
    clauses = [frozenset((name, v) for v in values) for name, values in listed if values]
    for name, wanted in (
        ("has_topic", w.has_topic),
        ("closing_day", w.closing_day),
        ("needs_reply", w.needs_reply),
    ):
        if wanted is not None:
            clauses.append(frozenset({(name, wanted)}))
    # The narrowest condition first: most rules fail on it for most items.
    clauses.sort(key=len)
    why = rule.description or rule.id
    return _Compiled(rule, tuple(clauses), w.hours, w.keywords, f"Regeln ”{rule.id}”: {why}")


_COMPILED: list[tuple[Rules, tuple[_Compiled, ...]]] = []
_COMPILED_SIZE = 4


def _compiled(rules: Rules) -> tuple[_Compiled, ...]:
    for cached_rules, compiled in _COMPILED:
        if cached_rules is rules:
            return compiled
    compiled = tuple(_compile(rule) for rule in rules.routing)
    _COMPILED.insert(0, (rules, compiled))
    del _COMPILED[_COMPILED_SIZE:]
    return compiled


_TRUE_FALSE = (False, True)
_FLAG_FACTS = {
    name: {value: (name, value) for value in _TRUE_FALSE}
    for name in ("has_topic", "closing_day", "needs_reply")
}


def _facts(
    c: Classification, *, page: str, channel: str, kind: str, local: datetime, closing_day: bool
) -> set[_Fact]:
    facts: set[_Fact] = {
        ("page", page),
        ("channel", channel),
        ("kind", kind),
        ("sentiment", c.sentiment.label),
        ("language", c.language),
        ("weekday", local.weekday()),
        _FLAG_FACTS["has_topic"][bool(c.topics)],
        _FLAG_FACTS["closing_day"][closing_day],
        _FLAG_FACTS["needs_reply"][c.needs_reply],
    }
    facts.update([("topic", t.key) for t in c.topics])
    facts.update([("flag", f) for f in c.flags])
    return facts


def _describe(rule: RoutingRule, c: Classification) -> str:
    w = rule.when
    parts: list[str] = []
    if w.flags:
        parts.append("flagga " + ", ".join(_SV_FLAG[f] for f in c.flags if f in w.flags))
    if w.topics:
        parts.append("ämne " + ", ".join(t for t in c.topic_keys if t in w.topics))
    if w.sentiments:
        parts.append("sentiment " + _SV_SENTIMENT[c.sentiment.label])
    if w.pages or w.channels or w.kinds:
        parts.append("kanal/sida")
    if w.weekdays or w.hours or w.closing_day is not None:
        parts.append("tidpunkt")
    if w.languages:
        parts.append("språk " + c.language)
    return "; ".join(parts)


def _decided(
    compiled: _Compiled, c: Classification, rules: Rules, best_topic: TopicHit | None
) -> RoutingDecision:
    rule = compiled.rule
    if rule.department is not None:
        department = rule.department
    elif best_topic is not None:
        department = rules.topics[best_topic.key].department
    else:
        department = rules.default_department
    detail = _describe(rule, c)
    name = rules.departments[department].name
    reason = compiled.head + (f" ({detail})" if detail else "")
    reason += f". Går till {name}, prioritet {_SV_PRIORITY[rule.priority]}."
    return RoutingDecision(department, rule.priority, rule.tags, rule.id, reason)


def route(
    classification: Classification,
    rules: Rules,
    *,
    page: str,
    channel: str,
    kind: str,
    received_at: datetime,
) -> RoutingDecision:
    """Department, priority and tags for a classified item."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    local = received_at.astimezone(STOCKHOLM)
    closing_day = local.date() in rules.closing_days
    c = classification
    best_topic = c.topics[0] if c.topics else None
    facts = _facts(c, page=page, channel=channel, kind=kind, local=local, closing_day=closing_day)
    for compiled in _compiled(rules):
        for clause in compiled.clauses:
            if clause.isdisjoint(facts):
                break
        else:
            if compiled.hours is not None and not compiled.hours.contains(local.time()):
                continue
            if compiled.keywords and keyword_in(c.stems, compiled.keywords) is None:
                continue
            return _decided(compiled, c, rules, best_topic)
    if best_topic is not None:
        topic = rules.topics[best_topic.key]
        name = rules.departments[topic.department].name
        reason = f"Ämnet {topic.label} (matchade ”{best_topic.matched}”) hör till {name}."
        return RoutingDecision(
            topic.department, rules.default_priority, (), f"topic:{topic.key}", reason
        )
    name = rules.departments[rules.default_department].name
    reason = f"Inget ämne eller regel passade; standardmottagaren {name} tar ärendet."
    return RoutingDecision(rules.default_department, rules.default_priority, (), "default", reason)


@dataclass(frozen=True, slots=True)
class Decision:
    classification: Classification
    routing: RoutingDecision

    def to_json(self) -> dict[str, Any]:
        c, r = self.classification, self.routing
        return {
            "language": c.language,
            "topics": [{"key": t.key, "score": t.score, "matched": t.matched} for t in c.topics],
            "sentiment": {"label": c.sentiment.label, "score": c.sentiment.score},
            "flags": list(c.flags),
            "flag_words": {flag: list(words) for flag, words in c.flag_words},
            "department": r.department,
            "priority": r.priority,
            "needs_reply": c.needs_reply,
            "rule": r.rule,
            "reason": r.reason,
        }


def decide(
    text: str,
    rules: Rules,
    *,
    page: str,
    channel: str,
    kind: str,
    received_at: datetime,
) -> Decision:
    """Classify ``text`` and route it in one step."""
    c = classify(text, rules)
    return Decision(
        c, route(c, rules, page=page, channel=channel, kind=kind, received_at=received_at)
    )
