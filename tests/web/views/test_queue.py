"""The queue page: what a communicator sees by default, and the faceted counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from inbox.core.incoming import NewItem
from inbox.store.db import session_scope
from inbox.store.models import Item
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
        assert "Hälso- och sjukvården" not in searched
        # The chosen department stays chosen even when nothing matches it.
        none = client.get("/?q=buss&department=halso_sjukvard", headers=HTML).text
        assert 'value="halso_sjukvard" selected' in none
        assert "Inga ärenden med de här filtren." in none
