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
from inbox.core.classify.topics import keyword_in
from inbox.core.rules.tagging import Priority, RoutingRule, Rules

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


def _matches(
    rule: RoutingRule,
    c: Classification,
    *,
    page: str,
    channel: str,
    kind: str,
    local: datetime,
    closing_day: bool,
) -> bool:
    """Whether every condition the rule gives holds for this item."""
    # Tried one at a time, cheapest first, stopping at the first that fails:
    # most rules fail on their first condition, for every item of a bulk import.
    w = rule.when
    if w.pages and page not in w.pages:
        return False
    if w.channels and channel not in w.channels:
        return False
    if w.kinds and kind not in w.kinds:
        return False
    if w.topics and not any(t.key in w.topics for t in c.topics):
        return False
    if w.sentiments and c.sentiment.label not in w.sentiments:
        return False
    if w.flags and not any(f in w.flags for f in c.flags):
        return False
    if w.languages and c.language not in w.languages:
        return False
    if w.weekdays and local.weekday() not in w.weekdays:
        return False
    if w.hours is not None and not w.hours.contains(local.time()):
        return False
    if w.has_topic is not None and bool(c.topics) != w.has_topic:
        return False
    if w.closing_day is not None and closing_day != w.closing_day:
        return False
    if w.needs_reply is not None and c.needs_reply != w.needs_reply:
        return False
    if w.keywords:
        return keyword_in(c.stems, w.keywords) is not None
    return True


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
    for rule in rules.routing:
        if not _matches(
            rule, c, page=page, channel=channel, kind=kind, local=local, closing_day=closing_day
        ):
            continue
        if rule.department is not None:
            department = rule.department
        elif best_topic is not None:
            department = rules.topics[best_topic.key].department
        else:
            department = rules.default_department
        why = rule.description or rule.id
        detail = _describe(rule, c)
        name = rules.departments[department].name
        reason = f"Regeln ”{rule.id}”: {why}" + (f" ({detail})" if detail else "")
        reason += f". Går till {name}, prioritet {_SV_PRIORITY[rule.priority]}."
        return RoutingDecision(department, rule.priority, rule.tags, rule.id, reason)
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
