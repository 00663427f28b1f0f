"""Every form with a limit: over it, the same page again with a Swedish message and
the text that was typed; the limit shown in the form; the API names the field."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from inbox.core import limits
from inbox.core.incoming import NewItem
from inbox.core.limits import grouped
from tests.factories import add_items, make_page
from tests.web_support import PASSWORD, client_for, csrf_of, login, make_user

HTML = {"accept": "text/html"}


@pytest.fixture
def item_id(engine: Engine) -> int:
    make_page(engine, "fb", name="Region Väst")
    make_user(engine, "admin@x.se", "admin", name="Alma Admin")
    (found,) = add_items(
        engine,
        NewItem(
            page="fb",
            external_id="q",
            received_at=datetime.now(UTC) - timedelta(hours=1),
            text="Hur bokar jag tid?",
            author="Eva Ek",
        ),
    )
    return found


@pytest.fixture
def admin(database_url: str, tmp_path: Path, item_id: int) -> Iterator[TestClient]:
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@x.se")
        yield client


def _token(client: TestClient) -> str:
    return csrf_of(client, "/")


def _message(limit: limits.Limit, count: int) -> str:
    problem = limit.problem("x" * count)
    assert problem is not None
    return str(problem)


def _kept(page: str, typed: str) -> bool:
    return typed in html.unescape(page)


@pytest.mark.parametrize(
    ("action", "name", "limit", "extra"),
    [
        ("record", "text", limits.REPLY, {}),
        ("note", "text", limits.NOTE, {}),
        ("send", "note", limits.DEPARTMENT_NOTE, {"department": "kontaktcenter"}),
        ("remove", "detail", limits.REASON, {"reason": "annat", "how": "inbox"}),
    ],
)
def test_an_item_form_over_its_limit_keeps_the_text(
    admin: TestClient,
    item_id: int,
    action: str,
    name: str,
    limit: limits.Limit,
    extra: dict[str, str],
) -> None:
    typed = "Hej Eva, " + "å" * limit.most
    response = admin.post(
        f"/items/{item_id}/{action}",
        data={name: typed, "csrf_token": _token(admin), **extra},
        headers=HTML,
    )
    assert response.status_code == 422
    assert _message(limit, len(typed)) in html.unescape(response.text)
    assert _kept(response.text, typed)
    assert 'role="alert"' in response.text


def test_a_reply_over_the_limit_sent_with_line_breaks_counts_each_break_once(
    admin: TestClient, item_id: int
) -> None:
    """The browser sends CR LF; the counter counted one character per line break."""
    typed = ("rad\r\n" * 2000).rstrip("\r\n")  # 7 998 characters as the counter sees them
    response = admin.post(
        f"/items/{item_id}/record", data={"text": typed, "csrf_token": _token(admin)}
    )
    assert response.status_code == 303  # within the limit, recorded


def test_every_limited_field_shows_its_counter(admin: TestClient, item_id: int) -> None:
    page = admin.get(f"/items/{item_id}", headers=HTML).text
    for field_id, limit in (
        ("reply-text", limits.REPLY),
        ("note-text", limits.NOTE),
        ("send-note", limits.DEPARTMENT_NOTE),
        ("reason-detail", limits.REASON),
    ):
        assert re.search(
            rf'id="{field_id}-count" data-for="{field_id}" data-limit="{limit.most}"', page
        ), field_id
        assert f'aria-describedby="{field_id}-count"' in page
    assert "maxlength" not in page
    assert f"Högst {grouped(limits.REPLY.most)} tecken" in html.unescape(page)
    for path, field_id in (
        ("/admin/users", "u-email"),
        ("/admin/users", "u-name"),
        ("/admin/classify", "c-text"),
        ("/", "f-q"),
    ):
        assert f'data-for="{field_id}"' in admin.get(path, headers=HTML).text, path


def test_adding_a_user_with_a_long_name_keeps_the_form(admin: TestClient) -> None:
    name = "Anna " + "Långnamn" * 30
    response = admin.post(
        "/admin/users",
        data={
            "email": "anna@x.se",
            "name": name,
            "password": "ett långt lösenord",
            "role": "supervisor",
            "departments": "kontaktcenter",
            "duty": "1",
            "csrf_token": _token(admin),
        },
        headers=HTML,
    )
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert _message(limits.NAME, len(name)) in page
    assert f'value="{name}"' in page
    assert 'value="anna@x.se"' in page
    assert re.search(r'<option value="supervisor"\s+selected>', response.text)
    assert re.search(
        r'id="d-kontaktcenter" name="departments" value="kontaktcenter"\s+checked', response.text
    )
    assert re.search(r'id="u-duty" name="duty" value="1"\s+checked', response.text)
    assert "ett långt lösenord" not in page  # a password is never sent back


def test_the_rules_test_bench_keeps_a_long_text(admin: TestClient) -> None:
    typed = "Remiss " * 1500
    response = admin.post(
        "/admin/classify",
        data={"text": typed, "channel": "facebook", "kind": "comment", "csrf_token": _token(admin)},
        headers=HTML,
    )
    assert response.status_code == 422
    assert _message(limits.RULES_TEST, len(typed)) in html.unescape(response.text)
    assert _kept(response.text, typed)


def test_a_long_search_shows_the_queue_with_the_words_kept(admin: TestClient) -> None:
    typed = "remiss " * 40
    response = admin.get("/", params={"q": typed, "department": ""}, headers=HTML)
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert _message(limits.SEARCH, len(typed.strip())) in page
    assert f'value="{typed.strip()}"' in page
    assert "Hur bokar jag tid?" in page  # the queue itself, without the search


def test_signing_in_with_a_long_address_keeps_it(
    database_url: str, tmp_path: Path, item_id: int
) -> None:
    with client_for(database_url, tmp_path) as client:
        address = "a" * 250 + "@x.se"
        response = client.post(
            "/login",
            data={"email": address, "password": PASSWORD, "csrf_token": csrf_of(client)},
            headers=HTML,
        )
        assert response.status_code == 422
        assert _message(limits.EMAIL, len(address)) in html.unescape(response.text)
        assert f'value="{address}"' in response.text
