"""After the work on an item the person returns where they came from (the duty
view, the queue with its filters); the duty view shows one card per item and no
alarm for an item that is no longer open."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import Engine

from inbox.core.incoming import NewItem
from inbox.store.db import session_scope
from inbox.store.models import Escalation, Item
from tests.factories import add_items, make_page
from tests.web_support import client_for, csrf_of, login, make_user

HTML = {"accept": "text/html"}


def _threats(engine: Engine) -> dict[str, int]:
    make_page(engine, "fb", name="Ungdomens hus")
    now = datetime.now(UTC)
    ids = add_items(
        engine,
        NewItem(page="fb", external_id="t1", received_at=now, text="Vi bränner ner gården"),
        NewItem(page="fb", external_id="t2", received_at=now, text="Jag tar med en kniv"),
        NewItem(page="fb", external_id="q", received_at=now, text="När öppnar ni?"),
    )
    with session_scope(engine) as session:
        for item_id in ids[:2]:
            item = session.get(Item, item_id)
            assert item is not None
            item.department, item.priority, item.flags = "kommunikation", "urgent", " threat "
            for level, person, name in (("primary", "david", "David"), ("backup", "eva", "Eva")):
                session.add(
                    Escalation(
                        item_id=item_id,
                        reason="threat",
                        level=level,
                        person=person,
                        person_name=name,
                        email=f"{person}@demo",
                        created_at=now - timedelta(minutes=40 if level == "primary" else 5),
                    )
                )
        question = session.get(Item, ids[2])
        assert question is not None
        question.department = "halso_sjukvard"
        # The second threat was removed before anybody acknowledged its alarm.
        removed = session.get(Item, ids[1])
        assert removed is not None
        removed.status, removed.resolution, removed.closed_at = "closed", "removed", now
    make_user(engine, "david@demo", "communicator", ("kontaktcenter",), duty=True, name="David")
    make_user(engine, "anna@demo", "communicator", ("halso_sjukvard",), name="Anna")
    return {"open": ids[0], "removed": ids[1], "question": ids[2]}


def test_one_card_per_alarmed_item_and_none_for_a_removed_one(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    ids = _threats(engine)
    with client_for(database_url, tmp_path) as client:
        login(client, "david@demo")
        page = client.get("/duty", headers=HTML).text
    assert page.count(f'href="/items/{ids["open"]}?back=/duty"') == 1
    assert "Vi bränner ner gården" in page
    assert page.count("Vi bränner ner gården") == 1  # not again among the urgent items
    assert "larmade David" in page
    assert "larmade Eva" in page
    assert "Jag tar med en kniv" not in page
    assert f"/items/{ids['removed']}" not in page


def test_after_closing_the_person_is_back_on_duty(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    ids = _threats(engine)
    with client_for(database_url, tmp_path) as client:
        login(client, "david@demo")
        item = client.get(f"/items/{ids['open']}?back=/duty", headers=HTML).text
        assert f'action="/items/{ids["open"]}/close?back=/duty"' in item
        assert '<a href="/duty">' in item
        token = csrf_of(client, f"/items/{ids['open']}?back=/duty")
        done = client.post(
            f"/items/{ids['open']}/close?back=/duty",
            data={"csrf_token": token, "resolution": "no_reply_needed"},
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/duty"
        # A note keeps the person on the item, still knowing the way back.
        noted = client.post(
            f"/items/{ids['open']}/note?back=/duty", data={"csrf_token": token, "text": "Polis"}
        )
        assert noted.headers["location"] == f"/items/{ids['open']}?back=/duty"


def test_back_to_the_queue_keeps_its_filters_and_refuses_other_sites(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    ids = _threats(engine)
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@demo")
        queue = client.get("/?sentiment=&department=halso_sjukvard", headers=HTML).text
        link = re.search(rf'href="/items/{ids["question"]}\?back=([^"]+)"', queue)
        assert link is not None
        back = link.group(1)
        assert "department%3Dhalso_sjukvard" in back
        token = csrf_of(client, f"/items/{ids['question']}")
        done = client.post(
            f"/items/{ids['question']}/close?back={back}",
            data={"csrf_token": token, "resolution": "spam"},
        )
        assert done.headers["location"].startswith("/?")
        assert "department=halso_sjukvard" in done.headers["location"]
        # Another site, a scheme-relative address or a header split: ignored.
        for bad in ("https://evil.example/", "//evil.example/", "/duty\r\nSet-Cookie: x=1"):
            page = client.get(f"/items/{ids['question']}?back={quote(bad)}", headers=HTML).text
            assert "evil.example" not in page
            assert "Set-Cookie" not in page
