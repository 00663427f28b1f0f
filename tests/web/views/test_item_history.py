"""The item page's history: Swedish sentences and names for everyone, the
technical detail for admins only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from inbox.actions.audit import record_event
from inbox.core.incoming import NewItem
from inbox.store.db import session_scope
from inbox.store.models import Escalation
from tests.factories import NOW, add_items, make_page
from tests.web_support import client_for, login, make_user


def _item_with_failed_alarms(engine: Engine) -> int:
    make_page(engine, "fb")
    (item_id,) = add_items(
        engine, NewItem(page="fb", external_id="t", received_at=NOW, text="Jag ska bränna ner")
    )
    with session_scope(engine) as session:
        session.add(
            Escalation(
                item_id=item_id,
                reason="threat",
                level="primary",
                person="fredrik",
                person_name="Fredrik Sund",
                email="fredrik.sund@region.example.se",
                created_at=NOW,
            )
        )
        record_event(
            session,
            actor="scheduler",
            kind="escalated",
            now=NOW,
            item_id=item_id,
            level="primary",
            person="fredrik",
            reason="threat",
        )
        for attempt in (1, 2, 3):
            record_event(
                session,
                actor="scheduler",
                kind="notification_retry",
                now=NOW + timedelta(minutes=attempt),
                item_id=item_id,
                outbox_id=1,
                attempts=attempt,
                recipient="fredrik.sund@region.example.se",
                error="ConnectionRefusedError: [Errno 111] Connection refused",
                retry_at=(NOW + timedelta(minutes=attempt + 2)).isoformat(),
            )
    return item_id


def test_communicators_read_sentences_and_admins_also_the_detail(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    item_id = _item_with_failed_alarms(engine)
    make_user(engine, "kim@region.example.se", "communicator", ("kommunikation",))
    make_user(engine, "ada@region.example.se", "admin")
    with client_for(database_url, tmp_path) as client:
        login(client, "kim@region.example.se")
        page = client.get(f"/items/{item_id}").text
        log = page[page.index('id="h-log"') :]
        # NOW is 12:00 UTC, 13:00 in Stockholm; the last retry is due at 13:05.
        assert "Larm till Fredrik Sund kunde inte skickas, nytt försök 13:05. (3 gånger)" in log
        assert "Larm till Fredrik Sund, som har beredskap." in log
        for technical in ("notification_retry", "ConnectionRefusedError", "fredrik.sund@", "Errno"):
            assert technical not in log
        assert "Teknisk information" not in log
    with client_for(database_url, tmp_path) as client:
        login(client, "ada@region.example.se")
        log = client.get(f"/items/{item_id}").text
        log = log[log.index('id="h-log"') :]
        assert "<details" in log
        assert "Teknisk information" in log
        assert log.count("notification_retry") == 3
        assert "ConnectionRefusedError" in log
