"""The person on duty, on a 390-pixel phone, in Debian's Chromium: one card per
alarm, the item's text and reply first with the thread folded, and back on duty
after the work; the queue's filters folded so the list is on the first screen.

Uses the server, browser and helpers of ``test_browser``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from inbox.core.incoming import NewItem
from inbox.store.db import session_scope
from inbox.store.models import Escalation, Item
from tests.factories import add_items
from tests.product import test_browser as shared
from tests.product.test_browser import _axe, _login, _shoot

# The real server, its Graph stand-in and Chromium, as test_browser starts them.
server = shared.server
graph = shared.graph
browser = shared.browser

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
FIRST_SCREEN = 844


def _alarm_twice(engine: Engine, item_id: int) -> None:
    """The person on duty was called, then the backup: two escalation levels."""
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for level, person, name, minutes in (
            ("primary", "david", "David Beredskap", 40),
            ("backup", "eva", "Eva Reserv", 5),
        ):
            session.add(
                Escalation(
                    item_id=item_id,
                    reason="threat",
                    level=level,
                    person=person,
                    person_name=name,
                    email=f"{person}@demo",
                    created_at=now - timedelta(minutes=minutes),
                )
            )


def _thread(engine: Engine, count: int) -> None:
    """A long thread under the remiss item's post."""
    now = datetime.now(UTC)
    ids = add_items(
        engine,
        *(
            NewItem(
                page="region_fb",
                external_id=f"thread-{i}",
                received_at=now - timedelta(hours=2, minutes=i),
                text=f"Håller med, samma sak hände mig i våras ({i}).",
                author=f"Person {i}",
                post_id="post-1",
            )
            for i in range(count)
        ),
    )
    with session_scope(engine) as session:
        for item_id in ids:
            item = session.get(Item, item_id)
            assert item is not None
            item.department, item.status, item.resolution = "halso_sjukvard", "closed", "answered"


def _top(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return float(box["y"])


def test_duty_on_a_phone_one_card_per_alarm_and_back_on_duty_after_the_work(
    server: tuple[str, dict[str, int]], browser: Any, engine: Engine
) -> None:
    base, _ids = server
    # Not urgent by the policy, so the running scheduler leaves it to this test.
    (called,) = add_items(
        engine,
        NewItem(
            page="trafik_fb",
            external_id="called",
            received_at=datetime.now(UTC) - timedelta(minutes=45),
            text="Min pappa sitter fast på hållplatsen i Norrby utan buss hem",
            author="Sara Lind",
        ),
    )
    with session_scope(engine) as session:
        item = session.get(Item, called)
        assert item is not None
        item.department = "kontaktcenter"
    _alarm_twice(engine, called)
    # An alarm for an item already removed: nobody needs to acknowledge it any more.
    (gone,) = add_items(
        engine,
        NewItem(
            page="trafik_fb",
            external_id="gone",
            received_at=datetime.now(UTC) - timedelta(minutes=30),
            text="Borttaget hot mot chauffören",
            author="Anonym",
        ),
    )
    with session_scope(engine) as session:
        item = session.get(Item, gone)
        assert item is not None
        item.status, item.resolution, item.department = "closed", "removed", "kollektivtrafik"
    _alarm_twice(engine, gone)

    context = browser.new_context(**PHONE)
    page = context.new_page()
    _login(page, base, "david@demo")
    page.goto(f"{base}/duty")
    cards = page.locator("ul.duty li.card", has_text="sitter fast på hållplatsen")
    assert cards.count() == 1
    assert "David Beredskap" in cards.inner_text()
    assert "Eva Reserv" in cards.inner_text()
    assert "Borttaget hot" not in page.inner_text("main")
    assert _axe(page) == []

    with page.expect_navigation():
        cards.get_by_role("link", name="Öppna").tap()
    assert page.url.endswith(f"/items/{called}?back=/duty")
    # The text and the reply form are on the first screen.
    assert _top(page, "blockquote.customer") < FIRST_SCREEN
    reply = page.get_by_label("Svar som redan har getts någon annanstans")
    box = reply.bounding_box()
    assert box is not None
    assert box["y"] + 60 < FIRST_SCREEN  # room to start typing without scrolling
    assert _axe(page) == []
    reply.fill("Polisen är kontaktad; vi har tagit bort kommentaren.")
    with page.expect_navigation():
        page.get_by_role("button", name="Registrera svar givet någon annanstans").tap()
    assert page.url == f"{base}/duty"
    assert "Svaret är registrerat" in page.inner_text("main")
    context.close()


def test_on_a_phone_the_thread_is_folded_below_the_reply_and_open_on_a_desktop(
    server: tuple[str, dict[str, int]], browser: Any, engine: Engine
) -> None:
    base, ids = server
    _thread(engine, 50)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    _login(page, base, "anna@demo")
    page.goto(f"{base}/items/{ids['remiss']}")
    thread = page.locator("details.fold", has=page.locator("#h-thread"))
    assert thread.evaluate("d => d.open") is False
    textarea = page.locator("#reply-text")
    box = textarea.bounding_box()
    assert box is not None
    assert box["y"] + 60 < FIRST_SCREEN  # before: about 5,300 px down
    assert _top(page, "#h-thread") > box["y"]
    assert _axe(page) == []
    _shoot(page, "item-phone-reply", full_page=False)
    page.locator("#h-thread").tap()
    assert thread.evaluate("d => d.open") is True
    assert page.locator("ol.thread li").count() >= 50
    context.close()

    desk = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(desk, base, "anna@demo")
    desk.goto(f"{base}/items/{ids['remiss']}")
    desk.wait_for_function("document.querySelector('details.fold').open")
    assert desk.locator("ol.thread li").first.is_visible()


def test_on_a_phone_the_queue_filters_are_folded_and_the_list_comes_first(
    server: tuple[str, dict[str, int]], browser: Any
) -> None:
    base, _ids = server
    context = browser.new_context(**PHONE)
    page = context.new_page()
    _login(page, base, "anna@demo")
    filters = page.locator("details.filters-fold")
    assert filters.evaluate("d => d.open") is False
    assert page.get_by_label("Sök").is_visible() is False
    assert _top(page, "#queue tbody tr[data-href]") < FIRST_SCREEN
    page.get_by_text("Filter", exact=True).tap()
    assert page.get_by_label("Sök").is_visible()
    assert _axe(page) == []
    context.close()
