"""The urgent policy's window rule: a conversation that closes before its answer is due."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from inbox.actions import urgency
from inbox.core.calendar import DEFAULT_CALENDAR, STOCKHOLM
from inbox.core.incoming import NewItem
from inbox.scheduler import watch_of
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.models import Item
from tests.factories import add_items, make_page

FRIDAY_EVENING = datetime(2026, 11, 27, 18, 30, tzinfo=STOCKHOLM)  # due Monday 17:00
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=STOCKHOLM)  # due Wednesday 10:00


@pytest.mark.parametrize(
    ("received", "human_agent", "kind", "urgent"),
    [
        # Meta closes the conversation Saturday 18:30; the answer is due Monday.
        (FRIDAY_EVENING, False, "private_message", "window"),
        # With HUMAN_AGENT the page may answer for 7 days: Monday is in time.
        (FRIDAY_EVENING, True, "private_message", "none"),
        # On a working day the window outlasts the due time.
        (TUESDAY_MORNING, False, "private_message", "none"),
        # A public comment has no window.
        (FRIDAY_EVENING, False, "comment", "none"),
    ],
)
def test_a_conversation_that_closes_before_it_is_due_is_urgent(
    engine: Engine, received: datetime, human_agent: bool, kind: str, urgent: str
) -> None:
    make_page(engine, "msg", channel="messenger", human_agent=human_agent)
    (item_id,) = add_items(
        engine,
        NewItem(
            page="msg",
            external_id="m_1",
            received_at=received,
            text="Hej, jag undrar över min faktura",
            kind=kind,
            author_id="7100000001",
            conversation_id="msg:7100000001" if kind == "private_message" else None,
        ),
    )
    watch = watch_of(Settings(), DEFAULT_CALENDAR)
    with session_scope(engine) as session:
        urgency.assess_urgency(session, watch=watch, now=received, actor="test")
    with Session(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None
        assert item.urgency == urgent
