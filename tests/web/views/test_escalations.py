"""The duty view lists open escalations and acknowledges them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from inbox.core.incoming import NewItem
from inbox.store.db import session_scope
from inbox.store.models import Escalation, Event
from tests.factories import NOW, add_items, make_page
from tests.web_support import client_for, csrf_of, login, make_user


def _escalated(engine: Engine) -> int:
    make_page(engine, "fb")
    (item_id,) = add_items(
        engine,
        NewItem(page="fb", external_id="t", received_at=NOW, text="Jag ska bränna ner stället"),
    )
    with session_scope(engine) as session:
        esc = Escalation(
            item_id=item_id,
            reason="threat",
            level="primary",
            person="david",
            person_name="David Beredskap",
            email="david@demo",
            created_at=NOW,
        )
        session.add(esc)
        session.flush()
        return esc.id or 0


def test_duty_person_sees_and_acknowledges_an_alarm(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    esc_id = _escalated(engine)
    make_user(engine, "david@demo", "communicator", ("kontaktcenter",), duty=True)
    with client_for(database_url, tmp_path) as client:
        login(client, "david@demo")
        page = client.get("/duty", headers={"accept": "text/html"})
        assert "Larm som väntar på kvittens" in page.text
        assert f"/escalations/{esc_id}/acknowledge" in page.text
        assert "bränna ner stället" in page.text
        token = csrf_of(client, "/duty")
        assert client.post(f"/escalations/{esc_id}/acknowledge").status_code == 403
        done = client.post(f"/escalations/{esc_id}/acknowledge", data={"csrf_token": token})
        assert done.status_code == 303
        after = client.get("/duty", headers={"accept": "text/html"})
        assert f"/escalations/{esc_id}/acknowledge" not in after.text
    with session_scope(engine) as session:
        esc = session.get(Escalation, esc_id)
        assert esc is not None
        assert esc.acknowledged_by == "david@demo"
        kinds = [e.kind for e in session.exec(select(Event))]
        assert "escalation_acknowledged" in kinds


def test_communicator_without_duty_cannot_acknowledge(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    esc_id = _escalated(engine)
    make_user(engine, "anna@demo", "communicator", ("halso_sjukvard",))
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@demo")
        token = csrf_of(client, "/")
        refused = client.post(f"/escalations/{esc_id}/acknowledge", data={"csrf_token": token})
    assert refused.status_code == 403
    with session_scope(engine) as session:
        esc = session.get(Escalation, esc_id)
        assert esc is not None
        assert esc.acknowledged_at is None
