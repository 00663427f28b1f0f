"""Helpers for HTTP tests: users, signed-in clients, the CSRF token of a page."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from inbox.actions import users
from inbox.app import create_app
from inbox.settings import Settings
from inbox.store.db import session_scope
from tests.factories import NOW

PASSWORD = "correct horse battery"


def write_rules(directory: Path) -> Path:
    """A copy of the shipped rules, for a server started with its own rules directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for shipped in (Path(__file__).resolve().parent.parent / "inbox" / "default_rules").glob(
        "*.toml"
    ):
        shutil.copy(shipped, directory / shipped.name)
    return directory


def make_user(
    engine: Engine,
    email: str,
    role: str = "communicator",
    departments: tuple[str, ...] = (),
    *,
    duty: bool = False,
    name: str = "",
) -> None:
    with session_scope(engine) as session:
        users.add_user(
            session,
            email=email,
            name=name or email.split("@")[0].title(),
            password=PASSWORD,
            role=role,
            departments=departments,
            duty=duty,
            actor="test",
            now=NOW,
        )


def settings_for(database_url: str, tmp_path: Path, **kw: Any) -> Settings:
    return Settings(database_url=database_url, rules_dir=write_rules(tmp_path / "rules"), **kw)


def client_for(database_url: str, tmp_path: Path, **kw: Any) -> TestClient:
    return TestClient(
        create_app(settings_for(database_url, tmp_path, **kw)), follow_redirects=False
    )


def csrf_of(client: TestClient, path: str = "/login") -> str:
    page = client.get(path, headers={"accept": "text/html"})
    match = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    token = csrf_of(client)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"}
    )
    assert response.status_code == 303, response.text[:500]
    return csrf_of(client, "/")


class Gate:
    """Holds a function's calls until ``release()``: shows what else runs meanwhile.

    ``wrap(fn)`` returns a stand-in that records the calling thread, signals
    ``entered`` and waits for ``release()`` (at most ``limit`` seconds) before
    calling ``fn``.
    """

    def __init__(self, limit: float = 60.0) -> None:
        self.entered = threading.Event()
        self.released = threading.Event()
        self.threads: list[int] = []
        self.limit = limit

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def held(*args: Any, **kwargs: Any) -> Any:
            self.threads.append(threading.get_ident())
            self.entered.set()
            self.released.wait(self.limit)
            return fn(*args, **kwargs)

        return held

    def release(self) -> None:
        self.released.set()


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any], threading.Event]:
    """Runs ``fn`` in a thread; its result (or exception) lands in the dict, then the event."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # handed to the test, which re-raises it
            box["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box, done
