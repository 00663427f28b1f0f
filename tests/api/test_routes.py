"""The HTTP API: authentication, validation, idempotency, filters, paging, report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from inbox.actions import api_tokens
from inbox.app import create_app
from inbox.core.incoming import NewItem
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.report import build_report
from tests.api_helpers import make_token
from tests.factories import add_items, make_page

RECENT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def client(engine: Engine, database_url: str) -> Iterator[TestClient]:
    make_page(engine, "web", name="Webbformulär", channel="web")
    token = make_token(engine)
    with TestClient(create_app(Settings(database_url=database_url))) as c:
        c.headers["Authorization"] = f"Bearer {token}"
        yield c


def item_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "page": "web",
        "external_id": "form-1",
        "received_at": RECENT.isoformat(),
        "text": "Hej! När öppnar <b>simhallen</b>?",
        "author": "Åsa Öberg",
    }
    body.update(overrides)
    return body


def test_every_route_needs_a_token(client: TestClient) -> None:
    routes = [
        ("GET", "/api/v1/items"),
        ("POST", "/api/v1/items"),
        ("GET", "/api/v1/items/1"),
        ("POST", "/api/v1/items/1/responses"),
        ("GET", "/api/v1/report?from=2026-01-01&to=2026-02-01"),
        ("GET", "/api/v1/openapi.json"),
    ]
    for auth in (None, "Bearer wrong", "Basic dXNlcjpwdw==", "Bearer", "Bearer a b"):
        headers = {} if auth is None else {"Authorization": auth}
        for method, path in routes:
            client.headers.pop("Authorization", None)
            resp = client.request(method, path, headers=headers, json=item_body())
            assert resp.status_code == 401, (method, path, auth)
            assert resp.headers["www-authenticate"].startswith("Bearer")
            assert resp.json()["error"] == "unauthorized"


def test_a_revoked_token_is_refused(engine: Engine, client: TestClient) -> None:
    assert client.get("/api/v1/items").status_code == 200
    with session_scope(engine) as session:
        api_tokens.revoke_api_token(session, name="forms", actor="test", now=datetime.now(UTC))
    resp = client.get("/api/v1/items")
    assert resp.status_code == 401
    assert 'error="invalid_token"' in resp.headers["www-authenticate"]


def test_post_item_creates_once_and_repeats_return_the_same_item(client: TestClient) -> None:
    first = client.post("/api/v1/items", json=item_body())
    assert first.status_code == 201, first.text
    item = first.json()
    assert item["page"] == "web"
    assert item["channel"] == "web"
    assert item["text"] == "Hej! När öppnar <b>simhallen</b>?"
    assert item["author"] == "Åsa Öberg"
    assert item["status"] == "open"
    assert item["sla_state"] in ("ok", "at_risk")
    assert datetime.fromisoformat(item["received_at"]) == RECENT
    assert first.headers["location"] == f"/api/v1/items/{item['id']}"
    again = client.post("/api/v1/items", json=item_body(text="changed"))
    assert again.status_code == 200
    assert again.json() == item
    assert client.get(f"/api/v1/items/{item['id']}").json() == {**item, "outbound": []}
    listed = client.get("/api/v1/items").json()["items"]
    assert [i["id"] for i in listed] == [item["id"]]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"page": None}, "body.page"),
        ({"external_id": ""}, "body.external_id"),
        ({"received_at": "2026-11-17T10:00:00"}, "body.received_at"),
        ({"received_at": "igår"}, "body.received_at"),
        ({"received_at": 1763370000}, "body.received_at"),
        ({"received_at": "1900-01-01T00:00:00Z"}, "body.received_at"),
        ({"text": "a\x00b"}, "body.text"),
        ({"channel": "fax"}, "body.channel"),
        ({"kind": "letter"}, "body.kind"),
        ({"external_id": "x" * 256}, "body.external_id"),
        ({"surprise": 1}, "body.surprise"),
    ],
)
def test_post_item_validation_names_the_field(
    client: TestClient, change: dict[str, Any], loc: str
) -> None:
    body = item_body(**change)
    if change.get("page", "") is None:
        del body["page"]
    resp = client.post("/api/v1/items", json=body)
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"] == "invalid_request"
    assert loc in [e["loc"] for e in resp.json()["detail"]]


def test_unknown_page_is_named(client: TestClient) -> None:
    resp = client.post("/api/v1/items", json=item_body(page="nope"))
    assert resp.status_code == 422
    assert resp.json()["detail"] == [{"loc": "body.page", "msg": "unknown page 'nope'"}]


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"[1, 2]", b"\xff\xfe", b'"text"', b'{"text": "\\ud800"}']
)
def test_malformed_bodies_are_400_or_422(client: TestClient, raw: bytes) -> None:
    resp = client.post("/api/v1/items", content=raw, headers={"Content-Type": "application/json"})
    assert resp.status_code in (400, 422), resp.text
    assert resp.json()["error"] in ("invalid_json", "invalid_request")


def test_a_body_over_one_mebibyte_is_413(client: TestClient) -> None:
    body = json.dumps(item_body(text="å" * (600 * 1024))).encode()
    assert len(body) > 1024 * 1024
    resp = client.post("/api/v1/items", content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 413
    assert resp.json()["error"] == "too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
        yield body[: 512 * 1024]
        yield body[512 * 1024 :]

    resp = client.post("/api/v1/items", content=chunks())
    assert resp.status_code == 413


def test_record_a_response_given_elsewhere(client: TestClient) -> None:
    item = client.post("/api/v1/items", json=item_body()).json()
    sent = RECENT + timedelta(minutes=30)
    resp = client.post(
        f"/api/v1/items/{item['id']}/responses",
        json={"sent_at": sent.isoformat(), "author": "Kim", "text": "Klockan 7."},
    )
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert out["source"] == "api"
    assert out["author"] == "Kim"
    assert datetime.fromisoformat(out["item"]["first_response_at"]) == sent
    assert out["item"]["sla_state"] == "met"


def test_response_errors(client: TestClient) -> None:
    item = client.post("/api/v1/items", json=item_body()).json()
    url = f"/api/v1/items/{item['id']}/responses"
    early = (RECENT - timedelta(hours=1)).isoformat()
    resp = client.post(url, json={"sent_at": early, "author": "Kim"})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == "body.sent_at"
    resp = client.post(url, json={"sent_at": RECENT.isoformat()})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == "body.author"
    ok = {"sent_at": RECENT.isoformat(), "author": "Kim"}
    for bad in ("999999", "99999999999999999999", "abc", "0", "-1"):
        resp = client.post(f"/api/v1/items/{bad}/responses", json=ok)
        assert resp.status_code == 404, bad
        assert resp.json()["error"] == "not_found"


def test_unknown_routes_and_methods_answer_json(client: TestClient) -> None:
    resp = client.get("/api/v1/nothing")
    assert resp.status_code == 404
    assert resp.json()["error"] == "not_found"
    resp = client.delete("/api/v1/items")
    assert resp.status_code == 405
    assert resp.json()["error"] == "method_not_allowed"


def test_list_filters_and_paging(engine: Engine, client: TestClient) -> None:
    make_page(engine, "fb")
    base = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    add_items(
        engine,
        *(
            NewItem(page="web", external_id=f"w{i}", received_at=base + timedelta(hours=i), text="")
            for i in range(7)
        ),
        NewItem(page="fb", external_id="f1", received_at=base, text=""),
        NewItem(
            page="fb",
            external_id="f2",
            received_at=base,
            text="",
            first_response_at=base + timedelta(hours=1),
        ),
    )
    seen: list[str] = []
    url: str | None = "/api/v1/items?page=web&limit=3"
    while url:
        body = client.get(url).json()
        seen += [i["external_id"] for i in body["items"]]
        assert len(body["items"]) <= 3
        url = body["next"]
    assert seen == [f"w{i}" for i in range(7)]

    def ids(query: str) -> list[str]:
        resp = client.get(f"/api/v1/items?{query}")
        assert resp.status_code == 200, resp.text
        return sorted(i["external_id"] for i in resp.json()["items"])

    assert ids("page=fb&status=closed") == ["f2"]
    assert ids("page=fb&sla_state=met") == ["f2"]
    assert ids("page=fb&sla_state=breached") == ["f1"]
    assert ids("received_from=2026-03-02T10:00:00Z&received_to=2026-03-02T12:00:00%2B00:00") == [
        "w1",
        "w2",
    ]
    assert ids("department=none") == []
    for query, loc in [
        ("limit=201", "query.limit"),
        ("limit=0", "query.limit"),
        ("status=gone", "query.status"),
        ("page=nope", "query.page"),
        ("cursor=%%%", "query.cursor"),
        ("cursor=bm9wZQ", "query.cursor"),
        ("received_from=2026-03-02", "query.received_from"),
    ]:
        resp = client.get(f"/api/v1/items?{query}")
        assert resp.status_code == 422, query
        assert resp.json()["detail"][0]["loc"] == loc


def test_report_is_the_cli_json(engine: Engine, client: TestClient) -> None:
    base = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    add_items(
        engine,
        NewItem(page="web", external_id="a", received_at=base, text=""),
        NewItem(
            page="web",
            external_id="b",
            received_at=base,
            text="",
            first_response_at=base + timedelta(minutes=42),
        ),
    )
    as_of = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    resp = client.get(
        "/api/v1/report",
        params={"from": "2026-03-01", "to": "2026-03-08", "as_of": as_of.isoformat()},
    )
    assert resp.status_code == 200, resp.text
    with engine.connect() as conn:
        expected = build_report(
            conn,
            start=datetime(2026, 3, 1).date(),
            end=datetime(2026, 3, 8).date(),
            as_of=as_of,
        ).as_json()
    assert resp.json() == json.loads(json.dumps(expected))
    assert resp.json()["total"]["responded"] == 1
    only = client.get("/api/v1/report?from=2026-03-01&to=2026-03-08&page=web&page=web")
    assert [p["page"] for p in only.json()["pages"]] == ["web"]
    for query, loc in [
        ("from=2026-03-08&to=2026-03-01", "query.to"),
        ("from=2026-03-01", "query.to"),
        ("from=2026-03-01&to=2026-03-08&page=nope", "query.page"),
        ("from=0001-01-01&to=2026-03-08", "query.from"),
        ("from=2026-03-01&to=2026-03-08&as_of=soon", "query.as_of"),
    ]:
        resp = client.get(f"/api/v1/report?{query}")
        assert resp.status_code == 422, query
        assert resp.json()["detail"][0]["loc"] == loc


def test_openapi_document_describes_the_routes(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert set(doc["paths"]) == {
        "/api/v1/items",
        "/api/v1/items/{item_id}",
        "/api/v1/items/{item_id}/responses",
        "/api/v1/items/{item_id}/replies",
        "/api/v1/items/{item_id}/moderation",
        "/api/v1/report",
        "/api/v1/openapi.json",
    }


def test_a_cursor_beyond_any_item_id_is_refused(client: TestClient) -> None:
    import base64

    from inbox.api.routes import encode_cursor

    too_far = base64.urlsafe_b64encode(b"1700000000000000.1099511627776").decode().rstrip("=")
    for cursor in (too_far, encode_cursor((RECENT, 2**31))):
        resp = client.get(f"/api/v1/items?cursor={cursor}")
        assert resp.status_code == 422, cursor
        assert resp.json()["detail"][0]["loc"] == "query.cursor"
    last = encode_cursor((RECENT, 2**31 - 1))
    assert client.get(f"/api/v1/items?cursor={last}").status_code == 200


@pytest.mark.parametrize(
    "received_at",
    ["0001-01-01T00:00:00+00:00", "1999-12-31T23:59:59Z", "5138-11-16T09:46:39Z", "future"],
)
def test_implausible_timestamps_are_refused(client: TestClient, received_at: str) -> None:
    if received_at == "future":
        received_at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    resp = client.post("/api/v1/items", json=item_body(received_at=received_at))
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == "body.received_at"
    assert client.get("/api/v1/items").json()["items"] == []


def test_a_response_dated_in_the_future_is_refused(client: TestClient) -> None:
    item = client.post("/api/v1/items", json=item_body()).json()
    ahead = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    resp = client.post(
        f"/api/v1/items/{item['id']}/responses", json={"sent_at": ahead, "author": "Kim"}
    )
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == "body.sent_at"
    assert client.get(f"/api/v1/items/{item['id']}").json()["first_response_at"] is None
