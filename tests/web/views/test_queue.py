"""The queue page: what a communicator sees by default, and the faceted counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from inbox.core.incoming import NewItem
from inbox.store.db import session_scope
from inbox.store.models import Item
from inbox.web import auth
from tests.factories import add_items, make_page
from tests.web_support import client_for, login, make_user

HTML = {"accept": "text/html"}


def _world(engine: Engine) -> dict[str, int]:
    make_page(engine, "fb", name="Region Väst")
    now = datetime.now(UTC)
    ids = add_items(
        engine,
        NewItem(page="fb", external_id="a", received_at=now - timedelta(hours=2), text="Remissen"),
        NewItem(page="fb", external_id="b", received_at=now - timedelta(hours=1), text="Bussen"),
        NewItem(page="fb", external_id="c", received_at=now - timedelta(hours=1), text="Tåget"),
    )
    values = [
        ("halso_sjukvard", None),
        ("kollektivtrafik", "anna@x.se"),  # assigned to Anna, outside her departments
        ("kollektivtrafik", None),
    ]
    with session_scope(engine) as session:
        for item_id, (department, assignee) in zip(ids, values, strict=True):
            item = session.get(Item, item_id)
            assert item is not None
            item.department, item.assignee = department, assignee
    make_user(engine, "anna@x.se", "communicator", ("halso_sjukvard",))
    return {"own": ids[0], "assigned": ids[1], "other": ids[2]}


def test_an_item_assigned_to_me_in_another_department_is_in_my_queue(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    ids = _world(engine)
    with client_for(database_url, tmp_path) as client:
        token = login(client, "anna@x.se")
        queue = client.get("/", headers=HTML).text
        assert "Remissen" in queue
        assert "Bussen" in queue
        assert "Tåget" not in queue
        assert "Mina ärenden (1)" in queue
        assert "Mina förvaltningar (2)" in queue
        mine = client.get("/?department=_mine&mine=1", headers=HTML).text
        assert "Bussen" in mine
        assert "Remissen" not in mine
        assert client.get(f"/items/{ids['assigned']}", headers=HTML).status_code == 200
        assert client.get(f"/items/{ids['other']}", headers=HTML).status_code == 403
        closed = client.post(
            f"/items/{ids['assigned']}/close",
            data={"resolution": "no_reply_needed", "csrf_token": token},
        )
        assert closed.status_code == 303
    with session_scope(engine) as session:
        item = session.get(Item, ids["assigned"])
        assert item is not None
        assert item.status == "closed"


def test_the_counts_on_the_page_follow_the_other_filters(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    _world(engine)
    make_user(engine, "chef@x.se", "supervisor")
    with client_for(database_url, tmp_path) as client:
        login(client, "chef@x.se")
        everything = client.get("/", headers=HTML).text
        assert "Alla jag ser (3)" in everything
        searched = client.get("/?q=buss", headers=HTML).text
        assert "Alla jag ser (1)" in searched
        assert "Länstrafiken (1)" in searched
        assert "Hälso- och sjukvården (" not in searched
        # The chosen department stays chosen even when nothing matches it.
        none = client.get("/?q=buss&department=halso_sjukvard", headers=HTML).text
        assert 'value="halso_sjukvard" selected' in none
        assert "Inga ärenden med de här filtren." in none


# --- Several items at once ---------------------------------------------------------------


def _status(engine: Engine, *ids: int) -> list[str]:
    with session_scope(engine) as session:
        return [session.get(Item, i).status for i in ids]  # type: ignore[union-attr]


def test_ticked_items_are_closed_and_the_close_can_be_undone(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _world(engine)
    clock = [datetime.now(UTC)]
    monkeypatch.setattr(auth, "utcnow", lambda: clock[0])
    with client_for(database_url, tmp_path) as client:
        token = login(client, "anna@x.se")
        done = client.post(
            "/queue/bulk",
            data={
                "csrf_token": token,
                "filter": "department=_mine",
                "operation": "no_reply_needed",
                # "other" is another department's: refused, item by item.
                "ids": [str(ids["own"]), str(ids["assigned"]), str(ids["other"])],
            },
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/?department=_mine"
        assert _status(engine, ids["own"], ids["assigned"], ids["other"]) == [
            "closed",
            "closed",
            "open",
        ]
        queue = client.get("/?department=_mine", headers=HTML).text
        assert "2 ärenden ändrade, 0 var redan så, 1 fick du inte ändra" in queue
        assert "Du kan ångra ändringen av 2 ärenden i en minut." in queue
        event = re.search(r'name="event" value="(\d+)"', queue)
        assert event
        undone = client.post(
            "/queue/bulk/undo",
            data={"csrf_token": token, "event": event.group(1), "filter": "department=_mine"},
        )
        assert undone.status_code == 303
        assert _status(engine, ids["own"], ids["assigned"]) == ["open", "open"]
        assert "Ångrat: 2 ärenden" in client.get("/", headers=HTML).text
        # Again, and a minute and a second later the undo is refused.
        client.post(
            "/queue/bulk",
            data={"csrf_token": token, "operation": "spam", "ids": [str(ids["own"])]},
        )
        late = client.get("/", headers=HTML).text
        event = re.search(r'name="event" value="(\d+)"', late)
        assert event
        clock[0] += timedelta(seconds=61)
        assert 'action="/queue/bulk/undo"' not in client.get("/", headers=HTML).text
        client.post("/queue/bulk/undo", data={"csrf_token": token, "event": event.group(1)})
        assert "Det går bara att ångra inom en minut" in client.get("/", headers=HTML).text
        assert _status(engine, ids["own"]) == ["closed"]


def test_bad_bulk_input_is_said_on_the_queue_keeping_the_choice(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    ids = _world(engine)
    with client_for(database_url, tmp_path) as client:
        token = login(client, "anna@x.se")
        nothing = client.post(
            "/queue/bulk",
            data={"csrf_token": token, "operation": "spam", "filter": "department=_mine"},
            headers=HTML,
        )
        assert nothing.status_code == 400
        assert "Välj minst ett ärende" in nothing.text
        no_topic = client.post(
            "/queue/bulk",
            data={"csrf_token": token, "operation": "topic", "ids": [str(ids["own"])]},
            headers=HTML,
        )
        assert no_topic.status_code == 400
        assert "Välj vilket ämne" in no_topic.text
        assert f'value="{ids["own"]}" form="bulk"' in no_topic.text
        assert re.search(
            rf'value="{ids["own"]}" form="bulk" aria-label="[^"]*" checked', no_topic.text
        )
        assert '<option value="topic" selected>' in no_topic.text
        missing_csrf = client.post(
            "/queue/bulk", data={"operation": "spam", "ids": [str(ids["own"])]}
        )
        assert missing_csrf.status_code == 403
    assert _status(engine, ids["own"]) == ["open"]


def test_all_matching_shows_the_count_then_acts_on_what_matches_at_confirmation(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    ids = _world(engine)
    make_user(engine, "chef@x.se", "supervisor")
    with client_for(database_url, tmp_path) as client:
        token = login(client, "chef@x.se")
        form = {
            "csrf_token": token,
            "operation": "topic",
            "topic": "kollektivtrafik",
            "all": "1",
            "filter": "department=kollektivtrafik",
        }
        confirm = client.post("/queue/bulk", data=form, headers=HTML)
        assert confirm.status_code == 200
        assert "Bekräfta: 2 ärenden" in confirm.text
        with session_scope(engine) as session:  # nothing changed yet
            assert {session.get(Item, i).topic for i in (ids["assigned"], ids["other"])} == {None}  # type: ignore[union-attr]
        # Meanwhile one more item comes to the department: it matches at confirmation.
        (late,) = add_items(
            engine,
            NewItem(page="fb", external_id="d", received_at=datetime.now(UTC), text="Spårvagnen"),
        )
        with session_scope(engine) as session:
            session.get(Item, late).department = "kollektivtrafik"  # type: ignore[union-attr]
        done = client.post("/queue/bulk", data={**form, "confirmed": "1"})
        assert done.status_code == 303
        assert done.headers["location"] == "/?department=kollektivtrafik"
    with session_scope(engine) as session:
        topics = {i: session.get(Item, i).topic for i in (*ids.values(), late)}  # type: ignore[union-attr]
    assert topics == {
        ids["own"]: None,
        ids["assigned"]: "kollektivtrafik",
        ids["other"]: "kollektivtrafik",
        late: "kollektivtrafik",
    }


def test_the_closed_view_lists_the_filter_values_without_numbers(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    ids = _world(engine)
    make_user(engine, "chef@x.se", "supervisor")
    with session_scope(engine) as session:
        item = session.get(Item, ids["other"])
        assert item is not None
        item.status, item.resolution = "closed", "spam"
    with client_for(database_url, tmp_path) as client:
        login(client, "chef@x.se")
        closed = client.get("/?status=closed&department=kollektivtrafik", headers=HTML).text
        assert "Tåget" in closed
        assert "Bussen" not in closed
        assert 'value="kollektivtrafik" selected>Länstrafiken</option>' in closed
        assert "Alla jag ser</option>" in closed
        assert "Alla som matchar filtret" in closed
