"""Replies and moderation through the API: scopes, idempotency, and what was sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from inbox.actions import pages as pages_actions
from inbox.app import create_app
from inbox.core import limits
from inbox.core.incoming import NewItem
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.models import Item, Outbound
from tests.api_helpers import make_token
from tests.factories import NOW, add_items, make_page

PAGE_ID = "1122334455"
RECENT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def world(engine: Engine, database_url: str) -> Iterator[tuple[TestClient, dict[str, str], int]]:
    settings = Settings(database_url=database_url)
    make_page(engine, "fb", name="Kommunen", platform_id=PAGE_ID)
    make_page(engine, "web", name="Webbformulär", channel="web")
    with session_scope(engine) as session:
        pages_actions.connect_page(
            session,
            key="fb",
            platform_id=PAGE_ID,
            platform_name="Kommunen",
            token_cipher=settings.token_box().seal("EAAB-page-token"),
            actor="test",
            now=NOW,
        )
    ids = add_items(
        engine,
        NewItem(page="fb", external_id=f"{PAGE_ID}_9_1", received_at=RECENT, text="Öppet?"),
        NewItem(page="web", external_id="form-1", received_at=RECENT, text="Hej"),
    )
    tokens = {
        "reply": make_token(engine, "svar", scopes=("read", "reply")),
        "items": make_token(engine, "formular"),
        "read": make_token(engine, "lasare", scopes=("read",)),
    }
    with TestClient(create_app(settings)) as client:
        yield client, tokens, ids[0]


def _post(
    client: TestClient,
    token: str,
    path: str,
    body: dict[str, object],
    key: str | None = "reply-0001",
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(path, json=body, headers=headers)


@pytest.mark.parametrize("scope", ["items", "read"])
def test_only_a_reply_token_may_send(
    world: tuple[TestClient, dict[str, str], int], scope: str
) -> None:
    client, tokens, item_id = world
    for path, body in (
        (f"/api/v1/items/{item_id}/replies", {"text": "Hej!"}),
        (f"/api/v1/items/{item_id}/moderation", {"action": "hide", "reason": "reklam"}),
    ):
        resp = _post(client, tokens[scope], path, body)
        assert resp.status_code == 403
        assert "reply" in resp.json()["detail"]
    # ... and the reply token may not record items.
    resp = client.post(
        "/api/v1/items", json={}, headers={"Authorization": f"Bearer {tokens['reply']}"}
    )
    assert resp.status_code == 403


def test_a_reply_is_queued_once_per_key_and_listed_on_the_item(
    world: tuple[TestClient, dict[str, str], int], engine: Engine
) -> None:
    client, tokens, item_id = world
    path = f"/api/v1/items/{item_id}/replies"
    first = _post(client, tokens["reply"], path, {"text": "Vi öppnar 08.00."})
    again = _post(client, tokens["reply"], path, {"text": "Vi öppnar 08.00."})
    assert first.status_code == again.status_code == 202
    queued = first.json()
    assert queued["state"] == "queued"
    assert queued["kind"] == "reply"
    assert again.json()["id"] == queued["id"]
    detail = client.get(
        f"/api/v1/items/{item_id}", headers={"Authorization": f"Bearer {tokens['read']}"}
    ).json()
    assert [o["id"] for o in detail["outbound"]] == [queued["id"]]
    with Session(engine) as session:
        assert len(session.exec(select(Outbound)).all()) == 1
        item = session.get(Item, item_id)
        assert item is not None
        # Not a response until the platform has accepted it.
        assert item.first_response_at is None
        assert item.status == "open"


def test_a_reply_needs_an_idempotency_key(world: tuple[TestClient, dict[str, str], int]) -> None:
    client, tokens, item_id = world
    resp = _post(client, tokens["reply"], f"/api/v1/items/{item_id}/replies", {"text": "x"}, None)
    assert resp.status_code == 422
    assert "Idempotency-Key" in resp.json()["detail"]


def test_a_page_that_cannot_send_says_so(world: tuple[TestClient, dict[str, str], int]) -> None:
    client, tokens, item_id = world
    resp = _post(client, tokens["reply"], f"/api/v1/items/{item_id + 1}/replies", {"text": "Hej"})
    assert resp.status_code == 409
    assert "reply_webhook" in resp.json()["detail"]


def test_moderation_needs_a_reason_to_remove_and_closes_the_item(
    world: tuple[TestClient, dict[str, str], int], engine: Engine
) -> None:
    client, tokens, item_id = world
    path = f"/api/v1/items/{item_id}/moderation"
    assert _post(client, tokens["reply"], path, {"action": "delete"}).status_code == 422
    resp = _post(
        client, tokens["reply"], path, {"action": "hide", "reason": "reklam"}, "reply-0002"
    )
    assert resp.status_code == 202
    assert resp.json()["kind"] == "hide"
    with Session(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None
        assert (item.status, item.resolution) == ("closed", "removed")


def test_a_reply_over_the_limit_is_refused_naming_the_field_and_the_limit(
    world: tuple[TestClient, dict[str, str], int],
) -> None:
    """The same limit as the item page's form (inbox.core.limits), said precisely."""
    client, tokens, item_id = world
    text = "x" * (limits.REPLY.most + 1)
    resp = _post(client, tokens["reply"], f"/api/v1/items/{item_id}/replies", {"text": text})
    assert resp.status_code == 422
    (problem,) = resp.json()["detail"]
    assert problem["loc"] == "body.text"
    assert str(limits.REPLY.most) in problem["msg"]
    with Session(client.app.state.runtime.engine) as session:  # type: ignore[attr-defined]
        assert session.exec(select(Outbound)).all() == []
