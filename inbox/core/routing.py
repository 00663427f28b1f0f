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
from inbox.core.rules.tagging import (
    Conditions,
    PerRules,
    Priority,
    RoutingRule,
    Rules,
    TimeRange,
)

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


# The conditions a rule gives on one of an item's facts, in the order of their
# value-to-bit tables in an _Index.
_CONDITIONS = (
    "page",
    "channel",
    "kind",
    "topic",
    "sentiment",
    "flag",
    "language",
    "weekday",
    "has_topic",
    "closing_day",
    "needs_reply",
)


def _accepted(w: Conditions) -> tuple[tuple[object, ...], ...]:
    """The values each of ``_CONDITIONS`` accepts (none: not a condition)."""

    def one(wanted: bool | None) -> tuple[object, ...]:
        return () if wanted is None else (wanted,)

    return (
        w.pages,
        w.channels,
        w.kinds,
        w.topics,
        w.sentiments,
        w.flags,
        w.languages,
        w.weekdays,
        one(w.has_topic),
        one(w.closing_day),
        one(w.needs_reply),
    )


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A routing rule with each condition a bit mask over an item's facts."""

    rule: RoutingRule
    clauses: tuple[int, ...]
    hours: TimeRange | None
    keywords: tuple[str, ...]
    head: str  # the reason's rule part


@dataclass(frozen=True, slots=True)
class _Index:
    """The routing rules of one rule set, compiled: every value a rule accepts for a
    condition is a bit, an item's facts are the bits of its values, and a condition
    holds when its mask shares a bit with them."""

    rules: tuple[_Compiled, ...]
    bits: tuple[dict[object, int], ...]  # one table per condition of _CONDITIONS


def _build_index(rules: Rules) -> _Index:
    bits: tuple[dict[object, int], ...] = tuple({} for _ in _CONDITIONS)
    count = 0
    compiled = []
    for rule in rules.routing:
        clauses: list[tuple[int, int]] = []
        for table, values in zip(bits, _accepted(rule.when), strict=True):
            if not values:
                continue
            mask = 0
            for value in values:
                if value not in table:
                    table[value] = 1 << count
                    count += 1
                mask |= table[value]
            clauses.append((len(values), mask))
        # The narrowest condition first: most rules fail on it for most items.
        clauses.sort(key=lambda clause: clause[0])
        why = rule.description or rule.id
        compiled.append(
            _Compiled(
                rule,
                tuple(mask for _, mask in clauses),
                rule.when.hours,
                rule.when.keywords,
                f"Regeln ”{rule.id}”: {why}",
            )
        )
    return _Index(tuple(compiled), bits)


_index = PerRules(_build_index, 4)


def _facts(
    index: _Index,
    c: Classification,
    *,
    page: str,
    channel: str,
    kind: str,
    local: datetime,
    closing_day: bool,
) -> int:
    (
        pages,
        channels,
        kinds,
        topics,
        sentiments,
        flags,
        languages,
        weekdays,
        has_topic,
        closing_days,
        needs_reply,
    ) = index.bits
    facts = (
        pages.get(page, 0)
        | channels.get(channel, 0)
        | kinds.get(kind, 0)
        | sentiments.get(c.sentiment.label, 0)
        | languages.get(c.language, 0)
        | weekdays.get(local.weekday(), 0)
        | has_topic.get(bool(c.topics), 0)
        | closing_days.get(closing_day, 0)
        | needs_reply.get(c.needs_reply, 0)
    )
    for t in c.topics:
        facts |= topics.get(t.key, 0)
    for f in c.flags:
        facts |= flags.get(f, 0)
    return facts


def _describe(rule: RoutingRule, c: Classification) -> str:
    w = rule.when
    parts: list[str] = []
    if w.flags:
        parts.append("flagga " + ", ".join([_SV_FLAG[f] for f in c.flags if f in w.flags]))
    if w.topics:
        parts.append("ämne " + ", ".join([t.key for t in c.topics if t.key in w.topics]))
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
    index = _index(rules)
    facts = _facts(
        index, c, page=page, channel=channel, kind=kind, local=local, closing_day=closing_day
    )
    for compiled in index.rules:
        for mask in compiled.clauses:
            if not facts & mask:
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
