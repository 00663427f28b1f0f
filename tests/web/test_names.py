"""Names where people expect names: pages, departments and colleagues by name, never
by key or e-mail address (the queue's filter and table, the dashboard, the history,
the notifications)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from inbox.actions import item_work, responses
from inbox.core import notification_texts as messages
from inbox.core.incoming import NewItem
from inbox.store.db import session_scope
from inbox.store.models import Item
from inbox.store.queries import _item, item_lines
from tests.factories import add_items, make_page
from tests.web_support import client_for, login, make_user

HTML = {"accept": "text/html"}


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    make_page(engine, "region_fb", name="Region Västmark")
    make_page(engine, "trafik_ig", name="Länstrafiken på Instagram", channel="instagram")
    make_user(engine, "cecilia@region.se", "supervisor", name="Cecilia Chef")
    make_user(engine, "anna@region.se", "communicator", ("halso_sjukvard",), name="Anna Andersson")
    now = datetime.now(UTC)
    remiss, buss, tack = add_items(
        engine,
        NewItem(
            page="region_fb",
            external_id="remiss",
            received_at=now - timedelta(hours=3),
            text="Var är min remiss?",
            author="Karin Holm",
        ),
        NewItem(
            page="trafik_ig",
            external_id="buss",
            received_at=now - timedelta(hours=2),
            text="Bussen kom aldrig",
            author="Per Ek",
        ),
        NewItem(
            page="region_fb",
            external_id="tack",
            received_at=now - timedelta(hours=1),
            text="Tack för svaret om vaccinet",
            author="Lena Berg",
        ),
    )
    with session_scope(engine) as session:
        first = session.get(Item, remiss)
        second = session.get(Item, buss)
        third = session.get(Item, tack)
        assert first is not None
        assert second is not None
        assert third is not None
        first.department = third.department = "halso_sjukvard"
        second.department = "kollektivtrafik"
        item_work.assign_item(
            session, first, assignee="anna@region.se", actor="cecilia@region.se", now=now
        )
        item_work.assign_item(
            session, first, assignee="cecilia@region.se", actor="cecilia@region.se", now=now
        )
        item_work.send_to_department(
            session,
            second,
            department="kontaktcenter",
            note="",
            known={"kontaktcenter"},
            actor="cecilia@region.se",
            now=now,
        )
        responses.reply(
            session, third, text="Varsågod!", actor="anna@region.se", author="Anna", now=now
        )
    return {"remiss": remiss, "buss": buss, "tack": tack}


@pytest.fixture
def chef(database_url: str, tmp_path: Path, world: dict[str, int]) -> Iterator[TestClient]:
    with client_for(database_url, tmp_path) as client:
        login(client, "cecilia@region.se")
        yield client


def _options(page: str, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}".*?</select>', page, re.S)
    assert found, select_id
    return [html.unescape(o).strip() for o in re.findall(r"<option[^>]*>([^<]*)", found.group(0))]


def test_the_queue_s_page_filter_names_the_pages(chef: TestClient) -> None:
    page = chef.get("/?department=", headers=HTML).text
    options = _options(page, "f-page")
    assert "Region Västmark (1)" in options  # the third is answered
    assert "Länstrafiken på Instagram (1)" in options
    assert not any(o.startswith(("region_fb", "trafik_ig")) for o in options)
    # A chosen page that has nothing open now is named too.
    chosen = chef.get("/?department=&page=trafik_ig&sla=breached", headers=HTML).text
    assert "Länstrafiken på Instagram" in _options(chosen, "f-page")[1]


def test_the_queue_names_who_has_the_item(chef: TestClient) -> None:
    for path in ("/?department=", "/queue/rows?department="):
        rows = html.unescape(chef.get(path, headers=HTML).text)
        assert "<td>Cecilia Chef</td>" in rows, path
        assert "<td>cecilia@region.se</td>" not in rows, path


def test_the_item_page_names_the_assignee_and_the_history(
    chef: TestClient, world: dict[str, int]
) -> None:
    page = html.unescape(chef.get(f"/items/{world['remiss']}", headers=HTML).text)
    assert "Tilldelad: Cecilia Chef" in page
    log = re.search(r'<ol class="log">.*?</ol>', page, re.S)
    assert log
    assert "tilldelad=Cecilia Chef" in log.group(0)
    assert "tidigare=Anna Andersson" in log.group(0)
    assert "@region.se" not in log.group(0)
    sent = html.unescape(chef.get(f"/items/{world['buss']}", headers=HTML).text)
    log = re.search(r'<ol class="log">.*?</ol>', sent, re.S)
    assert log
    assert "förvaltning=Kontaktcenter" in log.group(0)
    assert "kontaktcenter" not in log.group(0).replace("Kontaktcenter", "")
    assert "kollektivtrafik" not in log.group(0)


def test_the_dashboard_names_the_person_who_answered(chef: TestClient) -> None:
    page = html.unescape(chef.get("/dashboard", headers=HTML).text)
    people = re.search(r"Per person.*?</table>", page, re.S)
    assert people
    assert "Anna Andersson" in people.group(0)
    assert "anna@region.se" not in people.group(0)
    csv = chef.get("/dashboard/people.csv?dialect=plain").text.splitlines()
    header = csv[0].split(",") if csv[0].startswith("person") else csv[1].split(",")
    assert header[:2] == ["person", "person_name"]
    assert any(line.startswith("anna@region.se,Anna Andersson,") for line in csv)


def test_notifications_name_the_page(engine: Engine, world: dict[str, int]) -> None:
    with session_scope(engine) as session:
        (line,) = item_lines(session, _item.c.id == world["remiss"], order=_item.c.id, limit=1)
    assert line.page == "Region Västmark"
    message = messages.escalation_message(
        item=line,
        reason="threat",
        person_name="David",
        ack_url="https://inbox.example/ack",
        base_url="https://inbox.example",
    )
    assert message.subject.endswith(": Region Västmark")
    assert "Sida: Region Västmark" in message.text
