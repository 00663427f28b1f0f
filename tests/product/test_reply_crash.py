"""SIGKILL the real server while communicators are replying.

A reply is one transaction: its response, the item's first response and its
closing are all there or none is. Every reply that was answered 303 is stored
exactly once; after a restart the server serves and takes replies again.
"""

from __future__ import annotations

import os
import re
import signal
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from inbox.core.incoming import NewItem
from inbox.store.db import make_engine
from inbox.store.models import Item, Response
from tests.channels.meta.test_webhook_crash import Server, db_url  # noqa: F401 - the fixture
from tests.factories import add_items
from tests.web_support import PASSWORD, make_user

pytestmark = pytest.mark.slow
ITEMS = 200  # far more than are answered between the first 303 and the kill
THREADS = 4


def signed_in(port: int) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    page = client.get("/login", headers={"accept": "text/html"}).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    answer = client.post(
        "/login",
        data={"email": "anna@x.se", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert answer.status_code == 303
    page = client.get("/", headers={"accept": "text/html"}).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    return client, token.group(1)


def replier(port: int, ids: list[int], answered: set[int], started: threading.Event) -> None:
    try:
        client, token = signed_in(port)
    except (httpx.HTTPError, AssertionError):
        return
    try:
        for item_id in ids:
            try:
                answer = client.post(
                    f"/items/{item_id}/record",
                    data={"text": f"Svar på {item_id}", "confirm": "1", "csrf_token": token},
                )
            except httpx.HTTPError:
                return  # the server is gone: this one got no answer
            if answer.status_code == 303:
                answered.add(item_id)
                started.set()
    finally:
        client.close()


def test_replies_survive_sigkill_whole_or_not_at_all(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    ids = add_items(
        engine,
        *(
            NewItem(
                page="fb",
                external_id=f"q{n}",
                received_at=now - timedelta(minutes=n + 1),
                text=f"Fråga {n}",
                author="Sven",
            )
            for n in range(ITEMS)
        ),
    )
    make_user(engine, "anna@x.se", "supervisor")
    server = Server(db_url, tmp_path)
    answered: set[int] = set()
    started = threading.Event()
    threads = [
        threading.Thread(target=replier, args=(server.port, ids[i::THREADS], answered, started))
        for i in range(THREADS)
    ]
    try:
        for t in threads:
            t.start()
        assert started.wait(60), "no reply was answered"
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=20)
        for t in threads:
            t.join(timeout=30)
    finally:
        server.stop()

    with engine.connect() as conn:
        responses = conn.execute(
            sa.select(Response.__table__.c.item_id, Response.__table__.c.sent_at)  # type: ignore[attr-defined]
        ).all()
        items = {
            row.id: row
            for row in conn.execute(
                sa.select(Item.__table__)  # type: ignore[attr-defined]
            )
        }
    per_item: dict[int, list[datetime]] = {}
    for item_id, sent_at in responses:
        per_item.setdefault(item_id, []).append(sent_at)
    assert all(len(v) == 1 for v in per_item.values())  # no reply stored twice
    assert answered <= set(per_item)  # every 303 is on disk
    for item_id, row in items.items():
        replied = item_id in per_item
        # All of a reply or none of it: the response, the first response, the closing.
        assert (row.first_response_at is not None) == replied, item_id
        assert (row.status == "closed") == replied, item_id
        assert (row.resolution == "answered") == replied, item_id

    again = Server(db_url, tmp_path)
    try:
        client, token = signed_in(again.port)
        left = next(i for i in ids if i not in per_item)
        answer = client.post(
            f"/items/{left}/record", data={"text": "Svar", "confirm": "1", "csrf_token": token}
        )
        client.close()
        assert answer.status_code == 303
    finally:
        again.stop()
    engine.dispose()
