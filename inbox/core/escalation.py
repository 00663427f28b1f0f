"""Who must hear about an item, and when: the escalation policy over plain data.

Pure: no database, no scheduler, no clock of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from inbox.core.calendar import OFFICE_CLOSE, OFFICE_OPEN, STOCKHOLM, OfficeCalendar, require_aware
from inbox.core.rules.duty import EscalationRules, UrgentPolicy

__all__ = [
    "URGENT_REASONS",
    "ItemFacts",
    "at_risk_recipients",
    "breach_recipients",
    "is_office_time",
    "urgent_reason",
]

# What an item's ``urgency`` column may hold besides "none" (not urgent).
URGENT_REASONS = ("threat", "offensive", "priority", "crisis", "heating", "window")


@dataclass(frozen=True, slots=True)
class ItemFacts:
    kind: str
    flags: str
    priority: str
    text: str


def is_office_time(now: datetime, calendar: OfficeCalendar) -> bool:
    """Working day, between 08:00 and 17:00 Europe/Stockholm."""
    require_aware(now, "now")
    local = now.astimezone(STOCKHOLM)
    return calendar.is_working_day(local.date()) and OFFICE_OPEN <= local.time() < OFFICE_CLOSE


@lru_cache(maxsize=32)
def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    if not keywords:
        return None
    # Whole words only: "hot" must not match "hotell".
    alternatives = "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def urgent_reason(facts: ItemFacts, policy: UrgentPolicy) -> str | None:
    """Why the item is urgent (threat, offensive, priority, crisis), or None.

    A heating thread is a property of several items and is counted by the caller.
    """
    flags = set(facts.flags.split())
    if facts.kind in policy.public_kinds:
        for flag in ("threat", "offensive"):
            if flag in policy.flags and flag in flags:
                return flag
    if facts.priority in policy.priorities:
        return "priority"
    pattern = _keyword_pattern(policy.crisis_keywords)
    if pattern is not None and pattern.search(facts.text):
        return "crisis"
    return None


def at_risk_recipients(
    assignee: str | None, department: str | None, rules: EscalationRules
) -> tuple[str, ...]:
    """The assignee when that is an address, otherwise the department's addresses."""
    if assignee and "@" in assignee:
        return (assignee.strip(),)
    return rules.emails_of(department)


def breach_recipients(department: str | None, rules: EscalationRules) -> tuple[str, ...]:
    return rules.supervisor_of(department)
