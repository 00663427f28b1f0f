"""Markup in every parameter and every message comes out as text, never as elements.

Jinja's gettext marks its output safe, so a value passed to ``_()`` would come
out raw: an injected ``<form hx-post=... hx-trigger=load>`` is sent by htmx
with the CSRF header, as the signed-in user. These tests put such markup in
every query parameter, path parameter and form field the pages read, and in
stored names shown in messages.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from starlette.routing import Route

from inbox.app import create_app
from inbox.core.incoming import NewItem
from inbox.store.db import session_scope
from inbox.store.models import Item
from tests.factories import add_items, make_page
from tests.paths import REPO
from tests.web_support import client_for, login, make_user, settings_for

HTML = {"accept": "text/html"}
EVIL = '<form hx-post="/admin/users" hx-trigger="load"><input name="role" value="admin"></form>'
ESCAPED = "&lt;form hx-post="
QUERY_PARAMS = (
    "page",
    "department",
    "topic",
    "sentiment",
    "sla",
    "status",
    "mine",
    "q",
    "offset",
    "window",
    "from",
    "to",
    "next",
    "lang",
)
REPO = REPO


def assert_inert(body: str, where: object) -> None:
    assert "<form hx-post" not in body, where
    assert 'hx-trigger="load"' not in body, where


@pytest.fixture
def world(engine: Engine) -> int:
    make_page(engine, "fb", name="Region Väst")
    (item_id,) = add_items(
        engine,
        NewItem(
            page="fb",
            external_id="c1",
            received_at=datetime.now(UTC) - timedelta(hours=1),
            text="Hej",
            author="Eva",
        ),
    )
    with session_scope(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None
        item.department = "halso_sjukvard"
    make_user(engine, "admin@x.se", "admin")
    make_user(engine, "evil@x.se", "supervisor", name=EVIL)
    return item_id


def _get_paths(database_url: str, tmp_path: Path, item_id: int) -> list[str]:
    """Every GET route of the app, with path parameters filled in (a new route is covered)."""
    app = create_app(settings_for(database_url, tmp_path))
    paths = []
    for route in app.routes:
        if not isinstance(route, Route) or "GET" not in (route.methods or ()):
            continue
        path = route.path.replace("{item_id:int}", str(item_id))
        path = path.replace("{table:str}", EVIL).replace("{token}", EVIL)
        paths.append(path)
    assert "/" in paths
    assert "/dashboard" in paths
    return paths


def test_markup_in_every_query_parameter_of_every_page_is_text(
    database_url: str, tmp_path: Path, world: int
) -> None:
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@x.se")
        refused = 0
        for path in _get_paths(database_url, tmp_path, world):
            for name in QUERY_PARAMS:
                response = client.get(path, params={name: EVIL}, headers=HTML)
                assert response.status_code < 500, (path, name)
                assert_inert(response.text, (path, name))
                refused += response.status_code == 400
        # The parameters that reached the error pages' sink before are refused.
        for path, name in (
            ("/", "sentiment"),
            ("/", "sla"),
            ("/", "status"),
            ("/dashboard", "window"),
        ):
            response = client.get(path, params={name: EVIL}, headers=HTML)
            assert response.status_code == 400
            assert ESCAPED in response.text
        assert refused >= 4


def test_markup_in_path_parameters_is_text(database_url: str, tmp_path: Path, world: int) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "admin@x.se")
        response = client.get(f"/dashboard/{EVIL}.csv", headers=HTML)
        assert response.status_code == 404
        assert_inert(response.text, "table")
        response = client.post(f"/items/{world}/{EVIL}", data={"csrf_token": token}, headers=HTML)
        assert response.status_code == 404
        assert_inert(response.text, "action")
        assert ESCAPED in response.text


def test_markup_in_form_fields_is_text(database_url: str, tmp_path: Path, world: int) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "admin@x.se")
        for action, data in (
            ("assign", {"assignee": EVIL}),
            ("remove", {"reason": EVIL}),
            ("close", {"resolution": EVIL}),
            ("correct", {"field": "topic", "value": EVIL}),
            ("send", {"department": EVIL}),
        ):
            response = client.post(
                f"/items/{world}/{action}", data={**data, "csrf_token": token}, headers=HTML
            )
            assert response.status_code == 422, action
            assert_inert(response.text, action)
        response = client.post("/language", data={"lang": EVIL, "csrf_token": token}, headers=HTML)
        assert response.status_code == 422  # longer than any language code
        assert_inert(response.text, "lang")


def test_a_display_name_with_markup_in_the_someone_else_warning_is_text(
    database_url: str, tmp_path: Path, world: int
) -> None:
    with client_for(database_url, tmp_path) as evil, client_for(database_url, tmp_path) as admin:
        login(evil, "evil@x.se")
        assert evil.get(f"/items/{world}", headers=HTML).status_code == 200
        token = login(admin, "admin@x.se")
        response = admin.post(
            f"/items/{world}/record",
            data={"text": "Hej!", "seen_responses": "0", "csrf_token": token},
            headers=HTML,
        )
    assert response.status_code == 409
    assert "Någon annan har ärendet öppet just nu" in response.text
    assert ESCAPED in response.text
    assert_inert(response.text, "warning")


def test_a_flash_message_with_a_value_is_translated_and_escaped(
    database_url: str, tmp_path: Path, world: int
) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "admin@x.se")
        client.post("/language", data={"lang": "en", "csrf_token": token, "next": "/"})
        response = client.post(
            "/admin/users",
            data={
                "email": "ny@x.se",
                "name": EVIL,
                "password": "correct horse battery",
                "role": "communicator",
                "csrf_token": token,
            },
        )
        assert response.status_code == 303
        page = client.get("/admin/users", headers=HTML).text
    assert "The user ny@x.se has been added." in page
    assert_inert(page, "admin users")


def test_error_pages_disable_htmx_and_htmx_refuses_eval(
    database_url: str, tmp_path: Path, world: int
) -> None:
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@x.se")
        page = client.get("/", params={"sla": "x"}, headers=HTML).text
    assert re.search(r"<p hx-disable>[^<]*</p>", page)
    config = re.search(r'name="htmx-config" content=\'([^\']+)\'', page)
    assert config
    assert '"allowEval": false' in config.group(1)
    assert '"allowScriptTags": false' in config.group(1)
    assert '"selfRequestsOnly": true' in config.group(1)


# --- Guards: no value ever reaches gettext ------------------------------------------------

_TEMPLATE_CALL = re.compile(r"""\b(?:_|gettext|ngettext)\(\s*(?!['"])""")


def test_templates_pass_only_constant_strings_to_gettext() -> None:
    offenders = []
    for template in sorted((REPO / "inbox" / "web" / "templates").glob("*.html")):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if _TEMPLATE_CALL.search(line):
                offenders.append(f"{template.name}:{number}: {line.strip()}")
    assert offenders == []


def test_python_passes_only_constant_strings_to_gettext() -> None:
    offenders = []
    names = {"_", "gettext_", "ngettext_", "gettext", "ngettext", "Text"}
    for module in sorted((REPO / "inbox").rglob("*.py")):
        if module.name == "i18n.py" or "migrations" in module.parts:
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in names and not (
                isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
            ):
                offenders.append(f"{module.relative_to(REPO)}:{node.lineno}")
    assert offenders == []


PARAMS = st.dictionaries(
    st.sampled_from(QUERY_PARAMS),
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(["custom", "28d", "2026-02-30", "9999-12-31", "0001-01-01", "-1", "1e9"]),
    ),
    max_size=5,
)


def test_any_query_parameters_give_a_page_or_a_refusal(
    database_url: str, tmp_path: Path, world: int
) -> None:
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@x.se")

        @settings(max_examples=150, deadline=None, derandomize=True)
        @given(params=PARAMS)
        @example(params={"window": "custom", "from": "0001-01-01", "to": "9999-12-31"})
        @example(params={"offset": "9" * 30})
        def check(params: dict[str, str]) -> None:
            for path in ("/", "/queue/rows", "/dashboard", "/dashboard/pages.csv"):
                response = client.get(path, params=params, headers=HTML)
                assert response.status_code in (200, 400), (path, params, response.text[:300])

        check()
