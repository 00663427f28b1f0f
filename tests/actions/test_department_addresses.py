"""One list of departments: notifications and digests read departments.toml's
names and addresses, and the rules check refuses a department key it lacks."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from inbox.actions.digests import queue_daily_digests
from inbox.cli.rules import check
from inbox.core.calendar import DEFAULT_CALENDAR, STOCKHOLM
from inbox.core.escalation import at_risk_recipients, breach_recipients
from inbox.core.incoming import NewItem
from inbox.core.rules.duty import load_watch_rules
from inbox.scheduler import watch_of
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.models import Item, Outbox
from tests.factories import add_items, make_page
from tests.paths import DEFAULT_RULES

# Monday 30 November 2026, 07:35 Stockholm: after the daily digest time.
MONDAY_0735 = datetime(2026, 11, 30, 7, 35, tzinfo=STOCKHOLM).astimezone(UTC)


def test_the_shipped_rules_alert_departments_toml_addresses() -> None:
    escalation = load_watch_rules(DEFAULT_RULES).escalation
    assert escalation.emails_of("halso_sjukvard") == ("kommunikation.hs@region.example.se",)
    assert escalation.name_of("halso_sjukvard") == "Hälso- och sjukvården"
    assert at_risk_recipients(None, "kollektivtrafik", escalation) == (
        "kundtjanst@lanstrafiken.example.se",
    )
    assert breach_recipients("halso_sjukvard", escalation) == (
        "kommunikationschef.hs@region.example.se",
    )
    # Without a department, or a department without addresses: routing's default.
    assert escalation.emails_of(None) == ("kommunikation@region.example.se",)
    assert breach_recipients("kultur", escalation) == ("kommunikationschef@region.example.se",)
    # escalation.toml's old keys are gone: "vard" is no department.
    assert escalation.name_of("vard") is None


def test_a_departments_digest_goes_to_its_address_with_its_name(
    engine: Engine, database_url: str
) -> None:
    settings = Settings(database_url=database_url, rules_dir=DEFAULT_RULES)
    make_page(engine, "region_fb", name="Region Västmark")
    (item_id,) = add_items(
        engine,
        NewItem(
            page="region_fb",
            external_id="v1",
            received_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
            text="När öppnar vårdcentralen?",
        ),
    )
    with engine.begin() as conn:
        conn.execute(
            sa.update(Item.__table__)  # type: ignore[attr-defined]
            .where(Item.__table__.c.id == item_id)  # type: ignore[attr-defined]
            .values(department="halso_sjukvard")
        )
    with session_scope(engine) as session:
        queued = queue_daily_digests(
            session, now=MONDAY_0735, watch=watch_of(settings, DEFAULT_CALENDAR)
        )
    assert queued == 1
    with session_scope(engine) as session:
        (mail,) = session.exec(select(Outbox)).all()
        assert mail.recipient == "kommunikation.hs@region.example.se"
        assert mail.subject == "Dagens öppna ärenden, Hälso- och sjukvården: 1 st"


def _rules_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES, directory, ignore=shutil.ignore_patterns("examples"))
    return directory


def test_rules_check_refuses_a_routing_key_no_department_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = _rules_copy(tmp_path)
    routing = directory / "routing.toml"
    text = routing.read_text(encoding="utf-8")
    routing.write_text(text.replace('department = "halso_sjukvard"', 'department = "vard"', 1))
    assert check(directory, io.StringIO()) == 2
    err = capsys.readouterr().err
    assert (
        f"inbox: error: {routing}: rule[3] (vard_utanfor_kontorstid).department: "
        "unknown department 'vard'" in err
    )


def test_rules_check_refuses_departments_kept_in_escalation_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = _rules_copy(tmp_path)
    escalation = directory / "escalation.toml"
    with escalation.open("a", encoding="utf-8") as f:
        f.write('\n[departments.vard]\nname = "Vård"\nemails = ["vard@example.se"]\n')
    assert check(directory, io.StringIO()) == 2
    err = capsys.readouterr().err
    assert f"inbox: error: {escalation}: departments: departments are listed once" in err
