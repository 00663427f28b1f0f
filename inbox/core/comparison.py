"""This period against the previous one and the target, in words.

Pure. The dashboard's lead and the weekly e-mail say the same changes the same
way: every change in words that say better or worse (the arrow and any colour
are never the only sign), numbers in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from inbox.core import formatting
from inbox.core.metrics import Metrics
from inbox.core.text import Text

__all__ = [
    "Compared",
    "against_target",
    "count_change",
    "rate_change",
    "time_change",
    "tone",
]


def rate_change(now: float | None, before: float | None, lang: str = "sv") -> Text:
    """A share's change in percentage points (higher is better)."""
    if now is None or before is None:
        return Text("inget att jämföra med")
    points = round(abs(now - before) * 100, 1)
    if points == 0:
        return Text("oförändrad")
    d = formatting.number(points, lang)
    if now > before:
        return Text("▲ %(d)s procentenheter högre (bättre)", d=d)
    return Text("▼ %(d)s procentenheter lägre (sämre)", d=d)


def time_change(now: float | None, before: float | None) -> Text:
    """A response time's change in minutes (shorter is better)."""
    if now is None or before is None:
        return Text("inget att jämföra med")
    if round(now) == round(before):
        return Text("oförändrad")
    d = formatting.duration(abs(now - before))
    if now < before:
        return Text("▼ %(d)s kortare (bättre)", d=d)
    return Text("▲ %(d)s längre (sämre)", d=d)


def count_change(now: int, before: int, lang: str = "sv") -> Text:
    """A count of breaches' change (fewer is better)."""
    if now == before:
        return Text("oförändrat")
    d = formatting.number(abs(now - before), lang)
    if now < before:
        return Text("▼ %(d)s färre (bättre)", d=d)
    return Text("▲ %(d)s fler (sämre)", d=d)


def against_target(
    median_minutes: float | None, target_hours: float | None, lang: str = "sv"
) -> Text | None:
    """The median response time against the page's target (its due time's hours)."""
    if median_minutes is None or target_hours is None:
        return None
    target = f"{formatting.number(target_hours, lang)} h"
    if median_minutes <= target_hours * 60:
        return Text("inom målet %(target)s", target=target)
    return Text("över målet %(target)s", target=target)


def tone(change: Text) -> str:
    """``better``, ``worse`` or ``same``: for a style (the words already say it)."""
    if "(bättre)" in change.msgid:
        return "better"
    if "(sämre)" in change.msgid:
        return "worse"
    return "same"


@dataclass(frozen=True)
class Compared:
    """One page (or all pages): this period, the previous one, and the changes."""

    label: str
    now: Metrics
    before: Metrics
    target_hours: float | None
    lang: str = "sv"

    @property
    def rate(self) -> Text:
        return rate_change(self.now.response_rate, self.before.response_rate, self.lang)

    @property
    def within(self) -> Text:
        return rate_change(self.now.within_target_rate, self.before.within_target_rate, self.lang)

    @property
    def median(self) -> Text:
        return time_change(self.now.median_response_minutes, self.before.median_response_minutes)

    @property
    def breached(self) -> Text:
        return count_change(self.now.breached, self.before.breached, self.lang)

    @property
    def target(self) -> Text | None:
        return against_target(self.now.median_response_minutes, self.target_hours, self.lang)
