"""The SLA sweep, escalations to the person on duty, the outbox and digests.

Real SMTP and HTTP servers on loopback; the clock is moved by the tests.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from inbox.actions import outbox, sla_sweep
from inbox.app import create_app
from inbox.core.calendar import DEFAULT_CALENDAR, STOCKHOLM
from inbox.core.incoming import NewItem
from inbox.core.rules.duty import check_rules, load_watch_rules
from inbox.scheduler import run_tick, watch_of
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.models import Escalation, Event, Item, Outbox
from inbox.store.queries import open_escalations, outbox_list
from tests.factories import add_items, make_page, write_departments
from tests.notify_servers import HttpReceiver, SmtpServer
from tests.paths import DEFAULT_RULES

ESCALATION = """
ack_timeout_minutes = 30
[urgent]
crisis_keywords = ["bomb", "bränna ner"]
[urgent.heating_thread]
negative_comments = 3
within_minutes = 30
[digest]
daily_at = 07:30:00
weekly_summary_at = 07:00:00
summary_recipients = ["chef@example.se"]
"""

# departments.toml's addresses: the one list escalations and digests read.
ADDRESSES = {
    "kommunikation": {
        "emails": ["kommunikation@example.se"],
        "supervisor_emails": ["cecilia@example.se"],
    },
    "halso_sjukvard": {"emails": ["vard@example.se"], "supervisor_emails": ["anna@example.se"]},
}

DUTY = """
[people.david]
name = "David"
email = "david@example.se"
[people.eva]
name = "Eva"
email = "eva@example.se"
webhook = "{webhook}"
[default]
primary = "david"
backup = "eva"
"""


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM).astimezone(UTC)


SATURDAY_2240 = local(2026, 11, 28, 22, 40)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, smtp: SmtpServer, receiver: HttpReceiver
) -> Settings:
    rules = tmp_path / "rules"
    rules.mkdir()
    # The shipped tagging rules, with this test's own escalation policy and rota.
    for shipped in (DEFAULT_RULES).glob("*.toml"):
        if shipped.name not in ("escalation.toml", "duty.toml"):
            shutil.copy(shipped, rules / shipped.name)
    (rules / "escalation.toml").write_text(ESCALATION, encoding="utf-8")
    write_departments(rules, ADDRESSES)
    (rules / "duty.toml").write_text(DUTY.format(webhook=receiver.url), encoding="utf-8")
    return Settings(
        database_url=database_url,
        rules_dir=rules,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_from="inbox@example.se",
        base_url="https://inbox.example.se",
        outbox_backoff_seconds=60,
    )


def tick(engine: Engine, settings: Settings, now: datetime) -> None:
    watch = watch_of(settings, DEFAULT_CALENDAR)
    run_tick(engine, now=now, settings=settings, watch=watch)


def set_item(engine: Engine, item_id: int, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.update(Item.__table__).where(Item.__table__.c.id == item_id).values(**values)
        )  # type: ignore[attr-defined]


def events(engine: Engine, kind: str) -> list[Event]:
    with Session(engine) as session:
        return list(session.exec(select(Event).where(Event.kind == kind).order_by(Event.id)))


def recipients(smtp: SmtpServer) -> list[str]:
    return [str(m["To"]) for m in smtp.messages]


def sla_mails(smtp: SmtpServer) -> list[str]:
    return [str(m["To"]) for m in smtp.messages if "svarstiden" in str(m["Subject"])]


def sla_subjects(smtp: SmtpServer) -> list[str]:
    return [str(m["Subject"]) for m in smtp.messages if "svarstiden" in str(m["Subject"])]


def test_repository_rules_are_valid() -> None:
    root = DEFAULT_RULES
    assert check_rules(root) == []
    rules = load_watch_rules(root)
    primary, backup = rules.duty.on_duty(SATURDAY_2240)
    assert primary != backup


def test_rules_errors_name_file_key_and_problem(tmp_path: Path) -> None:
    (tmp_path / "escalation.toml").write_text("ack_timeout_minutes = 0\n", encoding="utf-8")
    (tmp_path / "duty.toml").write_text(
        '[people.a]\nname = "A"\nemail = "nope"\n[default]\nprimary = "a"\nbackup = "b"\n',
        encoding="utf-8",
    )
    problems = check_rules(tmp_path)
    assert any("escalation.toml: ack_timeout_minutes:" in p for p in problems)
    assert any("duty.toml: people.a.email: not an email address" in p for p in problems)


def test_weekend_threat_reaches_duty_then_backup_and_thanks_wait_for_monday(
    engine: Engine, settings: Settings, smtp: SmtpServer, receiver: HttpReceiver
) -> None:
    make_page(engine, "fb", name="Ungdomens hus")
    threat_id, thanks_id = add_items(
        engine,
        NewItem(
            page="fb",
            external_id="threat",
            received_at=SATURDAY_2240,
            text="Vi kommer och bränner ner stället",
            post_id="p1",
        ),
        NewItem(
            page="fb",
            external_id="thanks",
            received_at=SATURDAY_2240 + timedelta(minutes=5),
            text="tack för hjälpen",
            post_id="p2",
        ),
    )
    set_item(engine, threat_id, flags=" threat ")

    tick(engine, settings, SATURDAY_2240 + timedelta(minutes=1))
    assert recipients(smtp) == ["david@example.se"]
    mail = smtp.messages[0]
    assert mail.is_multipart()
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert f"https://inbox.example.se/items/{threat_id}" in text
    assert "Kvittera" in text
    assert "hot" in text
    assert "bränner ner" in html
    ack_url = re.search(r"https://inbox\.example\.se(/escalations/ack/\S+)", text)
    assert ack_url is not None

    # Nobody acknowledges: after 30 minutes the backup is told, by email and webhook.
    tick(engine, settings, SATURDAY_2240 + timedelta(minutes=20))
    assert recipients(smtp) == ["david@example.se"]
    tick(engine, settings, SATURDAY_2240 + timedelta(minutes=32))
    assert recipients(smtp) == ["david@example.se", "eva@example.se"]
    assert [p["level"] for p in receiver.received] == ["backup"]
    assert receiver.received[0]["item_id"] == threat_id
    with engine.connect() as conn:
        assert [e.level for e in open_escalations(conn)] == ["primary", "backup"]

    # David acknowledges from the link: GET asks, POST acknowledges, both stop.
    # The session cookie is Secure because base_url is https, as in production.
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        page = client.get(ack_url.group(1))
        assert page.status_code == 200
        assert "<form" in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        # Without the form's CSRF token a forged POST is refused.
        assert client.post(ack_url.group(1)).status_code == 403
        done = client.post(ack_url.group(1), data={"csrf_token": token.group(1)})
        assert done.status_code == 200
        assert "Kvitterat" in done.text
        assert client.get("/escalations/ack/forged").status_code == 400
    with engine.connect() as conn:
        assert open_escalations(conn) == []

    # The rest of the weekend: nothing more for anybody.
    for hours in (1, 5, 20, 30):
        tick(engine, settings, SATURDAY_2240 + timedelta(hours=hours))
    assert len(smtp.messages) == 2

    # Monday 07:30: the digest lists the thanks (and the threat, still open).
    tick(engine, settings, local(2026, 11, 30, 7, 31))
    digests = [m for m in smtp.messages if str(m["To"]) == "kommunikation@example.se"]
    assert len(digests) == 1
    body = digests[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "tack för hjälpen" in body
    assert "Inkommit sedan kontoret stängde (2 st)" in body
    tick(engine, settings, local(2026, 11, 30, 7, 45))
    assert len([m for m in smtp.messages if str(m["To"]) == "kommunikation@example.se"]) == 1

    # The audit trail holds every step.
    assert [e.item_id for e in events(engine, "urgent")] == [threat_id]
    assert [e.data["level"] for e in events(engine, "escalated")] == ["primary"]
    assert [e.data["level"] for e in events(engine, "escalation_forwarded")] == ["backup"]
    assert [e.actor for e in events(engine, "escalation_acknowledged")] == ["david@example.se"]
    sent = events(engine, "notification_sent")
    queued = events(engine, "notification_queued")
    assert len(sent) == len(queued) == len(smtp.messages) + len(receiver.received)
    with Session(engine) as session:
        thanks = session.get(Item, thanks_id)
        assert thanks is not None
        assert thanks.urgency == "none"
        assert session.exec(select(Escalation).where(Escalation.item_id == thanks_id)).all() == []


def test_office_hours_at_risk_and_breach_notify_department_then_supervisor(
    engine: Engine, settings: Settings, smtp: SmtpServer
) -> None:
    make_page(engine, "fb", target_hours=8)
    monday_9 = local(2026, 11, 23, 9, 0)
    (item_id,) = add_items(
        engine, NewItem(page="fb", external_id="q", received_at=monday_9, text="Fråga om remiss")
    )
    set_item(engine, item_id, department="halso_sjukvard", urgency="none")
    tick(engine, settings, monday_9 + timedelta(hours=5))
    assert sla_mails(smtp) == []
    tick(engine, settings, monday_9 + timedelta(hours=6, minutes=1))
    assert sla_mails(smtp) == ["vard@example.se"]
    assert "riskerar" in sla_subjects(smtp)[0]
    # Breached at 17:00 plus a second: outside office hours, so nobody is told...
    tick(engine, settings, monday_9 + timedelta(hours=8, seconds=1))
    assert len(sla_mails(smtp)) == 1
    with Session(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None
        assert item.sla_state == "breached"
    assert [e.data for e in events(engine, "sla_at_risk")] == [{"from": "ok"}]
    assert [e.data for e in events(engine, "sla_breached")] == [{"from": "at_risk"}]

    # ... but during office hours a breach goes to the department's supervisor.
    (second,) = add_items(
        engine,
        NewItem(page="fb", external_id="q2", received_at=monday_9 + timedelta(days=1), text="?"),
    )
    set_item(engine, second, department="halso_sjukvard", urgency="none")
    tick(engine, settings, monday_9 + timedelta(days=1, hours=8, minutes=-1))
    assert sla_mails(smtp)[-1] == "vard@example.se"
    set_item(engine, second, sla_state="ok")  # a missed at-risk run: ok straight to breached
    tick(engine, settings, local(2026, 11, 25, 9, 0))
    assert sla_mails(smtp)[-1] == "anna@example.se"


def test_sweep_is_idempotent(engine: Engine, settings: Settings) -> None:
    make_page(engine, "fb")
    add_items(
        engine,
        *(
            NewItem(page="fb", external_id=str(i), received_at=local(2026, 11, 23, 9, i), text="x")
            for i in range(5)
        ),
    )
    watch = watch_of(settings, DEFAULT_CALENDAR)
    later = local(2026, 11, 24, 8, 30)
    for _ in range(3):
        with session_scope(engine) as session:
            sla_sweep.sla_sweep(session, now=later, watch=watch)
    assert len(events(engine, "sla_at_risk")) == 5
    with session_scope(engine) as session:
        result = sla_sweep.sla_sweep(session, now=later + timedelta(hours=2), watch=watch)
    assert result.breached == 5
    with session_scope(engine) as session:
        again = sla_sweep.sla_sweep(session, now=later + timedelta(hours=2), watch=watch)
    assert (again.breached, again.at_risk, again.notifications) == (0, 0, 0)
    assert len(events(engine, "sla_breached")) == 5


def test_smtp_outage_is_retried_and_nothing_arrives_twice(
    engine: Engine, settings: Settings, smtp: SmtpServer
) -> None:
    now = local(2026, 11, 28, 12, 0)  # a Saturday: no digests
    with session_scope(engine) as session:
        for i in range(4):
            outbox.queue_notification(
                session,
                kind="email",
                recipient=f"p{i}@example.se",
                dedup_key=f"k{i}",
                now=now,
                actor="test",
                subject=f"Meddelande {i}",
                text="Hej",
                html="<p>Hej</p>",
            )
        # The same key again is not queued twice.
        assert (
            outbox.queue_notification(
                session, kind="email", recipient="p0@example.se", dedup_key="k0", now=now, actor="t"
            )
            is None
        )
    smtp.stop()
    tick(engine, settings, now)
    with engine.connect() as conn:
        rows = outbox_list(conn, status="pending")
    assert len(rows) == 4
    assert all(r["attempts"] == 1 and r["last_error"] for r in rows)
    smtp.start()
    # Not due yet: the first retry waits the backoff.
    tick(engine, settings, now + timedelta(seconds=30))
    assert smtp.messages == []
    tick(engine, settings, now + timedelta(seconds=61))
    tick(engine, settings, now + timedelta(minutes=10))
    assert sorted(str(m["Subject"]) for m in smtp.messages) == [f"Meddelande {i}" for i in range(4)]
    with engine.connect() as conn:
        assert {r["status"] for r in outbox_list(conn)} == {"sent"}
    assert len(events(engine, "notification_retry")) == 4


def test_heating_thread_and_crisis_words_are_urgent(engine: Engine, settings: Settings) -> None:
    make_page(engine, "fb")
    base = SATURDAY_2240
    ids = add_items(
        engine,
        *(
            NewItem(
                page="fb",
                external_id=f"n{i}",
                received_at=base + timedelta(minutes=i),
                text="Dåligt",
                post_id="p9",
            )
            for i in range(4)
        ),
        NewItem(page="fb", external_id="crisis", received_at=base, text="Det ligger en BOMB här"),
        NewItem(page="fb", external_id="hotell", received_at=base, text="Bra hotell"),
    )
    for item_id in ids[:4]:
        set_item(engine, item_id, sentiment="negative")
    watch = watch_of(settings, DEFAULT_CALENDAR)
    with session_scope(engine) as session:
        sla_sweep.sla_sweep(session, now=base + timedelta(minutes=5), watch=watch)
    with Session(engine) as session:
        urgency = [session.get(Item, i).urgency for i in ids]  # type: ignore[union-attr]
    assert urgency == ["none", "none", "heating", "none", "crisis", "none"]
    with Session(engine) as session:
        assert len(session.exec(select(Outbox)).all()) == 2
