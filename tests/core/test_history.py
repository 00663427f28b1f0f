"""The item's history in Swedish sentences: one row per event kind, repeats grouped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inbox.core import history as h
from inbox.core.history import Names, describe, history
from tests.paths import REPO

AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # 10:00 in Stockholm


@dataclass
class Ev:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    actor: str = "anna@region.se"
    at: datetime = AT


NAMES = Names(
    people={
        "anna@region.se": "Anna Berg",
        "bo@region.se": "Bo Ek",
        "fredrik": "Fredrik Sund",
        "fredrik.sund@region.se": "Fredrik Sund",
        "eva": "Eva Holm",
    },
    departments={"halso_sjukvard": "Hälso- och sjukvården", "kontaktcenter": "Kontaktcenter"},
    topics={"vard": "Vård", "kollektivtrafik": "Kollektivtrafik"},
    on_duty=frozenset({"fredrik.sund@region.se"}),
)

RETRY_AT = "2026-11-28T09:05:00+00:00"

CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("item_received", {"channel": "facebook"}, "meta", "Ärendet kom in via Facebook."),
    ("item_received", {"channel": "email"}, "imap", "Ärendet kom in via e-post."),
    (
        "closed",
        {"resolution": "answered"},
        "anna@region.se",
        "Anna Berg stängde ärendet som besvarat.",
    ),
    (
        "closed",
        {"resolution": "no_reply_needed"},
        "anna@region.se",
        "Anna Berg stängde ärendet: kräver inget svar.",
    ),
    (
        "closed",
        {"resolution": "spam"},
        "anna@region.se",
        "Anna Berg stängde ärendet som skräp eller reklam.",
    ),
    ("closed", {"resolution": "removed"}, "meta", "Plattformen stängde ärendet som borttaget."),
    (
        "removed",
        {"reason": "hot", "detail": ""},
        "anna@region.se",
        "Anna Berg tog bort ärendet (hot).",
    ),
    (
        "removed",
        {"reason": "annat", "detail": "dubblett"},
        "anna@region.se",
        "Anna Berg tog bort ärendet (annat: dubblett).",
    ),
    (
        "assigned",
        {"assignee": "anna@region.se", "previous": None},
        "anna@region.se",
        "Anna Berg tog ärendet.",
    ),
    (
        "assigned",
        {"assignee": "bo@region.se", "previous": None},
        "anna@region.se",
        "Anna Berg tilldelade ärendet till Bo Ek.",
    ),
    (
        "assigned",
        {"assignee": None, "previous": "bo@region.se"},
        "anna@region.se",
        "Anna Berg tog bort tilldelningen.",
    ),
    ("note", {}, "bo@region.se", "Bo Ek skrev en intern anteckning."),
    (
        "sent_to_department",
        {"department": "kontaktcenter", "previous": "halso_sjukvard"},
        "anna@region.se",
        "Anna Berg skickade ärendet till Kontaktcenter.",
    ),
    (
        "corrected",
        {"field": "topic", "old": "vard", "new": "kollektivtrafik"},
        "anna@region.se",
        "Anna Berg rättade ämnet från Vård till Kollektivtrafik.",
    ),
    (
        "corrected",
        {"field": "sentiment", "old": "neutral", "new": "negative"},
        "anna@region.se",
        "Anna Berg rättade sentimentet från neutral till negativ.",
    ),
    (
        "corrected",
        {"field": "department", "old": "kontaktcenter", "new": "halso_sjukvard"},
        "anna@region.se",
        "Anna Berg rättade förvaltningen från Kontaktcenter till Hälso- och sjukvården.",
    ),
    (
        "rerouted",
        {
            "old_department": "kontaktcenter",
            "department": "halso_sjukvard",
            "old_priority": "normal",
            "priority": "normal",
        },
        "cli",
        "Reglerna flyttade ärendet från Kontaktcenter till Hälso- och sjukvården.",
    ),
    (
        "rerouted",
        {
            "old_department": "kontaktcenter",
            "department": "kontaktcenter",
            "old_priority": "normal",
            "priority": "high",
        },
        "cli",
        "Reglerna ändrade prioriteten från normal till hög.",
    ),
    ("urgent", {"reason": "threat"}, "scheduler", "Ärendet bedömdes som brådskande: hot."),
    (
        "urgent",
        {"reason": "heating"},
        "scheduler",
        "Ärendet bedömdes som brådskande: en tråd som hettar till.",
    ),
    (
        "escalated",
        {"level": "primary", "person": "fredrik", "reason": "threat"},
        "scheduler",
        "Larm till Fredrik Sund, som har beredskap.",
    ),
    (
        "escalation_forwarded",
        {"level": "backup", "person": "eva", "reason": "threat"},
        "scheduler",
        "Ingen kvitterade i tid: larmet gick vidare till reserven Eva Holm.",
    ),
    (
        "escalation_acknowledged",
        {"escalation_id": 3},
        "fredrik.sund@region.se",
        "Fredrik Sund kvitterade larmet.",
    ),
    (
        "notification_queued",
        {"recipient": "fredrik.sund@region.se", "subject": "Hot"},
        "scheduler",
        "Larm till Fredrik Sund lades i kö.",
    ),
    (
        "notification_queued",
        {"recipient": "bo@region.se", "subject": "Snart"},
        "scheduler",
        "Avisering till Bo Ek lades i kö.",
    ),
    (
        "notification_sent",
        {"recipient": "fredrik.sund@region.se", "attempts": 1},
        "scheduler",
        "Larm till Fredrik Sund skickades.",
    ),
    (
        "notification_sent",
        {"recipient": "vard@region.se", "attempts": 1},
        "scheduler",
        "Avisering till vard@region.se skickades.",
    ),
    (
        "notification_retry",
        {
            "recipient": "fredrik.sund@region.se",
            "attempts": 1,
            "error": "ConnectionRefusedError: [Errno 111]",
            "retry_at": RETRY_AT,
        },
        "scheduler",
        "Larm till Fredrik Sund kunde inte skickas, nytt försök 10:05.",
    ),
    (
        "notification_retry",
        {
            "recipient": "bo@region.se",
            "attempts": 1,
            "error": "x",
            "retry_at": "2026-11-29T09:05:00+00:00",
        },
        "scheduler",
        "Avisering till Bo Ek kunde inte skickas, nytt försök 29 nov. 10:05.",
    ),
    (
        "notification_retry",
        {"recipient": "fredrik.sund@region.se", "attempts": 1, "error": "x"},
        "scheduler",
        "Larm till Fredrik Sund kunde inte skickas, ett nytt försök görs.",
    ),
    (
        "notification_retry",
        {"recipient": "bo@region.se", "attempts": 1, "error": "x"},
        "scheduler",
        "Avisering till Bo Ek kunde inte skickas, ett nytt försök görs.",
    ),
    (
        "notification_failed",
        {"recipient": "fredrik.sund@region.se", "attempts": 8, "error": "x"},
        "scheduler",
        "Larm till Fredrik Sund kunde inte skickas; inga fler försök.",
    ),
    (
        "notification_failed",
        {"recipient": "bo@region.se", "attempts": 8, "error": "x"},
        "scheduler",
        "Avisering till Bo Ek kunde inte skickas; inga fler försök.",
    ),
    (
        "email_auto_reply",
        {"reason": "auto-submitted"},
        "imap",
        "Mejlet är ett automatiskt svar (till exempel frånvaro).",
    ),
    (
        "edited",
        {"at": "2026-11-28T09:00:00+00:00", "before": "x"},
        "meta",
        "Skribenten ändrade texten på plattformen.",
    ),
    (
        "removed_on_platform",
        {"at": "2026-11-28T09:00:00+00:00"},
        "meta",
        "Kommentaren togs bort på plattformen.",
    ),
    (
        "hidden_on_platform",
        {"at": "2026-11-28T09:00:00+00:00"},
        "meta",
        "Kommentaren doldes på plattformen.",
    ),
    (
        "unhidden_on_platform",
        {"at": "2026-11-28T09:00:00+00:00"},
        "meta",
        "Kommentaren visas igen på plattformen.",
    ),
    ("reopened", {}, "meta", "Ärendet öppnades igen."),
    (
        "bulk_undone",
        {"bulk_event": 9, "operation": "close"},
        "anna@region.se",
        "Anna Berg ångrade en åtgärd på flera ärenden.",
    ),
    ("response_inbox", {"sent_at": "x"}, "anna@region.se", "Anna Berg svarade."),
    ("response_acknowledgement", {}, "anna@region.se", "Anna Berg bekräftade att frågan är sedd."),
    (
        "response_elsewhere",
        {},
        "anna@region.se",
        "Anna Berg registrerade ett svar som getts någon annanstans.",
    ),
    ("response_platform", {}, "Region Västmark", "Sidan svarade direkt på plattformen."),
    ("response_api", {}, "api", "Ett svar registrerades via API:t."),
    ("response_other", {}, "api", "Ett svar registrerades."),
    (
        "outbound_queued",
        {"outbound": 1, "action": "reply"},
        "anna@region.se",
        "Anna Berg skickade svaret till plattformen.",
    ),
    (
        "outbound_queued",
        {"outbound": 1, "action": "hide", "reason": "hot"},
        "anna@region.se",
        "Anna Berg skickade att dölja kommentaren till plattformen.",
    ),
    (
        "outbound_sent",
        {"outbound": 1, "action": "reply"},
        "scheduler",
        "Plattformen tog emot svaret.",
    ),
    (
        "outbound_retry",
        {"outbound": 1, "code": "rate_limited", "at": RETRY_AT},
        "scheduler",
        "Plattformen tog inte emot det ännu, nytt försök 10:05.",
    ),
    (
        "outbound_retry",
        {"outbound": 1, "code": "rate_limited"},
        "scheduler",
        "Plattformen tog inte emot det ännu, ett nytt försök görs.",
    ),
    (
        "outbound_failed",
        {"outbound": 1, "action": "private_reply", "code": "x"},
        "scheduler",
        "Det gick inte att skicka det privata svaret till plattformen.",
    ),
    (
        "outbound_uncertain",
        {"outbound": 1, "action": "message"},
        "scheduler",
        "Osäkert om plattformen tog emot meddelandet.",
    ),
    (
        "outbound_looked_up",
        {"outbound": 1, "found": False},
        "scheduler",
        "Inkorgen letade på plattformen men hittade det inte ännu.",
    ),
    (
        "outbound_settled",
        {"outbound": 1, "sent": True},
        "anna@region.se",
        "Anna Berg bekräftade att det syns på sidan.",
    ),
    (
        "outbound_settled",
        {"outbound": 1, "sent": False},
        "anna@region.se",
        "Anna Berg såg att det inte syns på sidan; det skickas igen.",
    ),
    ("sla_at_risk", {"from": "ok"}, "scheduler", "Svarstiden håller på att gå ut."),
    ("sla_breached", {"from": "at_risk"}, "scheduler", "Svarstiden gick ut utan svar."),
    ("read", {}, "anna@region.se", "Anna Berg öppnade ärendet."),
    (
        "revealed",
        {"reason": "Polisanmälan 070-123 45 67"},
        "anna@region.se",
        "Anna Berg visade personuppgifterna (skälet står i granskningsloggen).",
    ),
    (
        "registered",
        {"to": "registrator@region.se", "file": "arende-1.html"},
        "anna@region.se",
        "Anna Berg skickade ärendet till registrator registrator@region.se.",
    ),
    (
        "registry_reference",
        {"reference": "RS 2026/123", "previous": None},
        "anna@region.se",
        "Anna Berg angav diarienummer RS 2026/123.",
    ),
    (
        "legal_hold",
        {"reason": "JO-anmälan"},
        "anna@region.se",
        "Anna Berg satte ärendet under bevarandebeslut: det gallras inte.",
    ),
    (
        "legal_hold_released",
        {"reason": "klart"},
        "anna@region.se",
        "Anna Berg hävde bevarandebeslutet.",
    ),
    ("something_new", {"x": 1}, "scheduler", "Något hände i inkorgen (Inkorgen)."),
]


@pytest.mark.parametrize(("kind", "data", "actor", "sentence"), CASES)
def test_each_event_kind_reads_as_a_swedish_sentence(
    kind: str, data: dict[str, Any], actor: str, sentence: str
) -> None:
    text = describe(Ev(kind, data, actor), NAMES)
    assert str(text) == sentence
    # No keys, no addresses of known people, no raw kind in what people read.
    assert kind not in str(text)
    assert "fredrik.sund@region.se" not in str(text)


def test_the_table_covers_every_kind_the_history_knows() -> None:
    covered = {k for k, *_ in CASES}
    assert set(h._SENTENCES) <= covered


def test_every_item_event_the_actions_record_has_a_sentence() -> None:
    """A new event kind in inbox/actions gets a sentence (or is not about an item)."""
    not_items = {
        "user_added", "user_password", "user_activated", "user_deactivated", "logout",
        "login", "login_failed", "lease_taken", "lease_released", "page_added",
        "page_updated", "page_connected", "api_token_created", "api_token_revoked",
        "digests_queued", "weekly_summary_queued", "csv_import", "email_import",
        "connection_state", "bulk", "topic_keyword_added", "routing_keyword_added",
        "exported", "retention_erased", "person_erased",
    }  # fmt: skip
    found: set[str] = set()
    for path in (REPO / "inbox" / "actions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'record_event\([^()]*?kind="([a-z_]+)"', source, re.DOTALL))
    missing = {k for k in found - not_items if k not in h._SENTENCES}
    assert missing == set()


def test_repeats_are_one_line_with_a_count_and_the_last_retry_time() -> None:
    retry = {
        "recipient": "fredrik.sund@region.se",
        "attempts": 1,
        "error": "ConnectionRefusedError",
    }
    events = [
        Ev("escalated", {"person": "fredrik", "level": "primary"}, "scheduler", AT),
        *(
            Ev(
                "notification_retry",
                {**retry, "attempts": i, "retry_at": (AT + timedelta(minutes=i)).isoformat()},
                "scheduler",
                AT + timedelta(minutes=i - 1),
            )
            for i in (1, 2, 3)
        ),
        Ev(
            "notification_sent",
            {"recipient": "fredrik.sund@region.se"},
            "scheduler",
            AT + timedelta(minutes=3),
        ),
    ]
    lines = history(events, NAMES)
    assert [(str(line.text), line.count) for line in lines] == [
        ("Larm till Fredrik Sund, som har beredskap.", 1),
        ("Larm till Fredrik Sund kunde inte skickas, nytt försök 10:03.", 3),
        ("Larm till Fredrik Sund skickades.", 1),
    ]
    grouped = lines[1]
    assert grouped.at == AT
    assert grouped.last_at == AT + timedelta(minutes=2)
    # The technical detail keeps each attempt, for admins.
    assert len(grouped.detail) == 3
    assert all("notification_retry" in d and "ConnectionRefusedError" in d for d in grouped.detail)


def test_different_recipients_are_not_grouped() -> None:
    events = [
        Ev("notification_sent", {"recipient": "fredrik.sund@region.se"}, "scheduler"),
        Ev("notification_sent", {"recipient": "bo@region.se"}, "scheduler"),
    ]
    assert [line.count for line in history(events, NAMES)] == [1, 1]
