"""Real-browser tests: the real server on a loopback port, Debian's Chromium, axe-core.

Run with ``pytest -m browser``. Set ``SCREENSHOT_DIR`` to save screenshots
of the main pages there (``docs/screenshots`` in the repository).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy.engine import Engine

from inbox.actions import pages as pages_actions
from inbox.actions.demo import load_demo
from inbox.core.incoming import NewItem
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.models import Item, Post
from tests.factories import NOW, add_items, make_page
from tests.graph_server import GraphServer
from tests.paths import REPO
from tests.web_support import PASSWORD, make_user, write_rules

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
XSS = 'Hej <script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> hur gör jag?'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


GRAPH_TOKEN = "EAAB-browser-page-token"
PAGE_ID = "9100000001"


def _seed(engine: Engine, settings: Settings) -> dict[str, int]:
    make_page(engine, "region_fb", name="Region Västmark", platform_id=PAGE_ID)
    with session_scope(engine) as session:
        pages_actions.connect_page(
            session,
            key="region_fb",
            platform_id=PAGE_ID,
            platform_name="Region Västmark",
            token_cipher=settings.token_box().seal(GRAPH_TOKEN),
            actor="test",
            now=NOW,
        )
    make_page(engine, "trafik_fb", name="Länstrafiken")
    now = datetime.now(UTC)
    ids = add_items(
        engine,
        NewItem(
            page="region_fb",
            external_id="remiss",
            received_at=now - timedelta(hours=3),
            text="Min remiss till ortopeden har inte kommit fram, vem ska jag kontakta?",
            author="Karin Holm",
            post_id="post-1",
        ),
        NewItem(
            page="region_fb",
            external_id="xss",
            received_at=now - timedelta(hours=2),
            text=XSS,
            author="Mallory",
            post_id="post-1",
        ),
        NewItem(
            page="trafik_fb",
            external_id="buss",
            received_at=now - timedelta(hours=20),
            text="Varför går inte buss 4 enligt tidtabellen?",
            author="Per Ek",
        ),
        NewItem(
            page="trafik_fb",
            external_id="hot",
            received_at=now - timedelta(minutes=20),
            text="Någon borde bränna ner ungdomsgården",
            author="Anonym",
        ),
        NewItem(
            page="region_fb",
            external_id="done",
            received_at=now - timedelta(days=2),
            text="Tack för hjälpen!",
            author="Lena Berg",
            first_response_at=now - timedelta(days=2, hours=-1),
        ),
    )
    tags = [
        ("halso_sjukvard", "vard", "negative", "normal", " question "),
        ("halso_sjukvard", "vard", "neutral", "normal", " question "),
        ("kollektivtrafik", "kollektivtrafik", "negative", "normal", " question "),
        ("kollektivtrafik", None, "negative", "urgent", " threat "),
        ("halso_sjukvard", None, "positive", "normal", ""),
    ]
    with session_scope(engine) as session:
        for item_id, (dep, topic, sentiment, priority, flags) in zip(ids, tags, strict=True):
            item = session.get(Item, item_id)
            assert item is not None
            item.department, item.topic, item.sentiment = dep, topic, sentiment
            item.priority, item.flags = priority, flags
            item.classification = {
                "reason": "Ordet \u201dremiss\u201d tyder på vård.",
                "pii_spans": [],
            }
        page_id = session.get(Item, ids[0]).page_id  # type: ignore[union-attr]
        session.add(
            Post(
                page_id=page_id,
                external_id="post-1",
                text="Nu öppnar den nya vårdcentralen i Norrby!",
                published_at=now - timedelta(days=3),
            )
        )
    make_user(engine, "anna@demo", "communicator", ("halso_sjukvard",), name="Anna Kommunikatör")
    make_user(engine, "cecilia@demo", "supervisor", name="Cecilia Chef")
    make_user(
        engine, "david@demo", "communicator", ("kontaktcenter",), duty=True, name="David Beredskap"
    )
    return {"remiss": ids[0], "xss": ids[1], "buss": ids[2], "hot": ids[3]}


@pytest.fixture
def graph() -> Iterator[GraphServer]:
    srv = GraphServer({GRAPH_TOKEN: PAGE_ID}, version="v26.0")
    srv.add_object("remiss", message="Min remiss ...")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@contextmanager
def _serve(env: dict[str, str]) -> Iterator[str]:
    """`inbox serve` on a free loopback port with ``env``; yields its base address."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "inbox",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={**os.environ, **env},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).text == "ok":
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


@pytest.fixture
def server(
    engine: Engine, database_url: str, tmp_path: Path, graph: GraphServer
) -> Iterator[tuple[str, dict[str, int]]]:
    ids = _seed(engine, Settings())
    env = {
        "INBOX_DATABASE_URL": database_url,
        "INBOX_RULES_DIR": str(write_rules(tmp_path / "rules")),
        # Replies really go out: to the loopback Graph API, sent by the scheduler.
        "INBOX_META_GRAPH_URL": graph.url,
        "INBOX_SCHEDULER": "on",
        "INBOX_SCHEDULER_OUTBOUND_SECONDS": "0.5",
    }
    with _serve(env) as base:
        yield base, ids


@pytest.fixture
def demo(engine: Engine, database_url: str) -> Iterator[tuple[str, str]]:
    """The demo's three months on five pages (`inbox demo`), no scheduler."""
    load_demo(engine, now=datetime.now(UTC), count=1500)
    make_user(engine, "chef@demo.test", "supervisor", name="Chef Demo")
    with _serve({"INBOX_DATABASE_URL": database_url, "INBOX_SCHEDULER": "off"}) as base:
        yield base, database_url


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _login(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{base}/")


def _axe(page: Any) -> list[dict[str, Any]]:
    # Served from our own origin, so the strict CSP lets it run.
    page.add_script_tag(url="/static/vendor/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _shoot(page: Any, name: str, *, full_page: bool = True) -> None:
    target = os.environ.get("SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=full_page)


def _responded(page: Any, base: str, *, recount: bool = False) -> str:
    page.goto(f"{base}/dashboard")
    if recount:  # figures computed before the reply: ask for them now
        page.get_by_role("link", name="Räkna om nu").click()
        page.wait_for_url("**fresh=1**")
    row = page.locator("#per-page tbody tr", has_text="Region Västmark")
    return str(row.locator("td").nth(2).inner_text())


def test_supervisor_day(server: tuple[str, dict[str, int]], browser: Any) -> None:
    base, ids = server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, base, "cecilia@demo")
    before = _responded(page, base)
    assert _axe(page) == []

    page.goto(f"{base}/")
    assert page.get_by_role("cell", name="Hälso- och sjukvården").count() >= 1
    page.get_by_label("Förvaltning").select_option("kollektivtrafik")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url("**department=kollektivtrafik**")
    assert page.locator("#queue tbody tr[data-href]").count() == 2
    assert "remiss" not in page.locator("#queue").inner_text()
    page.get_by_label("Förvaltning").select_option("")
    page.get_by_role("button", name="Visa").click()
    assert _axe(page) == []
    _shoot(page, "queue")

    # Keyboard: j selects the first row, Enter opens it.
    page.locator("body").press("j")
    page.keyboard.press("Enter")
    page.wait_for_url("**/items/**")
    page.goto(f"{base}/items/{ids['remiss']}")
    assert "Nu öppnar den nya vårdcentralen" in page.inner_text("body")
    assert _axe(page) == []
    _shoot(page, "item")
    page.get_by_label("Sparat svar").select_option(label="Remiss")
    assert "Hej Karin!" in page.get_by_label("Svar till Karin Holm").input_value()
    page.get_by_role("button", name="Skicka till Facebook").click()
    page.wait_for_url(f"{base}/items/{ids['remiss']}")
    assert "Svaret är köat och skickas till Facebook" in page.inner_text("main")
    # The scheduler sends it; the page then says when Facebook took it.
    for _ in range(120):
        if "Skickat till Facebook" in page.inner_text("main"):
            break
        page.wait_for_timeout(250)
        page.reload()
    assert "Skickat till Facebook" in page.inner_text("main")
    after = _responded(page, base, recount=True)
    assert int(after) == int(before) + 1


def test_customer_markup_shows_as_text(server: tuple[str, dict[str, int]], browser: Any) -> None:
    base, ids = server
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _login(page, base, "anna@demo")
    assert "<script>window.__xss = 1</script>" in page.inner_text("#queue")
    page.goto(f"{base}/items/{ids['xss']}")
    quote = page.locator("blockquote.customer").inner_text()
    assert '<img src=x onerror="window.__xss = 2">' in quote
    assert page.evaluate("window.__xss === undefined")
    assert page.locator("main img").count() == 0
    assert dialogs == []


def test_markup_in_parameters_sends_nothing(
    server: tuple[str, dict[str, int]], browser: Any
) -> None:
    """A link with an htmx form in a parameter: shown as text, no request is sent."""
    base, ids = server
    page = browser.new_page()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method != "GET" else None)
    _login(page, base, "cecilia@demo")
    posts.clear()
    evil = (
        f'<form hx-post="/items/{ids["remiss"]}/note" hx-trigger="load">'
        '<input name="text" value="smuggled"></form>'
    )
    for path, name in (("/", "sla"), ("/", "sentiment"), ("/", "status"), ("/dashboard", "window")):
        page.goto(f"{base}{path}?{urlencode({name: evil})}")
        page.wait_for_load_state("networkidle")
        assert page.locator("main form[hx-post]").count() == 0, name
        assert 'hx-trigger="load"' in page.inner_text("main"), name
    assert posts == []
    page.goto(f"{base}/items/{ids['remiss']}")
    assert "smuggled" not in page.inner_text("main")


def test_duty_view_on_a_phone(server: tuple[str, dict[str, int]], browser: Any) -> None:
    base, _ids = server
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    _login(page, base, "david@demo")
    page.goto(f"{base}/duty")
    assert "bränna ner" in page.inner_text("main")
    assert _axe(page) == []
    button = page.get_by_role("button", name="Bekräfta")
    box = button.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    _shoot(page, "duty-mobile")
    with page.expect_navigation():
        button.tap()
    assert "Bekräftelsen är registrerad" in page.inner_text("main")  # the page cannot send
    assert page.get_by_role("button", name="Bekräfta").count() == 0
    context.close()


def test_a_supervisor_reveals_with_a_reason_and_the_admin_reads_it_in_the_audit_trail(
    server: tuple[str, dict[str, int]], browser: Any, engine: Engine
) -> None:
    base, ids = server
    with session_scope(engine) as session:
        item = session.get(Item, ids["buss"])
        assert item is not None
        item.text = "Varför går inte buss 4? Ring mig på 070-123 45 67."
    make_user(engine, "ada@demo", "admin", name="Ada Admin")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, base, "cecilia@demo")
    page.goto(f"{base}/items/{ids['buss']}")
    assert "Ring mig på [telefon]." in page.inner_text("blockquote.customer")
    page.get_by_text("Visa personuppgifter").first.click()
    page.get_by_label("Skäl (sparas i granskningsloggen)").fill("Ringer upp om bussen")
    page.get_by_role("button", name="Visa personuppgifter").click()
    page.wait_for_url(f"{base}/items/{ids['buss']}/reveal")
    assert "Ring mig på 070-123 45 67." in page.inner_text("main")
    assert _axe(page) == []

    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(admin, base, "ada@demo")
    admin.get_by_role("link", name="Granskningslogg").click()
    admin.wait_for_url(f"{base}/admin/audit")
    admin.get_by_label("Vad").select_option("revealed")
    admin.get_by_role("button", name="Visa", exact=True).click()
    admin.wait_for_url("**kind=revealed**")
    text = admin.inner_text("main")
    assert f"Cecilia Chef visade personuppgifterna i ärende {ids['buss']}." in text
    assert "Skäl: Ringer upp om bussen" in text
    assert _axe(admin) == []


def test_login_page_is_accessible(server: tuple[str, dict[str, int]], browser: Any) -> None:
    base, _ids = server
    page = browser.new_page()
    page.goto(f"{base}/login")
    assert _axe(page) == []


def test_the_dashboard_leads_with_the_period_against_the_previous_one(
    demo: tuple[str, str], browser: Any
) -> None:
    """What a supervisor asks first comes first; the rate axis is 0-100 %; the
    figures are the command's, and the CSV opens as columns in Swedish Excel."""
    base, database_url = demo
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/login")
    page.get_by_label("E-postadress").fill("chef@demo.test")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/dashboard")
    headings = page.locator("main h2").all_inner_texts()
    assert headings[:3] == ["Perioden i korthet", "Trend per vecka", "Detaljer"]
    # The lead: four figures for all pages, each with the previous period, above the fold.
    kpis = page.locator("ul.kpis li.kpi")
    assert kpis.count() == 4
    first = kpis.first.inner_text()
    assert "Svarsfrekvens (responsgrad)" in first
    assert "Föregående period:" in first
    box = page.locator("#lead").bounding_box()
    assert box is not None
    assert box["y"] < 900  # the per-page comparison is on the first screen
    lead = page.locator("#lead tbody tr")
    names = lead.locator("th").all_inner_texts()
    assert names[-1] == "Alla sidor"
    assert re.search(r"(bättre|sämre|oförändrad|inget att jämföra med)", lead.first.inner_text())
    # The weekly trend: a rate axis from 0 to 100 %, nothing above.
    ticks = page.locator("figure svg").first.locator("text.tick").all_text_contents()
    assert ticks == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert page.locator("figure svg").nth(1).locator("line.target").count() == 0  # targets differ
    assert _axe(page) == []
    page.set_viewport_size({"width": 1280, "height": 1560})
    _shoot(page, "dashboard", full_page=False)  # the lead and the trend: what comes first
    # The command the page names gives the page's figures.
    command = page.locator("main code").first.inner_text()
    assert command.startswith("inbox report --from ")
    total = page.locator("#per-page tr.total td").nth(0).inner_text()
    out = subprocess.run(
        [sys.executable, "-m", "inbox", *shlex.split(command)[1:], "--format", "json"],
        env={**os.environ, "INBOX_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    report = json.loads(out)
    assert int(re.sub(r"\D", "", total)) == report["total"]["received"]
    assert names[:-1] == [p["name"] for p in report["pages"]]  # names, not keys
    # A download clicked in the browser: for Swedish Excel.
    with page.expect_download() as caught:
        page.locator("#per-page caption a").click()
    data = Path(caught.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode())
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Period;Inkomna från och med ")
    assert lines[1].startswith("Sidnyckel;Sida;Inkomna;")


def test_closing_several_items_with_the_keyboard_and_shift_click(
    server: tuple[str, dict[str, int]], browser: Any, engine: Engine
) -> None:
    base, _ids = server
    (thanks,) = add_items(
        engine,
        NewItem(
            page="region_fb", external_id="tack", received_at=NOW, text="Tack! 👍", author="Ia"
        ),
    )
    with session_scope(engine) as session:
        session.get(Item, thanks).department = "halso_sjukvard"  # type: ignore[union-attr]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, base, "anna@demo")
    boxes = page.locator("#queue input.pick")
    assert boxes.count() == 3  # her department's three items
    assert _axe(page) == []
    # j marks the first row, x ticks it; a shift-click on the third ticks the one between.
    page.locator("body").press("j")
    page.keyboard.press("x")
    assert [boxes.nth(i).is_checked() for i in range(3)] == [True, False, False]
    boxes.nth(2).click(modifiers=["Shift"])
    assert [boxes.nth(i).is_checked() for i in range(3)] == [True, True, True]
    assert page.locator("#bulk-count").inner_text() == "3"
    # x again on the first row clears it.
    page.locator("#queue tbody tr[data-href]").first.locator("a.rowlink").focus()
    page.keyboard.press("x")
    assert [boxes.nth(i).is_checked() for i in range(3)] == [False, True, True]
    page.get_by_label("Åtgärd").select_option(label="Stäng: kräver inget svar")
    with page.expect_navigation():
        page.get_by_role("button", name="Utför på valda").click()
    assert "2 ärenden ändrade" in page.inner_text("main")
    assert page.locator("#queue input.pick").count() == 1
    assert _axe(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Ångra").click()
    assert "Ångrat: 2 ärenden" in page.inner_text("main")
    assert page.locator("#queue input.pick").count() == 3
