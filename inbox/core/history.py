"""An item's history in sentences: the audit trail as a communicator reads it.

Pure: events in, ``Text`` sentences out. Names instead of keys and addresses,
times in Europe/Stockholm, repeats of the same thing (a notification retried)
grouped into one line with a count. The raw kind and values stay with each line
as ``detail``, for admins only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from inbox.core.calendar import STOCKHOLM
from inbox.core.formatting import local_datetime
from inbox.core.text import Text

__all__ = ["HistoryLine", "Names", "describe", "history"]


class EventLike(Protocol):
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...


# Who did it, when no person did.
SYSTEM_ACTORS = {
    "scheduler": "Inkorgen",
    "meta": "Plattformen",
    "api": "API:t",
    "imap": "E-postinläsningen",
    "cli": "Kommandoraden",
    "demo": "Demodata",
    "test": "Inkorgen",
}

CHANNELS = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "email": "e-post",
    "web": "webbformuläret",
    "api": "API:t",
    "csv": "en importerad fil",
}

URGENT_REASONS = {
    "threat": "hot",
    "offensive": "kränkande",
    "priority": "hög prioritet",
    "crisis": "krisord i texten",
    "heating": "en tråd som hettar till",
    "window": "svarsfönstret stänger innan svaret ska vara klart",
}

SENTIMENTS = {"positive": "positiv", "neutral": "neutral", "negative": "negativ"}
PRIORITIES = {"low": "låg", "normal": "normal", "high": "hög", "urgent": "brådskande"}

# What was sent to the platform.
OUTBOUND = {
    "reply": "svaret",
    "private_reply": "det privata svaret",
    "message": "meddelandet",
    "hide": "att dölja kommentaren",
    "unhide": "att visa kommentaren igen",
    "delete": "att radera kommentaren",
}


@dataclass(frozen=True)
class Names:
    """Names for what events keep as keys: people (by address or duty key),
    departments and topics."""

    people: Mapping[str, str] = field(default_factory=dict)
    departments: Mapping[str, str] = field(default_factory=dict)
    topics: Mapping[str, str] = field(default_factory=dict)
    # Addresses alerted as the person on duty: their notifications are alarms.
    on_duty: frozenset[str] = frozenset()

    def person(self, key: object) -> str:
        text = str(key or "")
        if text in self.people:
            return self.people[text]
        if text in SYSTEM_ACTORS:
            return SYSTEM_ACTORS[text]
        return text or "–"

    def department(self, key: object) -> str:
        text = str(key or "")
        return self.departments.get(text, text) or "ingen förvaltning"

    def topic(self, key: object) -> str:
        text = str(key or "")
        return self.topics.get(text, text) or "inget ämne"


@dataclass
class HistoryLine:
    at: datetime
    last_at: datetime
    text: Text
    count: int
    detail: list[str]
    group: tuple[Any, ...]


def _time(value: object, day_of: datetime) -> str:
    """HH:mm Stockholm time, with the day when it is another day than ``day_of``."""
    if not isinstance(value, str):
        return ""
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return ""
    if at.tzinfo is None:
        return ""
    same_day = at.astimezone(STOCKHOLM).date() == day_of.astimezone(STOCKHOLM).date()
    return local_datetime(at, pattern="HH:mm" if same_day else "d MMM HH:mm")


def _notification(ev: EventLike, names: Names) -> Text:
    recipient = str(ev.data.get("recipient") or "")
    person = names.person(recipient)
    alarm = recipient in names.on_duty
    if ev.kind == "notification_queued":
        return (
            Text("Larm till %(person)s lades i kö.", person=person)
            if alarm
            else Text("Avisering till %(person)s lades i kö.", person=person)
        )
    if ev.kind == "notification_sent":
        return (
            Text("Larm till %(person)s skickades.", person=person)
            if alarm
            else Text("Avisering till %(person)s skickades.", person=person)
        )
    if ev.kind == "notification_failed":
        return (
            Text("Larm till %(person)s kunde inte skickas; inga fler försök.", person=person)
            if alarm
            else Text(
                "Avisering till %(person)s kunde inte skickas; inga fler försök.", person=person
            )
        )
    at = _time(ev.data.get("retry_at"), ev.at)
    if not at:
        return (
            Text("Larm till %(person)s kunde inte skickas, ett nytt försök görs.", person=person)
            if alarm
            else Text(
                "Avisering till %(person)s kunde inte skickas, ett nytt försök görs.", person=person
            )
        )
    return (
        Text("Larm till %(person)s kunde inte skickas, nytt försök %(at)s.", person=person, at=at)
        if alarm
        else Text(
            "Avisering till %(person)s kunde inte skickas, nytt försök %(at)s.",
            person=person,
            at=at,
        )
    )


def _response(ev: EventLike, names: Names) -> Text:
    actor = names.person(ev.actor)
    source = ev.kind.removeprefix("response_")
    if source == "inbox":
        return Text("%(actor)s svarade.", actor=actor)
    if source == "acknowledgement":
        return Text("%(actor)s bekräftade att frågan är sedd.", actor=actor)
    if source == "elsewhere":
        return Text("%(actor)s registrerade ett svar som getts någon annanstans.", actor=actor)
    if source == "platform":
        return Text("Sidan svarade direkt på plattformen.")
    if source == "api":
        return Text("Ett svar registrerades via API:t.")
    return Text("Ett svar registrerades.")


def _assigned(ev: EventLike, names: Names) -> Text:
    actor = names.person(ev.actor)
    assignee = ev.data.get("assignee")
    if not assignee:
        return Text("%(actor)s tog bort tilldelningen.", actor=actor)
    if assignee == ev.actor:
        return Text("%(actor)s tog ärendet.", actor=actor)
    return Text(
        "%(actor)s tilldelade ärendet till %(person)s.", actor=actor, person=names.person(assignee)
    )


def _corrected(ev: EventLike, names: Names) -> Text:
    actor = names.person(ev.actor)
    what, old, new = ev.data.get("field"), ev.data.get("old"), ev.data.get("new")
    if what == "topic":
        return Text(
            "%(actor)s rättade ämnet från %(old)s till %(new)s.",
            actor=actor,
            old=names.topic(old),
            new=names.topic(new),
        )
    if what == "sentiment":
        return Text(
            "%(actor)s rättade sentimentet från %(old)s till %(new)s.",
            actor=actor,
            old=SENTIMENTS.get(str(old), str(old or "–")),
            new=SENTIMENTS.get(str(new), str(new or "–")),
        )
    return Text(
        "%(actor)s rättade förvaltningen från %(old)s till %(new)s.",
        actor=actor,
        old=names.department(old),
        new=names.department(new),
    )


def _rerouted(ev: EventLike, names: Names) -> Text:
    d = ev.data
    if d.get("old_department") != d.get("department"):
        return Text(
            "Reglerna flyttade ärendet från %(old)s till %(new)s.",
            old=names.department(d.get("old_department")),
            new=names.department(d.get("department")),
        )
    return Text(
        "Reglerna ändrade prioriteten från %(old)s till %(new)s.",
        old=PRIORITIES.get(str(d.get("old_priority")), str(d.get("old_priority") or "–")),
        new=PRIORITIES.get(str(d.get("priority")), str(d.get("priority") or "–")),
    )


def _closed(ev: EventLike, names: Names) -> Text:
    actor = names.person(ev.actor)
    resolution = ev.data.get("resolution")
    if resolution == "no_reply_needed":
        return Text("%(actor)s stängde ärendet: kräver inget svar.", actor=actor)
    if resolution == "spam":
        return Text("%(actor)s stängde ärendet som skräp eller reklam.", actor=actor)
    if resolution == "removed":
        return Text("%(actor)s stängde ärendet som borttaget.", actor=actor)
    return Text("%(actor)s stängde ärendet som besvarat.", actor=actor)


def _removed(ev: EventLike, names: Names) -> Text:
    actor = names.person(ev.actor)
    reason, detail = str(ev.data.get("reason") or ""), str(ev.data.get("detail") or "")
    if detail:
        return Text(
            "%(actor)s tog bort ärendet (%(reason)s: %(detail)s).",
            actor=actor,
            reason=reason,
            detail=detail,
        )
    return Text("%(actor)s tog bort ärendet (%(reason)s).", actor=actor, reason=reason)


def _what(ev: EventLike) -> str:
    return OUTBOUND.get(str(ev.data.get("action") or ""), "det som skickas")


def _outbound(ev: EventLike, names: Names) -> Text:
    actor = names.person(ev.actor)
    what = _what(ev)
    kind = ev.kind
    if kind == "outbound_queued":
        return Text("%(actor)s skickade %(what)s till plattformen.", actor=actor, what=what)
    if kind == "outbound_sent":
        return Text("Plattformen tog emot %(what)s.", what=what)
    if kind == "outbound_retry":
        at = _time(ev.data.get("at"), ev.at)
        if at:
            return Text("Plattformen tog inte emot det ännu, nytt försök %(at)s.", at=at)
        return Text("Plattformen tog inte emot det ännu, ett nytt försök görs.")
    if kind == "outbound_failed":
        return Text("Det gick inte att skicka %(what)s till plattformen.", what=what)
    if kind == "outbound_uncertain":
        return Text("Osäkert om plattformen tog emot %(what)s.", what=what)
    if kind == "outbound_looked_up":
        return Text("Inkorgen letade på plattformen men hittade det inte ännu.")
    if ev.data.get("sent"):
        return Text("%(actor)s bekräftade att det syns på sidan.", actor=actor)
    return Text("%(actor)s såg att det inte syns på sidan; det skickas igen.", actor=actor)


def _sla(ev: EventLike, names: Names) -> Text:
    if ev.kind == "sla_at_risk":
        return Text("Svarstiden håller på att gå ut.")
    if ev.kind == "sla_breached":
        return Text("Svarstiden gick ut utan svar.")
    return Text("Svarstiden ändrade läge.")


def _person_alarm(ev: EventLike, names: Names) -> str:
    key = str(ev.data.get("person") or "")
    return names.person(key)


_SENTENCES: dict[str, Callable[[EventLike, Names], Text]] = {
    "item_received": lambda ev, n: Text(
        "Ärendet kom in via %(channel)s.",
        channel=CHANNELS.get(str(ev.data.get("channel")), str(ev.data.get("channel") or "–")),
    ),
    "closed": _closed,
    "removed": _removed,
    "assigned": _assigned,
    "note": lambda ev, n: Text("%(actor)s skrev en intern anteckning.", actor=n.person(ev.actor)),
    "sent_to_department": lambda ev, n: Text(
        "%(actor)s skickade ärendet till %(department)s.",
        actor=n.person(ev.actor),
        department=n.department(ev.data.get("department")),
    ),
    "corrected": _corrected,
    "rerouted": _rerouted,
    "urgent": lambda ev, n: Text(
        "Ärendet bedömdes som brådskande: %(reason)s.",
        reason=URGENT_REASONS.get(str(ev.data.get("reason")), str(ev.data.get("reason") or "–")),
    ),
    "escalated": lambda ev, n: Text(
        "Larm till %(person)s, som har beredskap.", person=_person_alarm(ev, n)
    ),
    "escalation_forwarded": lambda ev, n: Text(
        "Ingen kvitterade i tid: larmet gick vidare till reserven %(person)s.",
        person=_person_alarm(ev, n),
    ),
    "escalation_acknowledged": lambda ev, n: Text(
        "%(actor)s kvitterade larmet.", actor=n.person(ev.actor)
    ),
    "notification_queued": _notification,
    "notification_sent": _notification,
    "notification_retry": _notification,
    "notification_failed": _notification,
    "email_auto_reply": lambda ev, n: Text(
        "Mejlet är ett automatiskt svar (till exempel frånvaro)."
    ),
    "edited": lambda ev, n: Text("Skribenten ändrade texten på plattformen."),
    "removed_on_platform": lambda ev, n: Text("Kommentaren togs bort på plattformen."),
    "hidden_on_platform": lambda ev, n: Text("Kommentaren doldes på plattformen."),
    "unhidden_on_platform": lambda ev, n: Text("Kommentaren visas igen på plattformen."),
    "reopened": lambda ev, n: Text("Ärendet öppnades igen."),
    "bulk_undone": lambda ev, n: Text(
        "%(actor)s ångrade en åtgärd på flera ärenden.", actor=n.person(ev.actor)
    ),
    "outbound_queued": _outbound,
    "outbound_sent": _outbound,
    "outbound_retry": _outbound,
    "outbound_failed": _outbound,
    "outbound_uncertain": _outbound,
    "outbound_looked_up": _outbound,
    "outbound_settled": _outbound,
    "read": lambda ev, n: Text("%(actor)s öppnade ärendet.", actor=n.person(ev.actor)),
    "revealed": lambda ev, n: Text(
        "%(actor)s visade personuppgifterna (skälet står i granskningsloggen).",
        actor=n.person(ev.actor),
    ),
    "registered": lambda ev, n: Text(
        "%(actor)s skickade ärendet till registrator %(address)s.",
        actor=n.person(ev.actor),
        address=str(ev.data.get("to") or "–"),
    ),
    "registry_reference": lambda ev, n: Text(
        "%(actor)s angav diarienummer %(reference)s.",
        actor=n.person(ev.actor),
        reference=str(ev.data.get("reference") or "–"),
    ),
    "legal_hold": lambda ev, n: Text(
        "%(actor)s satte ärendet under bevarandebeslut: det gallras inte.",
        actor=n.person(ev.actor),
    ),
    "legal_hold_released": lambda ev, n: Text(
        "%(actor)s hävde bevarandebeslutet.", actor=n.person(ev.actor)
    ),
    "sla_at_risk": _sla,
    "sla_breached": _sla,
}

# Every kind the history has a sentence for (tests hold it complete).
KINDS = frozenset(_SENTENCES) | {"response_"}

# Values that differ between repeats of the same thing (a retry's next time).
_VARYING = frozenset({"at"})


def describe(ev: EventLike, names: Names) -> Text:
    """One event as a sentence."""
    if ev.kind.startswith("response_"):
        return _response(ev, names)
    sentence = _SENTENCES.get(ev.kind)
    if sentence is None:
        return Text("Något hände i inkorgen (%(actor)s).", actor=names.person(ev.actor))
    return sentence(ev, names)


def detail(ev: EventLike) -> str:
    """The technical line: time, actor, kind and the raw values."""
    values = " ".join(f"{k}={v}" for k, v in ev.data.items() if v not in (None, "", [], {}))
    stamp = ev.at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M:%S")
    return f"{stamp} {ev.actor} {ev.kind} {values}".rstrip()


def history(events: Sequence[EventLike], names: Names) -> list[HistoryLine]:
    """The events, oldest first, as sentences; the same sentence in a row is one
    line with a count (the last repeat's values, the first repeat's time)."""
    lines: list[HistoryLine] = []
    for ev in sorted(events, key=lambda e: e.at):
        text = describe(ev, names)
        group = (
            text.msgid,
            tuple(sorted((k, v) for k, v in text.values.items() if k not in _VARYING)),
        )
        if lines and lines[-1].group == group:
            last = lines[-1]
            last.count += 1
            last.last_at = ev.at
            last.text = text
            last.detail.append(detail(ev))
            continue
        lines.append(HistoryLine(ev.at, ev.at, text, 1, [detail(ev)], group))
    return lines
