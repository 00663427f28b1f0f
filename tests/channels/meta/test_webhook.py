"""Meta webhooks end to end: signed HTTP deliveries, storage, processing into items."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from inbox.actions.meta_intake import list_deliveries, retry_unknown_pages
from inbox.app import create_app
from inbox.channels.meta import processor
from inbox.channels.meta.parse import parse_delivery
from inbox.channels.meta.signature import expected_signature
from inbox.settings import Settings
from inbox.store.models import Delivery, Event, Item, PendingEvent, PlatformResponse, Post, Response
from tests.factories import make_page

SECRET = "test-app-secret"
TOKEN = "verify-me"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PAGE = "111"  # platform id of the test page


def fixtures_dir() -> Path | None:
    """``shared/fixtures/meta`` beside the checkout, wherever the checkout sits."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "fixtures" / "meta"
        if candidate.is_dir():
            return candidate
    return None


FIXTURES = fixtures_dir()


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        meta_app_secret=SECRET,
        meta_verify_token=TOKEN,
        process_deliveries=False,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def post(client: TestClient, body: bytes, *, secret: str = SECRET, **headers: str) -> Any:
    sent = {"X-Hub-Signature-256": expected_signature(body, secret), **headers}
    return client.post("/webhooks/meta", content=body, headers=sent)


def process(engine: Engine) -> int:
    total = 0
    while done := processor.process_pending(engine, now=NOW):
        total += done
    return total


def items(engine: Engine) -> list[Item]:
    with Session(engine) as session:
        return list(session.exec(select(Item).order_by(Item.id)).all())


def deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(Delivery.id)).all())


def count(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(sa.func.count()).select_from(model)).one())


def feed(page: str, *values: dict[str, Any], time: int = 1_700_000_000) -> bytes:
    changes = [{"field": "feed", "value": v} for v in values]
    doc = {"object": "page", "entry": [{"id": page, "time": time, "changes": changes}]}
    return json.dumps(doc).encode()


def comment(
    cid: str, *, verb: str = "add", at: int = 1_700_000_000, **extra: Any
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "item": "comment",
        "verb": verb,
        "comment_id": cid,
        "post_id": f"{PAGE}_post1",
        "parent_id": f"{PAGE}_post1",
        "created_time": at,
        "from": {"id": "u1", "name": "Anna"},
        "message": f"text of {cid}",
    }
    value.update(extra)
    return value


def messages(page: str, *events: dict[str, Any]) -> bytes:
    doc = {"object": "page", "entry": [{"id": page, "time": 1, "messaging": list(events)}]}
    return json.dumps(doc).encode()


def dm(
    mid: str, ms: int, *, user: str = "u9", echo: bool = False, text: str = "hej"
) -> dict[str, Any]:
    sender, recipient = (PAGE, user) if echo else (user, PAGE)
    message: dict[str, Any] = {"mid": mid, "text": text}
    if echo:
        message["is_echo"] = True
    return {
        "sender": {"id": sender},
        "recipient": {"id": recipient},
        "timestamp": ms,
        "message": message,
    }


# --- handshake -------------------------------------------------------------------------


def test_handshake_returns_the_challenge_as_plain_text(client: TestClient) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "1158201444"}
    answer = client.get("/webhooks/meta", params=query)
    assert answer.status_code == 200
    assert answer.text == "1158201444"
    assert answer.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_handshake_refused(client: TestClient, query: dict[str, str]) -> None:
    assert client.get("/webhooks/meta", params=query).status_code == 403


def test_handshake_refused_when_no_token_is_configured(database_url: str) -> None:
    with TestClient(create_app(Settings(database_url=database_url))) as test_client:
        query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
        assert test_client.get("/webhooks/meta", params=query).status_code == 403


# --- signatures and bad input ------------------------------------------------------------


def test_wrong_or_missing_signature_is_401_and_stores_nothing(
    client: TestClient, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    body = feed(PAGE, comment("c1"))
    assert post(client, body, secret="not-the-secret").status_code == 401
    assert client.post("/webhooks/meta", content=body).status_code == 401
    bad = {"X-Hub-Signature-256": "sha256=" + "0" * 64}
    assert client.post("/webhooks/meta", content=body, headers=bad).status_code == 401
    process(engine)
    assert deliveries(engine) == []
    assert items(engine) == []
    assert "signature" in caplog.text


def test_unset_app_secret_refuses_every_delivery(database_url: str, engine: Engine) -> None:
    with TestClient(create_app(Settings(database_url=database_url))) as test_client:
        body = feed(PAGE, comment("c1"))
        assert post(test_client, body, secret="").status_code == 401
    assert deliveries(engine) == []


@pytest.mark.skipif(FIXTURES is None, reason="shared/fixtures/meta not present")
def test_escaped_unicode_vector_from_the_fixtures_readme(database_url: str, engine: Engine) -> None:
    assert FIXTURES is not None
    secret = "e6af24be1d683c8c911949f897eea1f6"
    raw = (FIXTURES / "messenger-signed-escaped-unicode.body.json").read_bytes()
    header = "sha256=7f202c12ba7dbbd1cb23d8a1b4af648fe22ea04456c0a926fcf8cb4e6da31ab4"
    reserialised = json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False).encode()
    assert reserialised != raw
    make_page(engine, "msg", channel="messenger", platform_id="1751036168465324")
    settings = Settings(database_url=database_url, meta_app_secret=secret, process_deliveries=False)
    with TestClient(create_app(settings)) as test_client:
        sent = test_client.post(
            "/webhooks/meta", content=raw, headers={"X-Hub-Signature-256": header}
        )
        forged = test_client.post(
            "/webhooks/meta", content=reserialised, headers={"X-Hub-Signature-256": header}
        )
    assert sent.status_code == 200
    assert forged.status_code == 401
    stored = deliveries(engine)
    assert len(stored) == 1
    assert stored[0].body == raw
    process(engine)
    (item,) = items(engine)
    assert item.text == "Test äëï"
    assert item.kind == "private_message"
    assert item.channel == "messenger"
    assert item.received_at == datetime.fromtimestamp(1460923697.635, UTC)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "malformed JSON"),
        (b'{"object": "whatsapp", "entry": []}', "object"),
        (b'{"object": "page", "entry": [{"id": "1"}]}', "neither changes nor messaging"),
    ],
)
def test_malformed_or_unknown_shape_is_400_with_reason_and_kept(
    client: TestClient, engine: Engine, body: bytes, reason: str
) -> None:
    answer = post(client, body)
    assert answer.status_code == 400
    assert reason in answer.text
    (stored,) = deliveries(engine)
    assert stored.status == "failed"
    assert stored.body == body
    assert reason in (stored.error or "")
    assert process(engine) == 0


def test_body_over_one_mebibyte_is_413(client: TestClient, engine: Engine) -> None:
    body = b'{"object":"page","entry":[],"pad":"' + b"x" * (1024 * 1024) + b'"}'
    assert post(client, body).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while reading
        for _ in range(20):
            yield b"x" * 65536

    sent = client.post(
        "/webhooks/meta", content=chunks(), headers={"X-Hub-Signature-256": "sha256=" + "0" * 64}
    )
    assert sent.status_code == 413
    assert deliveries(engine) == []


# --- processing ------------------------------------------------------------------------------


def test_comment_becomes_one_item_timed_from_the_platform(
    client: TestClient, engine: Engine
) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    body = feed(PAGE, comment("c1", at=1_700_000_000))
    answer = post(client, body)
    assert answer.status_code == 200
    assert deliveries(engine)[0].status == "pending"
    assert process(engine) == 1
    (item,) = items(engine)
    assert item.external_id == "c1"
    assert item.received_at == datetime.fromtimestamp(1_700_000_000, UTC)
    assert item.author == "Anna"
    assert item.post_id == f"{PAGE}_post1"
    (stored,) = deliveries(engine)
    assert stored.status == "processed"
    assert stored.attempts == 1
    assert stored.processed_at == NOW
    assert count(engine, Post) == 1  # a stub for the post the comment sits under


def test_redelivery_out_of_order_and_edit_after_remove(client: TestClient, engine: Engine) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    add = feed(PAGE, comment("c1", at=1_700_000_100))
    edit = feed(PAGE, comment("c1", verb="edited", at=1_700_000_300, message="edited text"))
    remove = feed(PAGE, comment("c1", verb="remove", at=1_700_000_200))
    for body in (edit, add, remove, add, edit, remove):
        assert post(client, body).status_code == 200
    process(engine)
    (item,) = items(engine)
    assert item.status == "closed"
    assert item.resolution == "removed"
    assert item.text == "edited text"  # the edit holds, but does not revive it
    late_edit = feed(PAGE, comment("c1", verb="edited", at=1_700_000_400, message="again"))
    post(client, late_edit)
    process(engine)
    (item,) = items(engine)
    assert item.status == "closed"
    assert item.resolution == "removed"
    assert count(engine, PendingEvent) == 0


def test_edits_apply_newest_last_whatever_the_arrival_order(
    client: TestClient, engine: Engine
) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    post(client, feed(PAGE, comment("c1", at=1_700_000_100)))
    post(client, feed(PAGE, comment("c1", verb="edited", at=1_700_000_300, message="second")))
    post(client, feed(PAGE, comment("c1", verb="edited", at=1_700_000_200, message="first")))
    process(engine)
    assert items(engine)[0].text == "second"


def test_hide_and_unhide(client: TestClient, engine: Engine) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    post(client, feed(PAGE, comment("c1", at=1_700_000_100)))
    post(client, feed(PAGE, comment("c1", verb="hide", at=1_700_000_200)))
    process(engine)
    assert (items(engine)[0].status, items(engine)[0].resolution) == ("closed", "removed")
    post(client, feed(PAGE, comment("c1", verb="unhide", at=1_700_000_300)))
    process(engine)
    assert (items(engine)[0].status, items(engine)[0].resolution) == ("open", None)


def test_page_reply_sets_first_response_even_before_the_item(
    client: TestClient, engine: Engine
) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    reply = comment(
        "r1", at=1_700_000_600, parent_id="c1", **{"from": {"id": PAGE, "name": "Kommunen"}}
    )
    post(client, feed(PAGE, reply))
    process(engine)
    assert items(engine) == []
    assert count(engine, PlatformResponse) == 1
    post(client, feed(PAGE, comment("c1", at=1_700_000_000)))
    post(client, feed(PAGE, reply))  # redelivered: no second response
    process(engine)
    (item,) = items(engine)
    assert item.first_response_at == datetime.fromtimestamp(1_700_000_600, UTC)
    assert item.response_minutes == pytest.approx(10)
    assert item.status == "closed"
    with Session(engine) as session:
        (response,) = session.exec(select(Response)).all()
    assert response.source == "platform"
    assert response.external_id == "r1"


def test_page_reply_after_the_item(client: TestClient, engine: Engine) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    post(client, feed(PAGE, comment("c1", at=1_700_000_000)))
    process(engine)
    reply = comment("r1", at=1_700_003_600, parent_id="c1", **{"from": {"id": PAGE}})
    post(client, feed(PAGE, reply))
    process(engine)
    (item,) = items(engine)
    assert item.response_minutes == pytest.approx(60)


def test_messenger_echo_answers_the_waiting_messages_of_the_conversation(
    client: TestClient, engine: Engine
) -> None:
    make_page(engine, "msg", channel="messenger", platform_id=PAGE)
    post(client, messages(PAGE, dm("m1", 1_700_000_000_000), dm("m2", 1_700_000_060_000)))
    post(client, messages(PAGE, dm("m2", 1_700_000_060_000, user="other")))  # another person
    post(client, messages(PAGE, dm("e1", 1_700_000_120_000, echo=True)))
    post(client, messages(PAGE, dm("m3", 1_700_000_180_000)))  # after the echo: still waiting
    process(engine)
    by_id = {i.external_id: i for i in items(engine)}
    assert set(by_id) == {"m1", "m2", "m3"}  # "m2" from another person is the same mid
    assert by_id["m1"].first_response_at == datetime.fromtimestamp(1_700_000_120, UTC)
    assert by_id["m2"].first_response_at == datetime.fromtimestamp(1_700_000_120, UTC)
    assert by_id["m3"].first_response_at is None


def test_echo_before_the_message_still_answers_it(client: TestClient, engine: Engine) -> None:
    make_page(engine, "msg", channel="messenger", platform_id=PAGE)
    post(client, messages(PAGE, dm("e1", 1_700_000_120_000, echo=True)))
    process(engine)
    post(client, messages(PAGE, dm("m1", 1_700_000_000_000)))
    process(engine)
    (item,) = items(engine)
    assert item.first_response_at == datetime.fromtimestamp(1_700_000_120, UTC)


def test_posts_are_stored_and_stubs_filled_in(client: TestClient, engine: Engine) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    post(client, feed(PAGE, comment("c1")))
    status = {
        "item": "status",
        "verb": "add",
        "post_id": f"{PAGE}_post1",
        "created_time": 1_699_999_000,
        "from": {"id": PAGE, "name": "Kommunen"},
        "message": "Välkommen!",
    }
    post(client, feed(PAGE, status))
    process(engine)
    with Session(engine) as session:
        (stored,) = session.exec(select(Post)).all()
    assert stored.text == "Välkommen!"
    assert stored.published_at == datetime.fromtimestamp(1_699_999_000, UTC)


def test_missing_author_or_text_is_kept_and_flagged_for_fetch(
    client: TestClient, engine: Engine
) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    value = comment("c1")
    del value["from"], value["message"]
    post(client, feed(PAGE, value))
    process(engine)
    (item,) = items(engine)
    assert "needs_fetch" in item.flags.split()


def test_unknown_page_is_stored_flagged_and_retried_once_the_page_exists(
    client: TestClient, engine: Engine
) -> None:
    assert post(client, feed("999", comment("c1"))).status_code == 200
    process(engine)
    (stored,) = deliveries(engine)
    assert stored.status == "unknown_page"
    assert "999" in (stored.error or "")
    with engine.connect() as conn:
        assert [d["id"] for d in list_deliveries(conn, status="unknown_page")] == [stored.id]
    assert items(engine) == []
    make_page(engine, "fb", platform_id="999")
    with engine.begin() as conn:
        assert retry_unknown_pages(conn) == 1
    process(engine)
    assert len(items(engine)) == 1
    assert deliveries(engine)[0].status == "processed"


def test_one_delivery_with_many_entries_and_events(client: TestClient, engine: Engine) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    make_page(engine, "ig", channel="instagram", platform_id="222")
    doc = {
        "object": "page",
        "entry": [
            {
                "id": PAGE,
                "time": 1,
                "changes": [
                    {"field": "feed", "value": comment("a")},
                    {"field": "feed", "value": comment("b")},
                ],
            },
            {"id": int(PAGE), "time": 1, "changes": [{"field": "feed", "value": comment("c")}]},
        ],
    }
    post(client, json.dumps(doc).encode())
    process(engine)
    assert sorted(i.external_id for i in items(engine)) == ["a", "b", "c"]


def test_background_processor_in_the_web_process(database_url: str, engine: Engine) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    settings = Settings(database_url=database_url, meta_app_secret=SECRET)
    with TestClient(create_app(settings)) as test_client:
        assert post(test_client, feed(PAGE, comment("c1"))).status_code == 200
        deadline = time.monotonic() + 10
        while not items(engine) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(items(engine)) == 1
    with Session(engine) as session:
        assert session.exec(select(Event).where(Event.kind == "page_added")).first() is not None


# --- conformance: the real payloads in shared/fixtures/meta ---------------------------------

OWN_PAGE = "137542570280111"  # the page id of the bottender fixtures

# file -> (page platform id, channel, expected items as (external_id, kind, channel, text),
#          expected platform responses)
EXPECTED: dict[str, tuple[str, list[tuple[str, str, str, str]], int]] = {
    "fb-feed-comment-hide.json": ("1234567890321", [], 0),
    "fb-feed-comment-remove.json": ("1234567890321", [], 0),
    "fb-feed-reaction-on-comment.json": ("1234567890321", [], 0),
    "fb-feed-comment-reply-by-user.change.json": (
        OWN_PAGE,
        [("139560936744456_139620233405726", "reply", "facebook", "Good")],
        0,
    ),
    "fb-feed-page-own-reply.change.json": (OWN_PAGE, [], 1),
    "ig-comment.json": ("0", [("123456789", "reply", "instagram", "This is an example.")], 0),
    "ig-dm-unsupported-attachment.json": (
        "17841452691600098",
        [
            (
                "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDUyNjkxNjAwMDk4OjM0MDI4MjM2Njg0MTcxMDMwMDk0"
                "OTEyODUyNTYwOTEwODQ0ODU4MjozMDc2OTU4MTA5OTY0OTI5MzAzMjAwODc1MDUxMTE2MTM0NAZDZD",
                "private_message",
                "instagram",
                "",
            )
        ],
        0,
    ),
    "messenger-batch-same-page.json": (
        "1895382890692545",
        [
            ("mid.1486464322190:cb04e5a654", "private_message", "messenger", "test 1"),
            ("mid.1486464322190:cb04e5a656", "private_message", "messenger", "test 2"),
        ],
        0,
    ),
    "messenger-echo.json": ("1691462197845448", [], 1),
    "messenger-signed-escaped-unicode.body.json": (
        "1751036168465324",
        [("mid.1460923697625:5c96e8279b55505308", "private_message", "messenger", "Test äëï")],
        0,
    ),
}


def _fixture_body(path: Path, page: str) -> bytes:
    raw = path.read_bytes()
    if path.name.endswith(".change.json"):
        # As the README says: wrap one changes[] element in a full envelope.
        head = '{"object":"page","entry":[{"id":"' + page + '","time":1511951015,"changes":['
        return head.encode() + raw + b"]}]}"
    return raw


def _fixture_files() -> list[str]:
    return sorted(p.name for p in FIXTURES.glob("*.json")) if FIXTURES else []


@pytest.mark.skipif(FIXTURES is None, reason="shared/fixtures/meta not present")
@pytest.mark.parametrize("name", _fixture_files())
def test_conformance_with_the_shared_meta_fixtures(
    client: TestClient, engine: Engine, name: str
) -> None:
    assert FIXTURES is not None
    page, expected_items, expected_responses = EXPECTED.get(name, (None, None, None))  # type: ignore[assignment]
    assert page is not None, f"{name}: new fixture, add its expectations to EXPECTED"
    make_page(engine, "p", platform_id=page)
    body = _fixture_body(FIXTURES / name, page)
    assert post(client, body).status_code == 200
    assert post(client, body).status_code == 200  # redelivered
    process(engine)
    assert [d.status for d in deliveries(engine)] == ["processed", "processed"]
    got = [(i.external_id, i.kind, i.channel, i.text) for i in items(engine)]
    assert got == expected_items
    assert count(engine, PlatformResponse) == expected_responses


@pytest.mark.skipif(FIXTURES is None, reason="shared/fixtures/meta not present")
def test_conformance_page_reply_answers_the_users_comment(
    client: TestClient, engine: Engine
) -> None:
    """The two bottender changes, with the page's reply aimed at the user's comment."""
    assert FIXTURES is not None
    make_page(engine, "p", platform_id=OWN_PAGE)
    user = json.loads((FIXTURES / "fb-feed-comment-reply-by-user.change.json").read_bytes())
    own = json.loads((FIXTURES / "fb-feed-page-own-reply.change.json").read_bytes())
    own["value"]["parent_id"] = user["value"]["comment_id"]
    own["value"]["post_id"] = user["value"]["post_id"]
    doc = {"object": "page", "entry": [{"id": OWN_PAGE, "time": 1, "changes": [own, user]}]}
    post(client, json.dumps(doc).encode())
    process(engine)
    (item,) = items(engine)
    assert item.first_response_at == datetime.fromtimestamp(1512121727, UTC)
    assert item.received_at == datetime.fromtimestamp(1511951015, UTC)


def test_an_event_dated_in_year_5138_is_ignored_and_the_others_kept(
    engine: Engine, client: TestClient
) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    body = feed(
        PAGE, comment("c1", at=99_999_999_999), comment("c2", at=1_700_000_000), time=1_700_000_000
    )
    assert post(client, body).status_code == 200
    process(engine)
    (item,) = items(engine)
    assert item.external_id.endswith("c2")
    events = parse_delivery(body, now=NOW)
    assert [e.action for e in events] == ["ignored", events[1].action]
    assert events[0].reason == "value.created_time is in the future"
    floor = parse_delivery(feed(PAGE, comment("c3", at=1)), now=NOW)
    assert floor[0].reason == "value.created_time is before 2000-01-01"
