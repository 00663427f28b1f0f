"""Sign-in under load: password checks and page work off the event loop, the
global sign-in rate, and X-Forwarded-For believed only from trusted proxies."""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from inbox.actions.demo import add_demo_users
from inbox.app import create_app
from inbox.channels.meta.signature import expected_signature
from inbox.core.passwords import verify_password
from inbox.store.db import session_scope
from inbox.store.models import LoginFailure
from inbox.web import auth
from inbox.web.proxies import client_address
from inbox.web.throttle import SignInRate
from inbox.web.views import login as login_view
from tests.servers import inbox_server
from tests.web_support import (
    PASSWORD,
    Gate,
    client_for,
    csrf_of,
    in_thread,
    login,
    make_user,
    settings_for,
)

SECRET = "test-app-secret"
HTML = {"accept": "text/html"}
DEADLINE = 30.0


def _delivery(client: TestClient, comment_id: str) -> httpx.Response:
    value = {
        "item": "comment",
        "verb": "add",
        "comment_id": comment_id,
        "post_id": "111_post1",
        "parent_id": "111_post1",
        "created_time": 1_700_000_000,
        "from": {"id": "u1", "name": "Anna"},
        "message": "Hej",
    }
    doc = {"object": "page", "entry": [{"id": "111", "time": 1_700_000_000, "changes": []}]}
    doc["entry"][0]["changes"] = [{"field": "feed", "value": value}]
    body = json.dumps(doc).encode()
    return client.post(
        "/webhooks/meta",
        content=body,
        headers={"X-Hub-Signature-256": expected_signature(body, SECRET)},
    )


def _sign_in(client: TestClient, email: str, password: str, token: str, **headers: str) -> Any:
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        headers=headers,
    )


def test_a_webhook_is_answered_while_a_sign_in_checks_its_password(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(engine, "anna@x.se")
    gate = Gate()
    monkeypatch.setattr(login_view, "verify_password", gate.wrap(verify_password))
    with client_for(
        database_url, tmp_path, meta_app_secret=SECRET, process_deliveries=False
    ) as client:
        token = csrf_of(client)
        _, signin, signin_done = in_thread(lambda: _sign_in(client, "anna@x.se", PASSWORD, token))
        assert gate.entered.wait(DEADLINE), "the sign-in never reached the password check"
        _, hook, hook_done = in_thread(lambda: _delivery(client, "c1"))
        answered = hook_done.wait(DEADLINE)
        still_held = not gate.released.is_set()
        gate.release()
        assert signin_done.wait(DEADLINE)
    assert answered, "the webhook waited for the sign-in's password check"
    assert still_held
    assert hook["result"].status_code == 200
    assert signin["result"].status_code == 303


def test_the_guard_loads_the_user_off_the_loop_and_the_page_keeps_its_language(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(engine, "anna@x.se")
    gate = Gate()
    with client_for(
        database_url, tmp_path, meta_app_secret=SECRET, process_deliveries=False
    ) as client:
        token = login(client, "anna@x.se")
        chosen = client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
        assert chosen.status_code == 303
        monkeypatch.setattr(auth, "load_user", gate.wrap(auth.load_user))
        _, page, page_done = in_thread(lambda: client.get("/", headers=HTML))
        assert gate.entered.wait(DEADLINE)
        _, hook, hook_done = in_thread(lambda: _delivery(client, "c2"))
        answered = hook_done.wait(DEADLINE)
        still_held = not gate.released.is_set()
        gate.release()
        assert page_done.wait(DEADLINE)
    assert answered, "the webhook waited for the guard's user load"
    assert still_held
    assert hook["result"].status_code == 200
    assert page["result"].status_code == 200
    assert "Sign out" in page["result"].text  # the request's language, rendered in the pool


def _failures(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(LoginFailure)).scalar_one())


def test_the_global_sign_in_rate_refuses_with_retry_after_and_keeps_the_email(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    make_user(engine, "anna@x.se")
    clock = [1000.0]
    with client_for(database_url, tmp_path, login_global_per_minute=3) as client:
        client.app.state.signin_rate = SignInRate(3, clock=lambda: clock[0])  # type: ignore[attr-defined]
        token = csrf_of(client)
        # Three accounts from three addresses: the per-account lockout sees nothing.
        for n in range(3):
            bad = _sign_in(
                client, f"user{n}@x.se", "wrong", token, **{"x-forwarded-for": f"10.9.0.{n}"}
            )
            assert bad.status_code == 400
        before = _failures(engine)
        busy = _sign_in(client, "anna@x.se", PASSWORD, token, **HTML)
        assert busy.status_code == 429
        assert busy.headers["retry-after"] == "60"
        assert "För många inloggningar just nu. Försök igen om 60 sekunder." in busy.text
        assert re.search(r'name="email"[^>]*value="anna@x\.se"', busy.text)
        assert _failures(engine) == before  # refused before anything was checked or stored
        assert client.get("/", headers=HTML).status_code == 303  # not signed in
        clock[0] += 45
        assert _sign_in(client, "anna@x.se", PASSWORD, token).headers["retry-after"] == "15"
        clock[0] += 15
        assert _sign_in(client, "anna@x.se", PASSWORD, token).status_code == 303


def test_the_sign_in_rate_window_slides() -> None:
    clock = [0.0]
    rate = SignInRate(2, clock=lambda: clock[0])
    assert rate.take() is None
    clock[0] = 30.0
    assert rate.take() is None
    assert rate.take() == 30
    clock[0] = 60.0  # the first attempt has left the window
    assert rate.take() is None
    assert rate.take() == 30


def test_forwarded_for_from_an_untrusted_peer_does_not_escape_the_lockout(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """The real server: uvicorn on loopback, the peer 127.0.0.1, no trusted proxies."""
    make_user(engine, "anna@x.se")
    with inbox_server(database_url, tmp_path) as base, httpx.Client(base_url=base) as http:
        page = http.get("/login", headers=HTML)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert token
        for n in range(5):
            bad = http.post(
                "/login",
                data={"email": "anna@x.se", "password": "wrong", "csrf_token": token.group(1)},
                headers={"x-forwarded-for": f"198.51.100.{n}"},
            )
            assert bad.status_code == 400
        locked = http.post(
            "/login",
            data={"email": "anna@x.se", "password": PASSWORD, "csrf_token": token.group(1)},
            headers={"x-forwarded-for": "198.51.100.99"},
        )
        assert locked.status_code == 429
        assert "För många misslyckade försök" in locked.text


def test_a_trusted_proxy_names_the_client(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    make_user(engine, "anna@x.se")
    settings = settings_for(database_url, tmp_path, trusted_proxies="10.0.0.5")
    app = create_app(settings)
    with TestClient(app, follow_redirects=False, client=("10.0.0.5", 40000)) as client:
        token = csrf_of(client)
        for _ in range(5):
            bad = _sign_in(
                client, "anna@x.se", "wrong", token, **{"x-forwarded-for": "203.0.113.9"}
            )
            assert bad.status_code == 400
        # The visitor at 203.0.113.9 is locked out, also when it writes another
        # address in front of the one the proxy appended.
        spoofed = {"x-forwarded-for": "203.0.113.10, 203.0.113.9"}
        assert _sign_in(client, "anna@x.se", PASSWORD, token, **spoofed).status_code == 429
        other = {"x-forwarded-for": "203.0.113.10"}
        assert _sign_in(client, "anna@x.se", PASSWORD, token, **other).status_code == 303


NETS = [ipaddress.ip_network("10.0.0.0/24"), ipaddress.ip_network("::1/128")]


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("203.0.113.1", ["198.51.100.7"], [], "203.0.113.1"),
        ("203.0.113.1", ["198.51.100.7"], NETS, "203.0.113.1"),  # peer not a proxy
        ("10.0.0.2", ["198.51.100.7"], NETS, "198.51.100.7"),
        ("10.0.0.2", ["1.1.1.1, 198.51.100.7"], NETS, "198.51.100.7"),
        ("10.0.0.2", ["198.51.100.7, 10.0.0.9"], NETS, "198.51.100.7"),  # two proxies
        ("10.0.0.2", ["1.1.1.1", "198.51.100.7"], NETS, "198.51.100.7"),  # two headers
        ("::1", ["2001:db8::5"], NETS, "2001:db8::5"),
        ("10.0.0.2", [], NETS, "10.0.0.2"),
        ("10.0.0.2", ["10.0.0.3"], NETS, "10.0.0.3"),  # only proxies: the first one
        ("10.0.0.2", ["1.1.1.1, garbage"], NETS, "10.0.0.2"),
        ("testclient", ["198.51.100.7"], NETS, "testclient"),
    ],
)
def test_client_address(peer: str, forwarded: list[str], trusted: Any, client: str) -> None:
    assert client_address(peer, forwarded, trusted) == client


def test_demo_sign_in_page_names_each_demo_users_role(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        password = add_demo_users(session, now=datetime.now(UTC))
    with client_for(database_url, tmp_path) as client:
        page = client.get("/login", headers=HTML).text
    assert password in page
    rows = {
        m.group(1): re.sub(r"<[^>]+>", "", m.group(2))
        for m in re.finditer(r"<tr><td><code>([^<]+)</code></td>(.*?)</tr>", page)
    }
    assert set(rows) == {"anna@demo", "bjorn@demo", "cecilia@demo", "david@demo", "admin@demo"}
    assert "Kommunikatör" in rows["anna@demo"]
    assert "Hälso- och sjukvård" in rows["anna@demo"]
    assert "Chef / samordnare" in rows["cecilia@demo"]
    assert "alla förvaltningar" in rows["cecilia@demo"]
    assert "Administratör" in rows["admin@demo"]
    assert "beredskap" in rows["david@demo"]
    assert "beredskap" not in rows["anna@demo"]


def test_demo_users_never_shown_outside_development(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        password = add_demo_users(session, now=datetime.now(UTC))
    production = {
        "environment": "production",
        "secret_key": secrets.token_urlsafe(48),
        "token_key": Fernet.generate_key().decode(),
    }
    with client_for(database_url, tmp_path, **production) as client:
        page = client.get("/login", headers=HTML).text
    assert "Logga in" in page
    assert password not in page
    assert "anna@demo" not in page
