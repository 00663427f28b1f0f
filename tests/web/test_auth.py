"""Sessions end: on sign-out (copied cookies too), 12 hours after sign-in however
often they are used, and on deactivation (also after a reactivation)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from inbox.actions import users
from inbox.cli.main import main
from inbox.core.timeutil import utcnow
from inbox.store.db import session_scope
from inbox.store.models import User
from inbox.web import auth
from inbox.web.views import login as login_view
from tests.web_support import PASSWORD, client_for, login, make_user

HTML = {"accept": "text/html"}


def _cookie(client: TestClient) -> str:
    value = client.cookies.get("inbox_session")
    assert value
    return value


def _uses(client: TestClient, cookie: str) -> int:
    client.cookies.clear()
    client.cookies.set("inbox_session", cookie)
    return client.get("/").status_code


def _clock(monkeypatch: pytest.MonkeyPatch, start: datetime) -> list[timedelta]:
    """One frozen clock for signing in and for checking the session."""
    offset = [timedelta(0)]
    monkeypatch.setattr(auth, "utcnow", lambda: start + offset[0])
    monkeypatch.setattr(login_view, "utcnow", lambda: start + offset[0])
    return offset


def test_a_copied_cookie_is_refused_after_sign_out(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    make_user(engine, "anna@x.se")
    with client_for(database_url, tmp_path) as client:
        token = login(client, "anna@x.se")
        copied = _cookie(client)
        assert _uses(client, copied) == 200
        assert client.post("/logout", data={"csrf_token": token}).status_code == 303
        assert _uses(client, copied) == 401
        # The next sign-in is a new session that works.
        login(client, "anna@x.se")
        assert client.get("/").status_code == 200
        assert _uses(client, copied) == 401


def test_a_session_ends_twelve_hours_after_sign_in_however_often_used(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(engine, "anna@x.se")
    offset = _clock(monkeypatch, utcnow().replace(microsecond=0))
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@x.se")
        for hours in range(12):
            offset[0] = timedelta(hours=hours, minutes=59)
            assert client.get("/").status_code == 200, hours  # re-issued each time
        offset[0] = timedelta(hours=12)
        assert client.get("/").status_code == 401
        assert client.get("/", headers=HTML).headers["location"] == "/login?next=/"


def test_deactivation_ends_the_session_for_good(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    make_user(engine, "anna@x.se")
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@x.se")
        copied = _cookie(client)
        with session_scope(engine) as session:
            uid = session.exec(select(User.id).where(User.email == "anna@x.se")).one()
            assert uid is not None
        for active in (False, True):
            with session_scope(engine) as session:
                users.set_user_active(
                    session, user_id=uid, active=active, actor="admin@x.se", now=utcnow()
                )
        assert _uses(client, copied) == 401
        client.cookies.clear()
        login(client, "anna@x.se", PASSWORD)
        assert client.get("/").status_code == 200


def test_a_new_password_ends_the_users_sessions(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_user(engine, "anna@x.se")
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@x.se")
        copied = _cookie(client)
        monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
        monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
        assert main(["users", "password", "anna@x.se", "--password-stdin"]) == 2
        assert "minst 10 tecken" in capsys.readouterr().err
        assert _uses(client, copied) == 200  # a refused change ends nothing
        monkeypatch.setattr("sys.stdin", io.StringIO("another-long-password\n"))
        assert main(["users", "password", "Anna@x.se", "--password-stdin"]) == 0
        assert "their sessions have ended" in capsys.readouterr().out
        assert _uses(client, copied) == 401
        client.cookies.clear()
        login(client, "anna@x.se", "another-long-password")
        assert client.get("/").status_code == 200
