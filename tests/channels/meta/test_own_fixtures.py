"""The project's own Meta webhook fixtures (``tests/data/meta``) through the real path.

Every file is posted, signed, to ``/webhooks/meta``, stored, and turned into
items by the delivery processor, exactly as a delivery from Meta would be. The
expected outcome of each file is written out below; the sequences after that
combine files the way they arrive in real life (a comment, then its edit, the
page's reply, its removal). Unlike the conformance tests on the third-party
captures, these never skip.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from inbox.app import create_app
from inbox.channels.meta.parse import parse_delivery
from inbox.settings import Settings
from inbox.store.models import Page, PendingEvent, PlatformResponse
from tests import paths
from tests.factories import NOW, make_page
from tests.meta_support import (
    count_rows,
    post_signed,
    process_all,
    stored_deliveries,
    stored_items,
)

DATA = paths.DATA / "meta"
SECRET = "3f1c9e27a4b85d60c1e2f3a4b5c6d7e8"  # the app secret of tests/data/meta/README.md
SIGNATURES = {
    "feed-comment-signed-escaped-unicode.body": (
        "sha256=dd09a56de34899db60e09553fd029315eb88efb8247e1c3a5ea71bdb5c5b13dd"
    ),
    "messenger-signed-escaped-unicode.body": (
        "sha256=3d8e80c6af13a5040d425cb70315f8235c8e1e968f3802950306b29e0f5872cb"
    ),
}

FACEBOOK, FACEBOOK_2 = "108300000000001", "108300000000002"
MESSENGER = "108300000000003"
INSTAGRAM = "17841400000000077"
# platform id -> (page key, channel)
PAGES = {
    FACEBOOK: ("fb", "facebook"),
    FACEBOOK_2: ("fb2", "facebook"),
    MESSENGER: ("msg", "messenger"),
    INSTAGRAM: ("ig", "instagram"),
}
T0 = datetime(2025, 11, 17, 12, 0, tzinfo=UTC)  # 1763380800


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


C1 = "122150000000000010_1150000000000001"  # Anna's comment, edited, removed, answered
C2 = "122150000000000010_1150000000000002"  # Bo's reply to it
C4 = "122150000000000010_1150000000000004"  # the legacy-shaped comment, later hidden
ANNA = "Hej! När öppnar vårdcentralen i morgon?"
DM_1 = "m_Qb1cR2dS3eT4fU5gV6hW7iX8jY9kZ0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2yZ3"
IG_MID = (
    "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDc3OjM0MDI4MjM2Njg0MTcxMDMw"
    "MDk0OTEyODUyNTYwOTEwODQ0ODU4MjozMDc2OTU4MTA5OTY0OTI5MzAzMjAwODc1MDUxMTE2MTM0NAZDZD"
)


class Want(NamedTuple):
    """One item as stored: what it is, who wrote it, when (UTC) and when it was answered."""

    page: str
    external_id: str
    kind: str
    channel: str
    author: str
    author_id: str
    text: str
    received_at: datetime
    first_response_at: datetime | None = None


class Expect(NamedTuple):
    pages: tuple[str, ...]  # platform ids the delivery is for
    actions: tuple[str, ...]  # the parsed events, in delivery order
    items: tuple[Want, ...] = ()
    responses: int = 0  # the page's own replies and echoes, stored
    held: int = 0  # changes waiting for an item not seen yet


EXPECTED: dict[str, Expect] = {
    "feed-comment-add.json": Expect(
        (FACEBOOK,),
        ("item",),
        (Want("fb", C1, "comment", "facebook", "Anna Lind", "6150000000000001", ANNA, at(0)),),
    ),
    "feed-comment-reply.json": Expect(
        (FACEBOOK,),
        ("item",),
        (
            Want(
                "fb", C2, "reply", "facebook", "Bo Ek", "6150000000000002",
                "Jag undrar samma sak.", at(300),
            ),
        ),
    ),
    "feed-page-own-reply.json": Expect((FACEBOOK,), ("page_response",), responses=1),
    "feed-comment-edited.json": Expect((FACEBOOK,), ("edit",), held=1),
    "feed-comment-edit.json": Expect((FACEBOOK,), ("edit",), held=1),
    "feed-comment-remove.json": Expect((FACEBOOK,), ("remove",), held=1),
    "feed-comment-legacy-sender-id.json": Expect(
        (FACEBOOK,),
        ("item",),
        (
            Want(
                "fb", C4, "comment", "facebook", "Cecilia Berg", "6150000000000004",
                "Finns det parkering vid entrén?", at(1200),
            ),
        ),
    ),
    "feed-comment-hide-legacy-sender-id.json": Expect((FACEBOOK,), ("hide",), held=1),
    "feed-ids-as-numbers.json": Expect(
        (FACEBOOK,),
        ("item", "page_response"),
        (
            Want(
                "fb", "122150000000000011_1150000000000005", "comment", "facebook",
                "David Holm", "6150000000000005", "Hur ansöker jag om färdtjänst?", at(1800),
                first_response_at=at(2400),
            ),
        ),
        responses=1,
    ),
    "feed-batch-several-entries.json": Expect(
        (FACEBOOK, FACEBOOK_2),
        ("item", "ignored", "item", "item", "item"),
        (
            Want(
                "fb", "122150000000000012_1150000000000007", "comment", "facebook", "Eva Sund",
                "6150000000000007", "Blir det någon vaccination i Ekby i år?", at(3000),
            ),
            Want(
                "fb", "122150000000000012_1150000000000008", "reply", "facebook", "Frida Ås",
                "6150000000000008", "Ja, i december!", at(3060),
            ),
            Want(
                "fb", "122150000000000012_1150000000000009", "comment", "facebook",
                "Gustav Ek", "6150000000000009", "Var då?", at(3120),
            ),
            Want(
                "fb2", "122160000000000001_1160000000000001", "comment", "facebook",
                "Hanna Lund", "6150000000000010", "Gäller det här även Västby?", at(3180),
            ),
        ),
    ),
    "feed-comment-signed-escaped-unicode.body": Expect(
        (FACEBOOK,),
        ("item",),
        (
            Want(
                "fb", "122150000000000010_1150000000000011", "comment", "facebook",
                "Åsa Öberg", "6150000000000011", "Tack för svaret – äntligen! ❤️", at(7200),
            ),
        ),
    ),
    "messenger-text.json": Expect(
        (MESSENGER,),
        ("item",),
        (
            Want(
                "msg", DM_1, "private_message", "messenger", "", "7250000000000001",
                "Hej! Kan jag boka om min tid på måndag?", at(0.25),
            ),
        ),
    ),
    "messenger-echo.json": Expect((MESSENGER,), ("page_response",), responses=1),
    "messenger-batch-several-entries.json": Expect(
        (MESSENGER,),
        ("item", "item", "ignored", "ignored", "page_response", "item"),
        (
            Want(
                "msg", "m_Batch1" + "a" * 63, "private_message", "messenger", "",
                "7250000000000001", "En fråga till:", at(1000), first_response_at=at(1090),
            ),
            Want(
                "msg", "m_Batch2" + "b" * 63, "private_message", "messenger", "",
                "7250000000000001", "Måste jag ta med remissen?", at(1030),
                first_response_at=at(1090),
            ),
            Want(
                "msg", "m_Batch4" + "d" * 64, "private_message", "messenger", "",
                "7250000000000002", "Hej, är det kö idag?", at(1120),
            ),
        ),
        responses=1,
    ),
    "messenger-signed-escaped-unicode.body": Expect(
        (MESSENGER,),
        ("item", "item"),
        (
            Want(
                "msg", "m_Esc1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1uV2wX3yZ4aB5cD6eF7gH8iJ9kL0mN1oP2qR3",
                "private_message", "messenger", "", "7250000000000003",
                "Hej! Är ni öppna på lördag? 🙂", at(3600.567),
            ),
            Want(
                "msg", "m_Esc2aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1uV2wX3yZ4aB5cD6eF7gH8iJ9kL0mN1oP2qR3",
                "private_message", "messenger", "", "7250000000000003", "", at(3601.234),
            ),
        ),
    ),
    "ig-comment.json": Expect(
        (INSTAGRAM,),
        ("item",),
        (
            Want(
                "ig", "18040000000000001", "comment", "instagram", "anna.lind",
                "5830000000000001", "Så fin bild! 😍", at(5400),
            ),
        ),
    ),
    "ig-comment-reply-and-own-reply.json": Expect(
        (INSTAGRAM,),
        ("item", "page_response"),
        (
            Want(
                "ig", "18040000000000002", "reply", "instagram", "bo.ek", "5830000000000002",
                "Håller med!", at(7200),
            ),
        ),
        responses=1,
    ),
    "ig-dm.json": Expect(
        (INSTAGRAM,),
        ("item",),
        (
            Want(
                "ig", IG_MID, "private_message", "instagram", "", "6930000000000001",
                "Hej! Hur anmäler jag mig till kursen?", at(9000.456),
            ),
        ),
    ),
    "ig-dm-echo.json": Expect((INSTAGRAM,), ("page_response",), responses=1),
}  # fmt: skip


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        meta_app_secret=SECRET,
        meta_verify_token="own-fixtures",
        process_deliveries=False,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def fixture_names() -> list[str]:
    return sorted(p.name for p in DATA.iterdir() if p.suffix in (".json", ".body"))


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def add_pages(engine: Engine, *platform_ids: str) -> None:
    for platform_id in platform_ids:
        key, channel = PAGES[platform_id]
        make_page(engine, key, channel=channel, platform_id=platform_id)


def deliver(client: TestClient, engine: Engine, *names: str) -> None:
    """Post each file as Meta would, and process it before the next one arrives."""
    for name in names:
        answer = post_signed(client, read(name), SECRET)
        assert answer.status_code == 200, (name, answer.text)
        process_all(engine, NOW)


def got_items(engine: Engine) -> list[Want]:
    with Session(engine) as session:
        keys = {p.id: p.key for p in session.exec(select(Page)).all()}
    return [
        Want(
            keys[i.page_id], i.external_id, i.kind, i.channel, i.author, i.author_id or "",
            i.text, i.received_at, i.first_response_at,
        )
        for i in stored_items(engine)
    ]  # fmt: skip


def item(engine: Engine, external_id: str) -> Want:
    (found,) = [w for w in got_items(engine) if w.external_id == external_id]
    return found


def status(engine: Engine, external_id: str) -> tuple[str, str | None]:
    (found,) = [i for i in stored_items(engine) if i.external_id == external_id]
    return found.status, found.resolution


# --- the files, one by one --------------------------------------------------------------------


def test_every_file_has_its_expectations_and_its_line_in_the_readme() -> None:
    names = fixture_names()
    assert len(names) == len(EXPECTED) == 19
    assert set(names) == set(EXPECTED), "new fixture: add its outcome to EXPECTED"
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert [n for n in names if f"`{n}`" not in readme] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parsed_events(name: str) -> None:
    events = parse_delivery(read(name), now=NOW)
    assert tuple(e.action for e in events) == EXPECTED[name].actions
    assert {e.platform_page_id for e in events} == set(EXPECTED[name].pages)
    assert len({e.event_key for e in events}) == len(events)
    for event in events:
        assert event.created_at.tzinfo is UTC
        assert T0 <= event.created_at < T0 + timedelta(hours=3)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_delivered_twice_gives_its_items_once(
    client: TestClient, engine: Engine, name: str
) -> None:
    expected = EXPECTED[name]
    add_pages(engine, *expected.pages)
    body = read(name)
    for _ in range(2):  # Meta redelivers until it has had its 200
        answer = post_signed(client, body, SECRET)
        assert (answer.status_code, answer.text) == (200, "EVENT_RECEIVED")
    assert process_all(engine, NOW) == 2
    assert [(d.status, d.error, d.body) for d in stored_deliveries(engine)] == [
        ("processed", None, body),
        ("processed", None, body),
    ]
    got = got_items(engine)
    assert got == list(expected.items)
    assert all(w.received_at.tzinfo is not None and w.received_at.utcoffset() == timedelta(0)
               for w in got)  # fmt: skip
    assert count_rows(engine, PlatformResponse) == expected.responses
    assert count_rows(engine, PendingEvent) == expected.held


def test_echoes_and_page_replies_never_become_items(client: TestClient, engine: Engine) -> None:
    add_pages(engine, *PAGES)
    own = [n for n in sorted(EXPECTED) if "page_response" in EXPECTED[n].actions]
    assert own == [
        "feed-ids-as-numbers.json",
        "feed-page-own-reply.json",
        "ig-comment-reply-and-own-reply.json",
        "ig-dm-echo.json",
        "messenger-batch-several-entries.json",
        "messenger-echo.json",
    ]
    deliver(client, engine, *own)
    authors = {w.author_id for w in got_items(engine)}
    assert authors.isdisjoint({FACEBOOK, MESSENGER, INSTAGRAM})
    assert len(got_items(engine)) == 5  # the people's comments and messages only
    assert count_rows(engine, PlatformResponse) == 6


# --- sequences: a comment and what follows it ---------------------------------------------------


@pytest.mark.parametrize(
    "order",
    list(
        itertools.permutations(
            ["feed-comment-add.json", "feed-comment-edited.json", "feed-comment-edit.json"]
        )
    ),
)
def test_edit_and_edited_both_apply_and_the_newest_text_wins(
    client: TestClient, engine: Engine, order: tuple[str, ...]
) -> None:
    add_pages(engine, FACEBOOK)
    deliver(client, engine, *order)
    found = item(engine, C1)
    assert found.text == "Hej! När öppnar vårdcentralen på söndag?"  # the "edit" at 12:15
    assert found.received_at == at(0)  # the comment's own time, not the edit's
    assert count_rows(engine, PendingEvent) == 0


@pytest.mark.parametrize(
    "order",
    [
        ("feed-comment-add.json", "feed-comment-remove.json"),
        ("feed-comment-remove.json", "feed-comment-add.json"),
    ],
)
def test_removed_comment_is_closed_as_removed(
    client: TestClient, engine: Engine, order: tuple[str, ...]
) -> None:
    add_pages(engine, FACEBOOK)
    deliver(client, engine, *order)
    assert status(engine, C1) == ("closed", "removed")
    assert count_rows(engine, PendingEvent) == 0


def test_an_edit_after_the_removal_does_not_revive_the_comment(
    client: TestClient, engine: Engine
) -> None:
    add_pages(engine, FACEBOOK)
    deliver(client, engine, "feed-comment-add.json", "feed-comment-remove.json")
    deliver(client, engine, "feed-comment-edit.json")
    assert status(engine, C1) == ("closed", "removed")


def test_legacy_shaped_comment_hidden(client: TestClient, engine: Engine) -> None:
    add_pages(engine, FACEBOOK)
    deliver(
        client,
        engine,
        "feed-comment-legacy-sender-id.json",
        "feed-comment-hide-legacy-sender-id.json",
    )
    assert status(engine, C4) == ("closed", "removed")
    assert item(engine, C4).author == "Cecilia Berg"


@pytest.mark.parametrize(
    "order",
    list(
        itertools.permutations(
            ["feed-comment-add.json", "feed-comment-reply.json", "feed-page-own-reply.json"]
        )
    ),
)
def test_the_pages_reply_answers_the_comment_it_replies_to(
    client: TestClient, engine: Engine, order: tuple[str, ...]
) -> None:
    add_pages(engine, FACEBOOK)
    deliver(client, engine, *order)
    assert item(engine, C1).first_response_at == at(3600)
    assert item(engine, C2).first_response_at is None  # Bo's reply was not answered
    assert len(got_items(engine)) == 2


@pytest.mark.parametrize(
    ("page", "message", "echo", "answered"),
    [
        (MESSENGER, "messenger-text.json", "messenger-echo.json", at(900.123)),
        (INSTAGRAM, "ig-dm.json", "ig-dm-echo.json", at(9600)),
        (INSTAGRAM, "ig-comment.json", "ig-comment-reply-and-own-reply.json", at(7200)),
    ],
)
@pytest.mark.parametrize("echo_first", [False, True])
def test_the_accounts_own_message_answers_the_persons(
    client: TestClient,
    engine: Engine,
    page: str,
    message: str,
    echo: str,
    answered: datetime,
    echo_first: bool,
) -> None:
    add_pages(engine, page)
    deliver(client, engine, *((echo, message) if echo_first else (message, echo)))
    (first,) = EXPECTED[message].items
    assert item(engine, first.external_id) == first._replace(first_response_at=answered)


# --- signatures over the raw bytes --------------------------------------------------------------


def reserialised(raw: bytes) -> list[bytes]:
    doc = json.loads(raw)
    return [
        json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode(),  # unescaped
        json.dumps(doc, separators=(",", ":")).encode(),  # escaped, but "/" no longer is
        json.dumps(doc).encode(),
        raw + b"\n",
    ]


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signed_body_is_stored_byte_for_byte(name: str) -> None:
    raw = read(name)
    assert not raw.endswith(b"\n")
    assert b"\\u00" in raw  # non-ASCII escaped
    assert b"\\/" in raw  # and "/" too
    assert raw.isascii()
    digest = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert f"sha256={digest}" == SIGNATURES[name]


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature_holds_for_the_exact_bytes_only(
    client: TestClient, engine: Engine, name: str
) -> None:
    raw = read(name)
    add_pages(engine, *EXPECTED[name].pages)
    for other in reserialised(raw):
        assert json.loads(other) == json.loads(raw)
        assert other != raw
        answer = post_signed(client, other, SECRET, signature=SIGNATURES[name])
        assert (answer.status_code, answer.text) == (401, "invalid signature")
    assert stored_deliveries(engine) == []  # nothing refused is stored
    answer = post_signed(client, raw, SECRET, signature=SIGNATURES[name])
    assert answer.status_code == 200
    answer = post_signed(client, raw, "another-app-secret", signature=None)
    assert answer.status_code == 401
    process_all(engine, NOW)
    (stored,) = stored_deliveries(engine)
    assert (stored.status, stored.body) == ("processed", raw)
    assert got_items(engine) == list(EXPECTED[name].items)


def test_escaped_slashes_in_urls_are_read_as_slashes() -> None:
    feed = parse_delivery(read("feed-comment-signed-escaped-unicode.body"))
    assert feed[0].attachments == ("https://scontent.xx.fbcdn.net/v/t39.30808-6/tack.jpg",)
    messenger = parse_delivery(read("messenger-signed-escaped-unicode.body"))
    assert messenger[1].attachments == ("https://scontent.xx.fbcdn.net/v/t1.15752-9/remiss.jpg",)
