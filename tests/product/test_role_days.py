"""A working day for each role, end to end in Chromium on the demo's realistic data.

The real server on a loopback port, with its scheduler, on the demo (`inbox demo`'s
three months on the region's pages) whose Meta pages are connected to the loopback
Graph API: what a communicator, a supervisor and the person on duty do in a day,
each step checked on the page and in the database. Run with ``pytest -m browser``;
with ``SCREENSHOT_DIR`` set, the dashboard and the item page on a phone are saved
there (``docs/screenshots`` in the repository).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import inbox
from inbox.actions import intake
from inbox.actions.demo import DEMO_PLATFORM_IDS, load_demo
from inbox.core import formatting
from inbox.core.access import URGENT_FLAGS, URGENT_PRIORITIES
from inbox.core.calendar import local_date
from inbox.core.classify.pii import mask
from inbox.core.csv_out import SWEDISH_HEADERS
from inbox.core.incoming import NewItem
from inbox.core.rules.tagging import load_rules
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.models import Escalation, Item, Outbound, Page
from tests.graph_server import GraphServer, Scripted
from tests.paths import REPO
from tests.product.test_browser import _axe, _serve, _shoot, browser
from tests.web_support import write_rules

pytestmark = pytest.mark.browser

__all__ = ["browser"]  # the Chromium fixture, shared with test_browser

GRAPH_VERSION = "v26.0"
# Generous: the machine is shared and a Chromium page may take seconds to load.
DEADLINE = 60.0
T = TypeVar("T")
# A Swedish browser: its language and its clock.
SWEDISH: dict[str, Any] = {"locale": "sv-SE", "timezone_id": "Europe/Stockholm"}

# A viral post's thanks, for bulk work; the last one is a question after all.
THANKS = ("Tack! 🙏", "tack!!", "Tack för snabbt svar 👍", "Tack! Men när får jag min remiss?")


def _token(platform_id: str) -> str:
    return f"EAAB-day-{platform_id}"


@dataclass
class Day:
    base: str
    database_url: str
    engine: Engine
    graph: GraphServer
    password: str
    thanks: list[int]


def _eventually(what: str, probe: Callable[[], T | None]) -> T:
    """``probe()`` once it gives something, within the deadline (the scheduler works
    in the background; a busy machine makes it slow, never wrong)."""
    end = time.monotonic() + DEADLINE
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > end:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.2)


@pytest.fixture
def day(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[Day]:
    """The demo with its Meta pages connected to the loopback Graph API, and four
    thanks under one of the region's posts; the server sends replies with its scheduler."""
    ids = {pid for pid, _receives in DEMO_PLATFORM_IDS.values()}
    graph = GraphServer({_token(pid): pid for pid in ids}, version=GRAPH_VERSION)
    box = Settings().token_box()
    rules = load_rules(Path(inbox.__file__).parent / "default_rules")
    now = datetime.now(UTC)
    summary = load_demo(
        engine,
        now=now,
        rules=rules,
        count=1500,
        sealed_token=lambda pid: box.seal(_token(pid)),
    )
    found = re.search(r"have the password (\S+)", summary)
    assert found is not None, summary
    with session_scope(engine) as session:
        pages = {p.key: p for p in session.exec(select(Page))}
        post = session.exec(
            select(Item.post_id).where(Item.page_id == pages["region_facebook"].id)
        ).first()
        thanks = intake.ingest_items(
            session,
            [
                NewItem(
                    page="region_facebook",
                    external_id=f"tack-{n}",
                    received_at=now - timedelta(minutes=40 - n),
                    text=text,
                    author=author,
                    post_id=post,
                )
                for n, (text, author) in enumerate(
                    zip(THANKS, ("Ia Berg", "Olle Ek", "Maja Lind", "Sara Nyström"), strict=True)
                )
            ],
            pages=pages,
            now=now,
            rules=rules,
        ).inserted_ids
        for item in session.exec(select(Item).where(col(Item.id).in_(thanks))):
            item.department = "halso_sjukvard"  # the communicator's own department
        # The platform knows every comment the demo received.
        meta = [p.id for p in pages.values() if p.channel in ("facebook", "instagram")]
        for external_id, text in session.exec(
            select(Item.external_id, Item.text).where(col(Item.page_id).in_(meta))
        ):
            graph.add_object(external_id, message=text)
    env = {
        "INBOX_DATABASE_URL": database_url,
        "INBOX_RULES_DIR": str(write_rules(tmp_path / "rules")),
        "INBOX_META_GRAPH_URL": graph.url,
        "INBOX_SCHEDULER": "on",
        "INBOX_SCHEDULER_OUTBOUND_SECONDS": "0.5",
    }
    graph.start()
    try:
        with _serve(env) as base:
            yield Day(base, database_url, engine, graph, found.group(1), thanks)
    finally:
        graph.stop()


def _sign_in(page: Any, day: Day, email: str) -> None:
    page.goto(f"{day.base}/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(day.password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{day.base}/")


def _item(day: Day, item_id: int) -> Item:
    with Session(day.engine) as session:
        item = session.get(Item, item_id)
        assert item is not None
        session.expunge(item)
        return item


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def _at(url: str, path: str, query: str = "") -> bool:
    """The browser is at ``path`` with the parameters of ``query`` (in any order)."""
    return urlsplit(url).path == path and _query(url) == _query(f"?{query}")


def _item_id(page: Any) -> int:
    found = re.search(r"/items/(\d+)", page.url)
    assert found is not None, page.url
    return int(found.group(1))


def test_a_supervisors_day(day: Day, browser: Any) -> None:
    """The dashboard's lead, another period, and its CSV: the command's figures."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, **SWEDISH)
    _sign_in(page, day, "cecilia@demo")
    page.get_by_role("link", name="Uppföljning").click()
    page.wait_for_url("**/dashboard**")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Uppföljning")
    # The lead: this period per page, each against the previous period.
    with Session(day.engine) as session:
        names = {p.key: p.name for p in session.exec(select(Page))}
    lead = page.locator("#lead tbody tr")
    shown = lead.locator("th").all_inner_texts()
    assert shown[-1] == "Alla sidor"
    assert set(shown[:-1]) <= set(names.values())
    assert "Region Exempel – Facebook" in shown
    region = lead.filter(has_text="Region Exempel – Facebook").inner_text()
    assert re.search(r"\d+(,\d)? %", region)  # its response rate
    assert re.search(r"(bättre|sämre|oförändrad)", region)  # against the previous period
    assert page.locator("ul.kpis li.kpi").count() == 4
    assert _axe(page) == []
    page.get_by_role("link", name="Räkna om nu").click()  # the figures of this moment
    page.wait_for_url("**fresh=1**")
    page.set_viewport_size({"width": 1280, "height": 1560})
    _shoot(page, "dashboard", full_page=False)  # the lead and the trend: what comes first
    page.set_viewport_size({"width": 1280, "height": 900})

    # Another period: four whole weeks that ended a fortnight ago.
    today = local_date(datetime.now(UTC))
    start = today - timedelta(days=today.weekday() + 42)
    last = start + timedelta(days=27)
    before = page.locator("#window").inner_text()
    page.get_by_role("combobox", name="Period").select_option("custom")
    page.get_by_label("Från").fill(start.isoformat())
    page.get_by_label("Till och med").fill(last.isoformat())
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url(f"**from={start.isoformat()}**")
    window = page.locator("#window").inner_text()
    assert window != before
    assert start.isoformat() in window
    assert last.isoformat() in window
    assert page.get_by_label("Från").input_value() == start.isoformat()
    assert page.get_by_label("Till och med").input_value() == last.isoformat()
    command = page.locator("main code").first.inner_text()
    assert command.startswith(f"inbox report --from {start.isoformat()} --until {last.isoformat()}")

    # The per-page CSV, clicked in the browser: for Swedish Excel.
    with page.expect_download() as caught:
        page.locator("#per-page caption a").click()
    data = Path(caught.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0][0] == "Period"
    head = rows[1]
    table = {r[0]: dict(zip(head, r, strict=True)) for r in rows[2:]}
    assert "Totalt" in table

    # `inbox report` for the same days gives the same figures.
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "inbox",
            "report",
            "--from",
            start.isoformat(),
            "--until",
            last.isoformat(),
            "--format",
            "json",
        ],
        env={"INBOX_DATABASE_URL": day.database_url, **_environ()},
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    report = json.loads(out)
    expected = {p["page"]: p for p in report["pages"]}
    expected["Totalt"] = report["total"]
    assert set(table) == set(expected)
    assert report["total"]["received"] > 0
    for key, figures in expected.items():
        row = table[key]
        for field in ("received", "responded", "breached", "within_target"):
            assert int(row[SWEDISH_HEADERS[field]]) == figures[field], (key, field)
        rate = row[SWEDISH_HEADERS["response_rate"]]
        if figures["response_rate"] is None:
            assert rate == ""
        else:
            assert float(rate.replace(",", ".")) == figures["response_rate"], key
        median = row[SWEDISH_HEADERS["median_response_minutes"]]
        if figures["median_response_minutes"] is None:
            assert median == ""
        else:
            assert float(median.replace(",", ".")) == figures["median_response_minutes"], key
    # The page shows the same figures: the lead per page, and the details' total.
    lead_rows = page.locator("#lead tbody tr")
    assert lead_rows.locator("th").all_inner_texts()[:-1] == [p["name"] for p in report["pages"]]
    for n, figures in enumerate([*report["pages"], report["total"]]):
        assert lead_rows.nth(n).locator(".figure").all_inner_texts() == [
            formatting.percent(figures["response_rate"]),
            formatting.duration(figures["median_response_minutes"]),
            formatting.percent(figures["within_target_rate"]),
            formatting.number(figures["breached"]),
        ], figures.get("name", "Totalt")
    total = page.locator("#per-page tr.total td").nth(0).inner_text()
    assert int(re.sub(r"\D", "", total)) == report["total"]["received"]


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "INBOX_DATABASE_URL"}


def _outbound(day: Day, item_id: int) -> Outbound:
    with Session(day.engine) as session:
        found = session.exec(select(Outbound).where(Outbound.item_id == item_id)).one()
        session.expunge(found)
        return found


def _sent(day: Day, item_id: int) -> Outbound | None:
    found = _outbound(day, item_id)
    return found if found.state == "sent" else None


def _open_rows(page: Any) -> int:
    return int(page.locator("#queue input.pick").count())


def test_a_communicators_day(day: Day, browser: Any) -> None:
    """Queue, filter, the most urgent item answered through Graph, a topic corrected,
    thanks closed in bulk, undone, closed again."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, **SWEDISH)
    _sign_in(page, day, "anna@demo")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Kön")
    # Her departments' open items from the region's Facebook page.
    page.locator("#f-page").select_option("region_facebook")
    page.get_by_role("button", name="Visa").first.click()
    page.wait_for_url("**page=region_facebook**")
    with Session(day.engine) as session:
        region = session.exec(select(Page).where(Page.key == "region_facebook")).one()
        mine = list(
            session.exec(
                select(Item).where(
                    Item.status == "open",
                    Item.page_id == region.id,
                    col(Item.department).in_(["halso_sjukvard", "folktandvarden"])
                    | (Item.assignee == "anna@demo"),
                )
            )
        )
    rows = page.locator("#queue tbody tr[data-href]")
    assert rows.count() == len(mine)
    assert all("Region Exempel – Facebook" in t for t in rows.all_inner_texts())
    assert _axe(page) == []

    # The most urgent first: unanswered, the most overdue.
    rows.first.locator("a.rowlink").click()
    page.wait_for_url("**/items/**")
    item_id = _item_id(page)
    # The item knows the way back: the queue with its filters.
    (back,) = _query(page.url)["back"]
    assert urlsplit(back).path == "/"
    assert _query(back)["page"] == ["region_facebook"]
    opened = _item(day, item_id)
    unanswered = [i for i in mine if i.first_response_at is None]
    assert opened.first_response_at is None
    assert opened.due_at == min(i.due_at for i in unanswered)
    assert mask(opened.text)[:40] in page.locator("blockquote.customer").inner_text()

    # The reply goes out through Graph, and is "sent" only once Graph has answered.
    answer = threading.Event()
    path = f"/{GRAPH_VERSION}/{opened.external_id}/comments"
    day.graph.script("POST", path, Scripted(hold=answer))
    text = "Hej! Tack för att du hör av dig. Du hittar svaret på 1177.se. Hälsningar Anna"
    page.locator("#reply-text").fill(text)
    page.get_by_role("button", name=re.compile("^Skicka till")).click()
    # The reply queued, the person is back where the item was opened: the filtered queue.
    page.wait_for_url(lambda url: _at(url, "/", urlsplit(back).query))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Kön")
    assert page.locator("#f-page").input_value() == "region_facebook"
    assert "Svaret är köat och skickas till" in page.inner_text("main")
    assert day.graph.held.wait(DEADLINE), "the reply never reached Graph"
    (call,) = day.graph.calls("POST", path)
    assert call.form["message"] == text
    assert _outbound(day, item_id).state in ("queued", "sending")
    assert _item(day, item_id).first_response_at is None
    assert _item(day, item_id).status == "open"
    answer.set()
    sent = _eventually("the reply marked sent", lambda: _sent(day, item_id))
    assert sent.sent_at is not None
    page.goto(f"{day.base}/items/{item_id}")
    assert "Skickat till Facebook" in page.inner_text("main")
    replied = _item(day, item_id)
    assert replied.first_response_at is not None
    assert (replied.status, replied.resolution) == ("closed", "answered")

    # The topic, corrected after the fact (it counts in the topic figures).
    page.get_by_text("Rätta ämne, sentiment eller förvaltning").click()
    topics = page.locator("#c-topic option").evaluate_all("os => os.map(o => o.value)")
    other = next(t for t in topics if t and t != replied.topic)
    page.locator("#c-topic").select_option(other)
    page.locator("form", has=page.locator("#c-topic")).get_by_role(
        "button", name="Spara rättelse"
    ).click()
    page.wait_for_url(f"**/items/{item_id}")
    assert _item(day, item_id).topic == other

    # Thanks under a post: close several at once, undo, close again without the question.
    page.goto(f"{day.base}/?q=tack")
    thanked = _open_rows(page)
    assert thanked >= len(day.thanks)
    for item_id in day.thanks:
        page.locator(f'#queue input.pick[value="{item_id}"]').check()
    assert page.locator("#bulk-count").inner_text() == str(len(day.thanks))
    page.get_by_label("Åtgärd").select_option("no_reply_needed")
    with page.expect_navigation():
        page.get_by_role("button", name="Utför på valda").click()
    assert _open_rows(page) == thanked - len(day.thanks)
    assert all(_item(day, i).status == "closed" for i in day.thanks)
    with page.expect_navigation():
        page.get_by_role("button", name="Ångra").click()
    assert _open_rows(page) == thanked
    assert all(_item(day, i).status == "open" for i in day.thanks)
    *thanks, question = day.thanks
    for item_id in thanks:
        page.locator(f'#queue input.pick[value="{item_id}"]').check()
    page.get_by_label("Åtgärd").select_option("no_reply_needed")
    with page.expect_navigation():
        page.get_by_role("button", name="Utför på valda").click()
    assert _open_rows(page) == thanked - len(thanks)
    assert [(_item(day, i).status, _item(day, i).resolution) for i in day.thanks] == [
        ("closed", "no_reply_needed")
    ] * len(thanks) + [("open", None)]
    assert page.locator(f'#queue input.pick[value="{question}"]').count() == 1


def _urgent_open(day: Day) -> dict[int, Item]:
    """What the duty view is for: open, urgent priority or flagged as a threat or insult."""
    with Session(day.engine) as session:
        found = {
            i.id or 0: i
            for i in session.exec(select(Item).where(Item.status == "open"))
            if i.priority in URGENT_PRIORITIES or set(i.flags.split()) & set(URGENT_FLAGS)
        }
        session.expunge_all()
        return found


def _alarmed(day: Day) -> set[int]:
    """The open items with an alarm that waits for acknowledgement."""
    with Session(day.engine) as session:
        return set(
            session.exec(
                select(Escalation.item_id)
                .join(Item, col(Item.id) == Escalation.item_id)
                .where(col(Escalation.acknowledged_at).is_(None), Item.status == "open")
            )
        )


def _cards(page: Any, *, alarms: bool = False) -> list[int]:
    """The items the duty view's cards open (``/items/{id}?back=/duty``), one entry
    per card: the urgent items' cards, or with ``alarms`` those of the alarms that
    wait for acknowledgement."""
    found = [
        re.fullmatch(r"/items/(\d+)\?back=/duty", href)
        for href in page.locator("main li.card").evaluate_all(
            """(cards, alarms) => cards
                .filter(c => !!c.querySelector("form[action^='/escalations/']") === alarms)
                .map(c => c.querySelector("a[href^='/items/']"))
                .filter(a => a)
                .map(a => a.getAttribute("href"))""",
            alarms,
        )
    ]
    assert all(found), "a card opens something else than an item with the way back"
    return [int(m.group(1)) for m in found if m]


def _one_card_per_item(page: Any, day: Day, urgent: set[int]) -> list[int]:
    """The duty view shows each item once: an alarmed item on its alarm's card, every
    other urgent item on its own card. The alarmed items, as shown."""
    alarms, rows = _cards(page, alarms=True), _cards(page)
    assert len(alarms + rows) == len(set(alarms + rows))
    # The scheduler may raise alarms meanwhile; never takes one back.
    assert set(alarms) <= _alarmed(day)
    assert sorted(rows) == sorted(urgent - set(alarms))
    return alarms


def _fits(page: Any) -> bool:
    """Nothing wider than the screen: no sideways scrolling on a phone."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_duty_persons_day_on_a_phone(day: Day, browser: Any) -> None:
    """On a phone: the duty view, a threat opened and hidden with a reason, its card gone."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, **SWEDISH
    )
    page = context.new_page()
    _sign_in(page, day, "david@demo")
    page.get_by_role("link", name="Beredskap").tap()
    page.wait_for_url("**/duty")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Beredskap")
    urgent = _urgent_open(day)
    assert len(urgent) >= 5  # the demo's open threats and insults, and urgent questions
    # One card per urgent item, whatever its department.
    _one_card_per_item(page, day, set(urgent))
    assert _fits(page)
    assert _axe(page) == []

    # The newest threat: open it from its card.
    threats = [i for i in urgent.values() if "threat" in i.flags.split()]
    assert threats
    threat = max(threats, key=lambda i: i.received_at)
    card = page.locator(
        "main li.card", has=page.locator(f"a[href='/items/{threat.id}?back=/duty']")
    )
    assert card.count() == 1
    assert mask(threat.text)[:30] in card.inner_text()
    card.get_by_role("link", name="Öppna").tap()
    page.wait_for_url(lambda url: _at(url, f"/items/{threat.id}", "back=/duty"))
    assert mask(threat.text)[:30] in page.locator("blockquote.customer").inner_text()
    assert _fits(page)
    assert _axe(page) == []
    _shoot(page, "item-phone", full_page=False)  # what a phone shows first

    # Hidden on Facebook with the reason "hot".
    page.locator("#reason").select_option("hot")
    page.locator("input[name=how][value=hide]").check()
    page.get_by_role("button", name="Ta bort", exact=True).tap()
    # Done with the item: back on the duty view, where it was opened.
    page.wait_for_url(lambda url: _at(url, "/duty"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Beredskap")
    removed = _item(day, threat.id or 0)
    assert (removed.status, removed.resolution) == ("closed", "removed")
    hide = _eventually("the comment hidden", lambda: _sent(day, threat.id or 0))
    assert (hide.kind, hide.reason) == ("hide", "hot")
    assert day.graph.objects[threat.external_id]["is_hidden"] is True

    # The threat's card is gone, the others are still there.
    assert page.locator(f"main li.card a[href^='/items/{threat.id}?']").count() == 0
    _one_card_per_item(page, day, set(urgent) - {threat.id or 0})
    context.close()
