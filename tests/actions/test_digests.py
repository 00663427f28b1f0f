"""The weekly summary: the dashboard's lead figures, once a week, to the supervisors
and (without the item list) to the management named in INBOX_MANAGEMENT_EMAILS."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from inbox.actions.digests import queue_weekly_summary
from inbox.core.calendar import DEFAULT_CALENDAR, STOCKHOLM
from inbox.core.incoming import NewItem
from inbox.scheduler import watch_of
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.models import Outbox
from inbox.store.report import build_report
from tests.factories import add_items, make_page, write_departments
from tests.paths import DEFAULT_RULES

ESCALATION = """
[digest]
weekly_summary_weekday = 0
weekly_summary_at = 07:00:00
summary_recipients = ["chef@example.se"]
"""


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM).astimezone(UTC)


MONDAY_0705 = local(2026, 11, 30, 7, 5)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    rules = tmp_path / "rules"
    rules.mkdir()
    for shipped in DEFAULT_RULES.glob("*.toml"):
        if shipped.name != "escalation.toml":
            shutil.copy(shipped, rules / shipped.name)
    (rules / "escalation.toml").write_text(ESCALATION, encoding="utf-8")
    write_departments(rules, {"kommunikation": {"emails": ["kommunikation@example.se"]}})
    return Settings(
        database_url=database_url,
        rules_dir=rules,
        base_url="https://inbox.example.se",
        management_emails="Ledning@example.se, chef@example.se",  # type: ignore[arg-type]
    )


@pytest.fixture
def two_weeks(engine: Engine) -> None:
    make_page(engine, "region_fb", name="Region Västmark")
    add_items(
        engine,
        # The week before (16-22 November): one answered after an hour, one never.
        NewItem(
            page="region_fb",
            external_id="b1",
            received_at=local(2026, 11, 17, 10, 0),
            text="Hej",
            first_response_at=local(2026, 11, 17, 11, 0),
        ),
        NewItem(page="region_fb", external_id="b2", received_at=local(2026, 11, 18, 10), text="?"),
        # The week (23-29 November): both answered, after 30 and 90 minutes.
        NewItem(
            page="region_fb",
            external_id="w1",
            received_at=local(2026, 11, 23, 10, 0),
            text="Hej",
            first_response_at=local(2026, 11, 23, 10, 30),
        ),
        NewItem(
            page="region_fb",
            external_id="w2",
            received_at=local(2026, 11, 29, 10, 0),
            text="Hej",
            first_response_at=local(2026, 11, 29, 11, 30),
        ),
    )


def _queue(engine: Engine, settings: Settings, now: datetime) -> int:
    watch = watch_of(settings, DEFAULT_CALENDAR)
    with session_scope(engine) as session:
        return queue_weekly_summary(session, now=now, watch=watch)


def _mails(engine: Engine) -> dict[str, Outbox]:
    with session_scope(engine) as session:
        rows = session.exec(select(Outbox)).all()
        session.expunge_all()
    return {row.dedup_key: row for row in rows}


def test_the_weekly_figures_are_queued_once_a_week_to_the_management(
    engine: Engine, settings: Settings, two_weeks: None
) -> None:
    assert settings.management_emails == ["ledning@example.se", "chef@example.se"]
    assert _queue(engine, settings, MONDAY_0705 - timedelta(minutes=10)) == 0  # before 07:00
    assert _queue(engine, settings, MONDAY_0705) == 2
    mails = _mails(engine)
    assert sorted(mails) == [
        "management:2026-11-30:ledning@example.se",
        "summary:2026-11-30:chef@example.se",  # a supervisor gets one mail, not two
    ]
    mail = mails["management:2026-11-30:ledning@example.se"]
    assert mail.subject == "Veckosammanfattning v. 48 (2026-11-23 – 2026-11-29)"
    text = mail.body_text
    # The dashboard's figures for the same window, as of the moment it was queued.
    assert "Inkomna från och med 2026-11-23 till och med 2026-11-29, per 30 nov. 2026 07:05" in text
    region = text[text.index("Region Västmark") : text.index("Alla sidor")]
    assert (
        "Svarsfrekvens (responsgrad): 100,0 % "
        "(▲ 50 procentenheter högre (bättre); föregående vecka 50,0 %)"
    ) in region
    assert (
        "Median svarstid: 1 h 0 min (oförändrad; föregående vecka 1 h 0 min), inom målet 24 h"
    ) in region
    assert "Försenade: 0 (▼ 1 färre (bättre); föregående vecka 1)" in region
    assert "Mer i uppföljningen: https://inbox.example.se/dashboard" in text
    assert "<th>Region Västmark</th><td>100,0 %" in mail.body_html
    with engine.connect() as conn:
        report = build_report(
            conn,
            start=MONDAY_0705.date() - timedelta(days=7),
            end=MONDAY_0705.date(),
            as_of=MONDAY_0705,
        )
    assert report.pages["region_fb"].response_rate == 1.0
    assert report.pages["region_fb"].median_response_minutes == 60.0
    # Once a week: not again that Monday, nor on Tuesday; again the Monday after.
    assert _queue(engine, settings, MONDAY_0705 + timedelta(hours=3)) == 0
    assert _queue(engine, settings, MONDAY_0705 + timedelta(days=1)) == 0
    assert len(_mails(engine)) == 2
    assert _queue(engine, settings, MONDAY_0705 + timedelta(days=7)) == 2
    later = _mails(engine)["management:2026-12-07:ledning@example.se"]
    assert "Inkomna från och med 2026-11-30 till och med 2026-12-06" in later.body_text
    assert "Svarsfrekvens (responsgrad): – (inget att jämföra med; föregående vecka 100,0 %)" in (
        later.body_text
    )


def test_management_addresses_must_be_addresses() -> None:
    with pytest.raises(ValueError, match="INBOX_MANAGEMENT_EMAILS: 'ledningen' is not an e-mail"):
        Settings(management_emails="ledningen")  # type: ignore[arg-type]
    assert Settings().management_emails == []
