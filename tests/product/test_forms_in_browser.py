"""The forms' limits in Chromium: a counter in Swedish, an over-long text stopped
before it is sent, and (without the script) the server's message with the text kept.

Uses the real server and browser of ``test_browser``. Run with ``pytest -m browser``.
"""

from __future__ import annotations

from typing import Any

import pytest

from inbox.core import limits
from tests.product import test_browser
from tests.product.test_browser import _axe, _login
from tests.web_support import PASSWORD

# The real server (with the loopback Graph API) and Chromium of the browser tests.
server = test_browser.server
graph = test_browser.graph
browser = test_browser.browser

pytestmark = pytest.mark.browser

LONG = 8000


def _submit_outcome(page: Any, click: Any) -> str:
    """ "stopped" when the page's script cancelled the submit, "sent" otherwise.

    The page's check listens in the capture phase, so a listener on the bubble
    phase sees its verdict: no waiting for a request that should not come.
    """
    page.evaluate(
        """() => document.addEventListener("submit", (e) => {
             window.__outcome = e.defaultPrevented ? "stopped" : "sent";
           }, { once: true })"""
    )
    click()
    page.wait_for_function("window.__outcome !== undefined")
    return str(page.evaluate("window.__outcome"))


def test_a_long_reply_is_counted_and_stopped_before_it_is_sent(
    server: tuple[str, dict[str, int]],
    browser: Any,
) -> None:
    base, ids = server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, base, "cecilia@demo")
    page.goto(f"{base}/items/{ids['remiss']}")
    box = page.get_by_label("Svar till Karin Holm")
    counter = page.locator("#reply-text-count")
    assert counter.get_attribute("aria-live") == "polite"
    assert counter.inner_text() == "0 av 8\u00a0000 tecken"
    # No maxlength: a pasted text is not cut silently, it is counted.
    assert box.get_attribute("maxlength") is None
    box.fill("Hej! " + "x" * (LONG - 5) + "yz")
    assert counter.inner_text().startswith("2 tecken för mycket (högst 8\u00a0000)")
    assert box.get_attribute("aria-invalid") == "true"
    send = page.get_by_role("button", name="Skicka till Facebook")
    assert _submit_outcome(page, send.click) == "stopped"
    assert page.url == f"{base}/items/{ids['remiss']}"
    assert len(box.input_value()) == LONG + 2  # what was typed is still there
    assert page.evaluate("document.activeElement.id") == "reply-text"
    # Shortened to the limit: the counter says so and the reply goes.
    box.press("End")
    box.press("Backspace")
    box.press("Backspace")
    assert counter.inner_text() == "8\u00a0000 av 8\u00a0000 tecken"
    assert box.get_attribute("aria-invalid") is None
    assert _axe(page) == []
    page.get_by_role("button", name="Skicka till Facebook").click()
    page.wait_for_url(f"{base}/items/{ids['remiss']}")
    assert "Svaret är köat och skickas till Facebook" in page.inner_text("main")


def test_a_saved_reply_is_counted_too(
    server: tuple[str, dict[str, int]],
    browser: Any,
) -> None:
    base, ids = server
    page = browser.new_page()
    _login(page, base, "cecilia@demo")
    page.goto(f"{base}/items/{ids['remiss']}")
    page.get_by_label("Sparat svar").select_option(label="Remiss")
    filled = page.get_by_label("Svar till Karin Holm").input_value()
    assert page.locator("#reply-text-count").inner_text() == (f"{len(filled)} av 8\u00a0000 tecken")


@pytest.mark.parametrize(
    ("label", "button", "limit", "counter"),
    [
        ("Ny intern anteckning", "Spara anteckning", limits.NOTE, "#note-text-count"),
        ("Förklaring (krävs för annat)", "Ta bort", limits.REASON, "#reason-detail-count"),
        ("Anteckning till mottagaren", "Skicka vidare", limits.DEPARTMENT_NOTE, "#send-note-count"),
    ],
)
def test_every_limited_field_of_the_item_page_is_stopped(
    server: tuple[str, dict[str, int]],
    browser: Any,
    label: str,
    button: str,
    limit: limits.Limit,
    counter: str,
) -> None:
    base, ids = server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, base, "cecilia@demo")
    page.goto(f"{base}/items/{ids['buss']}")
    page.get_by_label(label).fill("å" * (limit.most + 1))
    assert "1 tecken för mycket" in page.locator(counter).inner_text()
    action = page.get_by_role("button", name=button, exact=True)
    assert _submit_outcome(page, action.click) == "stopped"
    assert page.get_by_label(label).input_value() == "å" * (limit.most + 1)


def test_without_the_script_the_server_keeps_the_reply_and_says_why(
    server: tuple[str, dict[str, int]],
    browser: Any,
) -> None:
    """An old page or a blocked script: the server refuses in Swedish, on the same page."""
    base, ids = server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("E-postadress").fill("cecilia@demo")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/items/{ids['remiss']}")
    typed = "Hej Karin! " + "å" * LONG
    page.get_by_label("Svar till Karin Holm").fill(typed)
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka till Facebook").click()
    alert = page.get_by_role("alert").inner_text()
    assert "Svaret är för långt: 8\u00a0011 tecken, högst 8\u00a0000." in alert
    assert page.get_by_label("Svar till Karin Holm").input_value() == typed
    assert page.url == f"{base}/items/{ids['remiss']}/reply"
    context.close()
