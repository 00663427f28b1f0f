"""The outbound sender against a Graph API on loopback, on the real path.

A page with its platform id is connected (``pages.connect_page``, the token
sealed by the settings' token box), an item is answered or moderated
(``outbound.queue``) and ``Sender.send_due`` sends it to ``tests/graph_server``.
Each test reads both sides: the requests the platform saw, and what the
database says (the action's state, the item's response, the connection).
Clocks are explicit and the server's scripted steps move them, so nothing here
waits on time.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select
from starlette.testclient import TestClient

from inbox.actions import outbound
from inbox.actions import pages as pages_actions
from inbox.app import create_app
from inbox.channels.meta.graph import GraphClient
from inbox.channels.outbound.sender import PAUSE, Sender
from inbox.cli.main import main
from inbox.core.incoming import NewItem
from inbox.core.kinds import ConnectionState, OutboundKind, OutboundState
from inbox.core.meta_errors import RECONNECT_ADVICE, backoff_seconds
from inbox.core.outbound import CREATING, MAX_ATTEMPTS
from inbox.core.text import swedish
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.models import (
    Item,
    Outbound,
    Outbox,
    PageConnection,
    PlatformResponse,
    Response,
)
from inbox.store.report import build_report
from tests.factories import add_items, make_page
from tests.graph_server import GraphServer, Recorded, Scripted, graph_error
from tests.meta_support import count_rows, post_signed, process_all
from tests.paths import REPO
from tests.web_support import login, make_user

HTML = {"accept": "text/html"}

FB = "108300000000001"  # the Facebook page (its comments and its Messenger inbox)
IG = "17841400000000077"  # the Instagram account
OTHER = "108300000000009"  # some other page
TOKEN = "EAAfbPAGEtokenSECRETvalue0001"
IG_TOKEN = "EAAigACCOUNTtokenSECRETvalue02"
OTHER_TOKEN = "EAAotherPAGEtokenSECRETvalue3"
NEW_TOKEN = "EAAfbPAGEtokenRENEWEDvalue004"
POST = f"{FB}_122150000000000010"
COMMENT = "122150000000000010_1150000000000001"
IG_MEDIA = "18030000000000001"
IG_COMMENT = "18040000000000001"
PSID = "7250000000000001"
VERSION = "v26.0"
V = f"/{VERSION}"
APP_SECRET = "sender-tests-app-secret"
KEY = Fernet.generate_key().decode()
# Much shorter than anything the server holds: a held answer is always a read timeout
# (only for the tests that hold one: elsewhere a slow answer on a busy machine must not
# look lost).
SHORT = httpx.Timeout(connect=2.0, read=0.2, write=2.0, pool=2.0)
PATIENT = httpx.Timeout(30.0)
SEED = 7

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday, at noon
RECEIVED = T0 - timedelta(hours=1)
ANSWER = "Hej Anna! Vi öppnar klockan 8."
MINUTE = timedelta(minutes=1)


class Clock:
    """The sender's clock: it reads what the test (or the server's script) set."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now


# --- the platform, the settings, the pages ---------------------------------------------------


@pytest.fixture
def server() -> Iterator[GraphServer]:
    srv = GraphServer(
        {TOKEN: FB, IG_TOKEN: IG, OTHER_TOKEN: OTHER},
        version=VERSION,
        page_names={FB: "Region Exempel", IG: "regionexempel", OTHER: "Annan sida"},
    )
    srv.add_object(POST, message="Vårdcentralen har nya tider")
    srv.add_object(COMMENT, message="När öppnar ni?", **{"from": {"id": "615001", "name": "Anna"}})
    srv.add_object(IG_COMMENT, text="Så fin bild!", username="anna.lind")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        token_key=SecretStr(KEY),
        meta_app_secret=APP_SECRET,
        meta_verify_token="sender-tests",
        process_deliveries=False,
    )


@pytest.fixture
def webhook(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def pages(engine: Engine, settings: Settings) -> None:
    make_page(engine, "fb", channel="facebook", platform_id=FB)
    make_page(engine, "ig", channel="instagram", platform_id=IG)
    connect(engine, settings, "fb", FB, TOKEN, at=T0 - timedelta(days=1))
    connect(engine, settings, "ig", IG, IG_TOKEN, at=T0 - timedelta(days=1))


def connect(
    engine: Engine, settings: Settings, key: str, platform_id: str, token: str, *, at: datetime
) -> None:
    with session_scope(engine) as session:
        pages_actions.connect_page(
            session,
            key=key,
            platform_id=platform_id,
            platform_name="Region Exempel",
            token_cipher=settings.token_box().seal(token),
            actor="admin@x.se",
            now=at,
        )


@contextmanager
def sending(
    engine: Engine,
    settings: Settings,
    server: GraphServer,
    clock: Callable[[], datetime],
    *,
    workers: int = 1,
    timeout: httpx.Timeout | None = None,
) -> Iterator[Sender]:
    sender = Sender(
        engine,
        settings,
        clock=clock,
        graph=GraphClient(server.url, VERSION, timeout=timeout or PATIENT),
        rng=random.Random(SEED),
        workers=workers,
    )
    try:
        yield sender
    finally:
        sender.close()


# --- items and actions ---------------------------------------------------------------------


def fb_comment(engine: Engine, external_id: str = COMMENT, *, at: datetime = RECEIVED) -> int:
    (item_id,) = add_items(
        engine,
        NewItem(
            page="fb",
            external_id=external_id,
            received_at=at,
            text="När öppnar ni?",
            channel="facebook",
            kind="comment",
            author="Anna Lind",
            author_id="615001",
            post_id=POST,
        ),
    )
    return item_id


def ig_comment(engine: Engine) -> int:
    (item_id,) = add_items(
        engine,
        NewItem(
            page="ig",
            external_id=IG_COMMENT,
            received_at=RECEIVED,
            text="Så fin bild!",
            channel="instagram",
            kind="comment",
            author="anna.lind",
            author_id="583001",
            post_id=IG_MEDIA,
        ),
    )
    return item_id


def messenger_message(engine: Engine) -> int:
    (item_id,) = add_items(
        engine,
        NewItem(
            page="fb",
            external_id="m_Qb1cR2dS3eT4fU5gV6hW7iX8jY9kZ0aB1cD2eF3gH4iJ5kL6mN7oP8",
            received_at=RECEIVED,
            text="Kan jag boka om min tid?",
            channel="messenger",
            kind="private_message",
            author_id=PSID,
            conversation_id=f"{FB}:{PSID}",
        ),
    )
    return item_id


def queue(
    engine: Engine,
    item_id: int,
    kind: OutboundKind = OutboundKind.REPLY,
    *,
    text: str = ANSWER,
    at: datetime = T0,
) -> int:
    with session_scope(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None
        action, new = outbound.queue(
            session,
            item,
            kind=kind,
            idempotency_key=uuid.uuid4().hex,
            actor="anna@x.se",
            actor_name="Anna Andersson",
            now=at,
            text=text if kind in CREATING else "",
        )
        assert new
        assert action.id is not None
        return action.id


def action_of(engine: Engine, action_id: int) -> Outbound:
    with Session(engine) as session:
        found = session.get(Outbound, action_id)
        assert found is not None
        return found


def item_of(engine: Engine, item_id: int) -> Item:
    with Session(engine) as session:
        found = session.get(Item, item_id)
        assert found is not None
        return found


def responses_of(engine: Engine, item_id: int) -> list[Response]:
    with Session(engine) as session:
        return list(session.exec(select(Response).where(Response.item_id == item_id)).all())


def connection_of(engine: Engine, platform_id: str = FB) -> PageConnection:
    with Session(engine) as session:
        found = session.exec(
            select(PageConnection).where(PageConnection.platform_id == platform_id)
        ).first()
        assert found is not None
        return found


def notifications(engine: Engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))).all())


def made_under(server: GraphServer, parent: str) -> list[str]:
    """The ids of what the platform created under ``parent`` (replies to it)."""
    return [i for i, o in server.objects.items() if o.get("parent_id") == parent]


# --- the webhook echoes of our own replies ---------------------------------------------------


def epoch(at: datetime) -> int:
    return int(at.timestamp())


def feed_echo(comment_id: str, parent_id: str, text: str, at: datetime) -> bytes:
    value = {
        "from": {"id": FB, "name": "Region Exempel"},
        "item": "comment",
        "comment_id": comment_id,
        "post_id": POST,
        "verb": "add",
        "parent_id": parent_id,
        "created_time": epoch(at),
        "message": text,
    }
    doc = {
        "object": "page",
        "entry": [{"id": FB, "time": epoch(at), "changes": [{"field": "feed", "value": value}]}],
    }
    return json.dumps(doc).encode()


def ig_echo(comment_id: str, parent_id: str, text: str, at: datetime) -> bytes:
    value = {
        "from": {"id": IG, "username": "regionexempel"},
        "media": {"id": IG_MEDIA, "media_product_type": "FEED"},
        "id": comment_id,
        "parent_id": parent_id,
        "text": text,
    }
    doc = {
        "object": "instagram",
        "entry": [
            {"id": IG, "time": epoch(at), "changes": [{"field": "comments", "value": value}]}
        ],
    }
    return json.dumps(doc).encode()


def messenger_echo(mid: str, text: str, at: datetime, *, to: str = PSID) -> bytes:
    ms = epoch(at) * 1000
    event = {
        "sender": {"id": FB},
        "recipient": {"id": to},
        "timestamp": ms,
        "message": {"is_echo": True, "app_id": 1234567890123456, "mid": mid, "text": text},
    }
    doc = {"object": "page", "entry": [{"id": FB, "time": ms, "messaging": [event]}]}
    return json.dumps(doc).encode()


def deliver(webhook: TestClient, engine: Engine, body: bytes, *, now: datetime) -> None:
    answer = post_signed(webhook, body, APP_SECRET)
    assert (answer.status_code, answer.text) == (200, "EVENT_RECEIVED")
    assert process_all(engine, now) == 1


# --- 1 and 2: a reply, and its echo, on each kind of item -----------------------------------


@dataclass(frozen=True)
class Case:
    make: Callable[[Engine], int]
    kind: OutboundKind
    path: str
    form: Callable[[str], dict[str, Any]]
    new_id: str  # what the loopback platform calls the first thing it makes
    echo: Callable[[str, str, datetime], bytes]


CASES = {
    "facebook-comment": Case(
        fb_comment,
        OutboundKind.REPLY,
        f"{V}/{COMMENT}/comments",
        lambda text: {"message": text, "access_token": TOKEN},
        "122150000000000010_1",
        lambda new, text, at: feed_echo(new, COMMENT, text, at),
    ),
    "instagram-comment": Case(
        ig_comment,
        OutboundKind.REPLY,
        f"{V}/{IG_COMMENT}/replies",
        lambda text: {"message": text, "access_token": IG_TOKEN},
        "1789000000000001",
        lambda new, text, at: ig_echo(new, IG_COMMENT, text, at),
    ),
    "private-reply-to-a-comment": Case(
        fb_comment,
        OutboundKind.PRIVATE_REPLY,
        f"{V}/{FB}/messages",
        lambda text: {
            "recipient": json.dumps({"comment_id": COMMENT}),
            "message": json.dumps({"text": text}, ensure_ascii=False),
            "access_token": TOKEN,
        },
        "m_000001",
        # It comes back as a message to the commenter, in a conversation of its own.
        lambda new, text, at: messenger_echo(new, text, at, to="7250000000000099"),
    ),
    "messenger-conversation": Case(
        messenger_message,
        OutboundKind.MESSAGE,
        f"{V}/{FB}/messages",
        lambda text: {
            "recipient": json.dumps({"id": PSID}),
            "message": json.dumps({"text": text}, ensure_ascii=False),
            "messaging_type": "RESPONSE",
            "access_token": TOKEN,
        },
        "m_000001",
        lambda new, text, at: messenger_echo(new, text, at),
    ),
}


def send_one_reply(
    engine: Engine, settings: Settings, server: GraphServer, case: Case
) -> tuple[int, int, datetime]:
    """Queue at T0, send at T0+1 min; the platform answers at T0+3 min (the clock moves)."""
    item_id = case.make(engine)
    action_id = queue(engine, item_id, case.kind)
    clock = Clock(T0 + MINUTE)
    answered = T0 + 3 * MINUTE
    server.script("POST", case.path, Scripted(on_request=lambda _r: clock.set(answered)))
    with sending(engine, settings, server, clock) as sender:
        result = sender.send_due()
    assert (result.sent, result.handled, result.errors) == (1, 1, [])
    return item_id, action_id, answered


@pytest.mark.usefixtures("pages")
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_reply_is_sent_once_and_becomes_the_response(
    engine: Engine, settings: Settings, server: GraphServer, name: str
) -> None:
    case = CASES[name]
    item_id, action_id, answered = send_one_reply(engine, settings, server, case)

    (request,) = server.requests
    assert (request.method, request.path) == ("POST", case.path)
    assert request.form == case.form(ANSWER)
    assert request.token_in == "form"
    assert server.objects[case.new_id]["message"] == ANSWER

    action = action_of(engine, action_id)
    assert action.state == OutboundState.SENT.value
    assert action.platform_id == case.new_id
    assert action.sent_at == answered  # when the answer came, not when it was queued
    assert (action.settled_by, action.attempts, action.error) == ("answer", 1, None)

    item = item_of(engine, item_id)
    assert item.first_response_at == answered
    assert item.response_minutes == 63.0
    assert (item.status, item.resolution) == ("closed", "answered")
    assert item.first_responder == "anna@x.se"
    (response,) = responses_of(engine, item_id)
    assert (response.source, response.external_id, response.sent_at, response.text) == (
        "inbox",
        case.new_id,
        answered,
        ANSWER,
    )
    assert response.author == "Anna Andersson"

    with engine.connect() as conn:
        report = build_report(
            conn, start=date(2026, 11, 1), end=date(2026, 12, 1), as_of=T0 + 4 * MINUTE
        )
    figures = report.pages["ig" if name.startswith("instagram") else "fb"]
    assert (figures.received, figures.requiring_response, figures.responded) == (1, 1, 1)
    assert figures.response_rate == 1.0
    assert figures.median_response_minutes == 63.0
    assert report.total.responded == 1


@pytest.mark.usefixtures("pages")
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_echo_of_our_reply_is_not_a_second_response(
    engine: Engine, settings: Settings, server: GraphServer, webhook: TestClient, name: str
) -> None:
    case = CASES[name]
    item_id, action_id, answered = send_one_reply(engine, settings, server, case)

    echo = case.echo(case.new_id, ANSWER, answered + timedelta(seconds=2))
    deliver(webhook, engine, echo, now=T0 + 10 * MINUTE)

    assert len(responses_of(engine, item_id)) == 1
    assert count_rows(engine, Response) == 1
    assert count_rows(engine, PlatformResponse) == 1  # kept for the dialogue figures
    item = item_of(engine, item_id)
    assert item.first_response_at == answered
    assert (item.status, item.resolution) == ("closed", "answered")
    action = action_of(engine, action_id)
    assert (action.state, action.settled_by, action.sent_at) == ("sent", "answer", answered)
    # Delivered again (Meta retries): still nothing new.
    deliver(webhook, engine, echo, now=T0 + 11 * MINUTE)
    assert count_rows(engine, Response) == 1
    assert len(server.requests) == 1


@pytest.mark.usefixtures("pages")
def test_a_reply_the_page_wrote_on_facebook_itself_is_still_a_response(
    engine: Engine, webhook: TestClient
) -> None:
    item_id = fb_comment(engine)
    written = T0 + 5 * MINUTE
    deliver(
        webhook,
        engine,
        feed_echo("122150000000000010_77", COMMENT, "Skrivet direkt på Facebook", written),
        now=T0 + 10 * MINUTE,
    )
    (response,) = responses_of(engine, item_id)
    assert (response.source, response.sent_at) == ("platform", written)
    assert item_of(engine, item_id).first_response_at == written


# --- 3: Meta's error classes -------------------------------------------------------------------


def admins(engine: Engine) -> None:
    make_user(engine, "admin@x.se", "admin")
    make_user(engine, "anna@x.se", "communicator")


@pytest.mark.usefixtures("pages")
def test_190_pauses_the_page_until_it_is_connected_again(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    admins(engine)
    first = fb_comment(engine)
    first_action = queue(engine, first)
    path = f"{V}/{COMMENT}/comments"
    server.script(
        "POST",
        path,
        Scripted(
            status=400,
            body=graph_error(
                190, "Error validating access token: session invalidated", subcode=460
            ),
        ),
    )
    clock = Clock(T0 + MINUTE)
    with sending(engine, settings, server, clock) as sender:
        result = sender.send_due()
    assert (result.paused, result.sent, result.failed, result.retrying) == (1, 0, 0, 0)

    connection = connection_of(engine)
    assert connection.state == ConnectionState.RECONNECT.value
    assert swedish(connection.detail) == "Meta godkänner inte sidans token längre."
    assert connection.checked_at == T0 + MINUTE
    assert connection_of(engine, IG).state == ConnectionState.CONNECTED.value  # the other page
    paused = action_of(engine, first_action)
    assert (paused.state, paused.attempts) == ("queued", 0)  # no attempt used up
    assert paused.next_attempt_at == T0 + MINUTE + PAUSE
    assert (paused.error_code, swedish(paused.advice)) == ("190", str(RECONNECT_ADVICE))
    assert item_of(engine, first).first_response_at is None
    (notice,) = notifications(engine)
    assert (notice.kind, notice.recipient, notice.status) == ("email", "admin@x.se", "pending")
    assert "fb" in notice.subject
    assert str(RECONNECT_ADVICE) in notice.body_text

    # What is queued later for the page waits too, without a request to Meta.
    second = fb_comment(engine, "122150000000000010_1150000000000002")
    server.add_object("122150000000000010_1150000000000002", message="Och på lördag?")
    second_action = queue(engine, second, at=T0 + 2 * MINUTE)
    clock.set(T0 + 30 * MINUTE)
    with sending(engine, settings, server, clock) as sender:
        result = sender.send_due()
    assert (result.paused, result.sent) == (2, 0)
    assert len(server.requests) == 1
    for action_id in (first_action, second_action):
        waiting = action_of(engine, action_id)
        assert (waiting.state, waiting.attempts) == ("queued", 0)
        assert waiting.next_attempt_at == T0 + 30 * MINUTE + PAUSE
    assert len(notifications(engine)) == 1  # the admins were told once

    # A new token: the page sends again, with it.
    server.tokens[NEW_TOKEN] = FB
    connect(engine, settings, "fb", FB, NEW_TOKEN, at=T0 + 31 * MINUTE)
    assert connection_of(engine).state == ConnectionState.CONNECTED.value
    clock.set(T0 + 30 * MINUTE + PAUSE)
    with sending(engine, settings, server, clock) as sender:
        result = sender.send_due()
    assert (result.sent, result.paused) == (2, 0)
    sent = server.requests[1:]
    assert [r.token for r in sent] == [NEW_TOKEN, NEW_TOKEN]
    assert sorted(r.path for r in sent) == sorted(
        [path, f"{V}/122150000000000010_1150000000000002/comments"]
    )
    for action_id, item_id in ((first_action, first), (second_action, second)):
        assert action_of(engine, action_id).state == "sent"
        assert item_of(engine, item_id).first_response_at == T0 + 30 * MINUTE + PAUSE


@pytest.mark.usefixtures("pages")
@pytest.mark.parametrize(
    "error",
    [
        graph_error(10, "(#10) Requires pages_manage_engagement permission"),
        graph_error(200, "(#200) Requires pages_read_user_content permission"),
    ],
    ids=["10", "200"],
)
def test_a_missing_permission_pauses_the_page(
    engine: Engine, settings: Settings, server: GraphServer, error: dict[str, Any]
) -> None:
    admins(engine)
    item_id = fb_comment(engine)
    action_id = queue(engine, item_id)
    server.script("POST", f"{V}/{COMMENT}/comments", Scripted(status=403, body=error))
    clock = Clock(T0 + MINUTE)
    with sending(engine, settings, server, clock) as sender:
        assert sender.send_due().paused == 1
    assert connection_of(engine).state == ConnectionState.PERMISSION.value
    action = action_of(engine, action_id)
    assert (action.state, action.attempts) == ("queued", 0)
    assert action.error_code == str(error["error"]["code"])
    assert swedish(action.error) == "Sidan saknar en behörighet hos Meta för att göra det här."
    assert action.next_attempt_at == T0 + MINUTE + PAUSE
    assert [n.recipient for n in notifications(engine)] == ["admin@x.se"]
    assert len(server.requests) == 1


def usage(minutes: int) -> dict[str, str]:
    value = {FB: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": minutes}]}
    return {"X-Business-Use-Case-Usage": json.dumps(value)}


@pytest.mark.usefixtures("pages")
@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_a_rate_limit_queues_the_reply_again_at_metas_time(
    engine: Engine, settings: Settings, server: GraphServer, code: int
) -> None:
    item_id = fb_comment(engine)
    action_id = queue(engine, item_id)
    path = f"{V}/{COMMENT}/comments"
    clock = Clock(T0 + MINUTE)
    answered = T0 + 2 * MINUTE
    server.script(
        "POST",
        path,
        Scripted(
            status=400,
            body=graph_error(code, f"(#{code}) Rate limit reached"),
            headers=usage(7),
            on_request=lambda _r: clock.set(answered),
        ),
    )
    with sending(engine, settings, server, clock) as sender:
        assert sender.send_due().retrying == 1
        action = action_of(engine, action_id)
        assert (action.state, action.attempts, action.error_code) == ("queued", 1, str(code))
        assert action.next_attempt_at == answered + timedelta(minutes=7)
        assert (
            swedish(action.error) == "Meta tar emot för många anrop just nu och har bromsat sidan."
        )
        assert item_of(engine, item_id).first_response_at is None

        clock.set(answered + timedelta(minutes=7) - timedelta(seconds=1))
        assert sender.send_due().handled == 0  # not before Meta's time
        assert len(server.requests) == 1
        clock.set(answered + timedelta(minutes=7))
        assert sender.send_due().sent == 1
    assert len(server.calls("POST", path)) == 2
    action = action_of(engine, action_id)
    assert (action.state, action.attempts, action.error_code) == ("sent", 2, None)
    assert item_of(engine, item_id).first_response_at == answered + timedelta(minutes=7)


@pytest.mark.usefixtures("pages")
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, graph_error(1, "An unknown error occurred", is_transient=True)),
        (500, graph_error(2, "An unexpected error has occurred")),
        (400, graph_error(9000, "Something transient", is_transient=True)),
    ],
    ids=["1", "2", "is_transient"],
)
def test_metas_own_trouble_is_retried_later_then_sent(
    engine: Engine, settings: Settings, server: GraphServer, status: int, error: dict[str, Any]
) -> None:
    item_id = fb_comment(engine)
    action_id = queue(engine, item_id)
    path = f"{V}/{COMMENT}/comments"
    server.script("POST", path, Scripted(status=status, body=error))
    clock = Clock(T0 + MINUTE)
    wait = timedelta(seconds=backoff_seconds(1, random.Random(SEED).random()))
    with sending(engine, settings, server, clock) as sender:
        assert sender.send_due().retrying == 1
        action = action_of(engine, action_id)
        assert (action.state, action.attempts) == ("queued", 1)
        assert action.next_attempt_at == T0 + MINUTE + wait
        assert swedish(action.error) == "Meta hade ett tillfälligt fel."
        assert connection_of(engine).state == "connected"
        clock.set(T0 + MINUTE + wait)
        assert sender.send_due().sent == 1
    assert len(server.calls("POST", path)) == 2
    assert action_of(engine, action_id).state == "sent"
    assert len(responses_of(engine, item_id)) == 1


@pytest.mark.usefixtures("pages")
def test_metas_trouble_that_does_not_pass_fails_after_the_last_attempt(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    item_id = fb_comment(engine)
    action_id = queue(engine, item_id)
    path = f"{V}/{COMMENT}/comments"
    server.script(
        "POST", path, *[Scripted(status=500, body=graph_error(2)) for _ in range(MAX_ATTEMPTS)]
    )
    clock = Clock(T0 + MINUTE)
    with sending(engine, settings, server, clock) as sender:
        for attempt in range(1, MAX_ATTEMPTS):
            assert sender.send_due().retrying == 1
            action = action_of(engine, action_id)
            assert (action.state, action.attempts) == ("queued", attempt)
            clock.set(action.next_attempt_at)
        assert sender.send_due().failed == 1
    assert len(server.calls("POST", path)) == MAX_ATTEMPTS
    action = action_of(engine, action_id)
    assert (action.state, action.attempts, action.error_code) == ("failed", MAX_ATTEMPTS, "2")
    assert swedish(action.error) == "Meta hade ett tillfälligt fel."
    assert item_of(engine, item_id).status == "open"


@pytest.mark.usefixtures("pages")
def test_100_on_a_reply_fails_with_the_reason_in_swedish(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    gone = "122150000000000010_1150000000000099"  # removed on Facebook meanwhile
    item_id = fb_comment(engine, gone)
    action_id = queue(engine, item_id)
    with sending(engine, settings, server, Clock(T0 + MINUTE)) as sender:
        assert sender.send_due().failed == 1
    (request,) = server.requests
    assert request.path == f"{V}/{gone}/comments"
    action = action_of(engine, action_id)
    assert (action.state, action.error_code) == ("failed", "100")
    assert (
        swedish(action.error)
        == "Det som svaret gäller finns inte längre hos Meta, eller går inte att nå."
    )
    assert swedish(action.advice) == (
        "Kontrollera på Facebook eller Instagram om inlägget eller kommentaren är borttagen."
    )
    item = item_of(engine, item_id)
    assert (item.status, item.first_response_at) == ("open", None)  # still waits in the queue
    assert responses_of(engine, item_id) == []
    assert connection_of(engine).state == "connected"


def sent_list(page: str) -> str:
    """The item page's list of what was sent."""
    found = re.search(r'<ul class="outbound">.*?</ul>', page, re.S)
    assert found, page[:300]
    return found.group(0)


@pytest.mark.usefixtures("pages")
def test_a_failure_is_told_in_the_readers_language(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    item_id = fb_comment(engine, "122150000000000010_1150000000000098")
    queue(engine, item_id)
    with sending(engine, settings, server, Clock(T0 + MINUTE)) as sender:
        assert sender.send_due().failed == 1
    make_user(engine, "admin@x.se", role="admin")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        token = login(client, "admin@x.se")
        swedish_page = sent_list(client.get(f"/items/{item_id}", headers=HTML).text)
        client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
        english_page = sent_list(client.get(f"/items/{item_id}", headers=HTML).text)
    assert "finns inte längre hos Meta" in swedish_page
    assert "finns inte längre hos Meta" not in english_page
    assert "no longer exists on Meta" in english_page
    assert "msgid" not in swedish_page + english_page


@pytest.mark.usefixtures("pages")
def test_100_on_a_delete_counts_as_done(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    gone = "122150000000000010_1150000000000098"
    item_id = fb_comment(engine, gone)
    action_id = queue(engine, item_id, OutboundKind.DELETE)
    with sending(engine, settings, server, Clock(T0 + MINUTE)) as sender:
        assert sender.send_due().sent == 1
    (request,) = server.requests
    assert (request.method, request.path, request.token_in) == ("DELETE", f"{V}/{gone}", "query")
    action = action_of(engine, action_id)
    assert (action.state, action.platform_id, action.error) == ("sent", None, None)
    assert responses_of(engine, item_id) == []  # removing is not answering


@pytest.mark.usefixtures("pages")
@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            graph_error(10, "(#10) Sent outside of allowed window", subcode=2018278),
            "Meddelandet kan inte skickas: det är för länge sedan personen skrev till sidan.",
        ),
        (
            graph_error(551, "This person isn't available right now."),
            "Personen går inte att nå i Messenger just nu.",
        ),
    ],
    ids=["10/2018278", "551"],
)
def test_a_message_meta_refuses_for_good_fails(
    engine: Engine, settings: Settings, server: GraphServer, error: dict[str, Any], message: str
) -> None:
    admins(engine)
    item_id = messenger_message(engine)
    action_id = queue(engine, item_id, OutboundKind.MESSAGE)
    server.script("POST", f"{V}/{FB}/messages", Scripted(status=400, body=error))
    clock = Clock(T0 + MINUTE)
    with sending(engine, settings, server, clock) as sender:
        assert sender.send_due().failed == 1
        clock.set(T0 + timedelta(days=1))
        assert sender.send_due().handled == 0  # never tried again
    assert len(server.requests) == 1
    action = action_of(engine, action_id)
    assert (action.state, action.error_code, swedish(action.error)) == (
        "failed",
        str(error["error"]["code"]),
        message,
    )
    assert action.advice
    assert connection_of(engine).state == "connected"  # not a permission problem
    assert notifications(engine) == []
    assert item_of(engine, item_id).first_response_at is None


# --- 4: an answer lost after the platform did the work ----------------------------------------


def losing(how: str) -> tuple[Scripted, threading.Event]:
    release = threading.Event()
    return (Scripted(hold=release) if how == "hold" else Scripted(close=True)), release


@pytest.mark.usefixtures("pages")
@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("how", ["hold", "close"])
def test_a_reply_whose_answer_was_lost_is_uncertain_until_its_echo(
    engine: Engine,
    settings: Settings,
    server: GraphServer,
    webhook: TestClient,
    how: str,
    name: str,
) -> None:
    case = CASES[name]
    item_id = case.make(engine)
    action_id = queue(engine, item_id, case.kind)
    step, release = losing(how)
    server.script("POST", case.path, step)
    clock = Clock(T0 + MINUTE)
    try:
        with sending(engine, settings, server, clock, timeout=SHORT) as sender:
            assert sender.send_due().uncertain == 1
            action = action_of(engine, action_id)
            assert (action.state, action.platform_id) == ("uncertain", None)
            assert responses_of(engine, item_id) == []
            # Never sent again by itself (and the first lookup is not due yet).
            clock.set(T0 + 2 * MINUTE)
            assert sender.send_due().handled == 0
    finally:
        release.set()
    assert len(server.calls("POST", case.path)) == 1
    assert server.objects[case.new_id]["message"] == ANSWER  # Meta did make it

    written = T0 + MINUTE + timedelta(seconds=1)
    deliver(webhook, engine, case.echo(case.new_id, ANSWER, written), now=T0 + 3 * MINUTE)
    action = action_of(engine, action_id)
    assert (action.state, action.settled_by, action.platform_id) == ("sent", "echo", case.new_id)
    assert action.sent_at == written
    (response,) = responses_of(engine, item_id)
    assert (response.source, response.external_id) == ("inbox", case.new_id)
    item = item_of(engine, item_id)
    assert item.first_response_at == written
    assert (item.status, item.resolution) == ("closed", "answered")
    with sending(engine, settings, server, Clock(T0 + timedelta(hours=3))) as sender:
        assert sender.send_due().handled == 0
    assert len(server.requests) == 1


LOOKED_UP = ("facebook-comment", "instagram-comment", "messenger-conversation")


def graph_stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S+0000")


@pytest.mark.usefixtures("pages")
@pytest.mark.parametrize("name", LOOKED_UP)
def test_a_lost_send_without_an_echo_is_found_by_a_lookup(
    engine: Engine, settings: Settings, server: GraphServer, name: str
) -> None:
    case = CASES[name]
    item_id = case.make(engine)
    action_id = queue(engine, item_id, case.kind)
    step, release = losing("close")
    server.script("POST", case.path, step)
    made = T0 + MINUTE + timedelta(seconds=2)
    server.stamp = graph_stamp(made)
    clock = Clock(T0 + MINUTE)
    try:
        with sending(engine, settings, server, clock) as sender:
            assert sender.send_due().uncertain == 1
            clock.set(T0 + 2 * MINUTE)  # the echo gets its time first
            assert sender.send_due().looked_up == 0
            assert server.calls("GET") == []
            clock.set(T0 + 3 * MINUTE)
            result = sender.send_due()
    finally:
        release.set()
    assert (result.looked_up, result.found, result.errors) == (1, 1, [])
    (lookup,) = server.calls("GET")
    assert lookup.token == (IG_TOKEN if name.startswith("instagram") else TOKEN)
    if name == "messenger-conversation":
        assert (lookup.path, lookup.params["user_id"]) == (f"{V}/{FB}/conversations", PSID)
    action = action_of(engine, action_id)
    assert (action.state, action.settled_by, action.platform_id) == ("sent", "lookup", case.new_id)
    assert action.sent_at == made  # the platform's time, not the lookup's
    (response,) = responses_of(engine, item_id)
    assert response.external_id == case.new_id
    assert item_of(engine, item_id).first_response_at == made
    assert len(server.calls("POST", case.path)) == 1  # never sent twice


@pytest.mark.usefixtures("pages")
def test_lookups_that_find_nothing_stop_and_leave_it_to_a_person(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    case = CASES["facebook-comment"]
    item_id = case.make(engine)
    action_id = queue(engine, item_id, case.kind)
    step, release = losing("close")
    server.script("POST", case.path, step)
    server.stamp = graph_stamp(T0 + MINUTE)
    clock = Clock(T0 + MINUTE)
    try:
        with sending(engine, settings, server, clock) as sender:
            assert sender.send_due().uncertain == 1
            server.objects[case.new_id]["deleted"] = True  # nothing to be seen on the page
            # A reply by someone else with the same words is not ours.
            server.add_object(
                "122150000000000010_77",
                message=ANSWER,
                parent_id=COMMENT,
                **{"from": {"id": "615009", "name": "Någon annan"}},
            )
            at = T0 + MINUTE
            for wait in (2, 10, 60, 360):
                at += timedelta(minutes=wait)
                clock.set(at - timedelta(seconds=1))
                assert sender.send_due().looked_up == 0  # not due yet
                clock.set(at)
                assert sender.send_due().looked_up == 1
            clock.set(at + timedelta(days=2))
            assert sender.send_due().looked_up == 0  # no more lookups: a person decides
    finally:
        release.set()
    assert len(server.calls("GET", f"{V}/{COMMENT}/comments")) == 4
    assert len(server.calls("POST", case.path)) == 1
    action = action_of(engine, action_id)
    assert (action.state, action.lookups, action.looked_up_at) == ("uncertain", 4, at)
    assert responses_of(engine, item_id) == []
    make_user(engine, "anna@x.se")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        login(client, "anna@x.se")
        shown = sent_list(client.get(f"/items/{item_id}", headers=HTML).text)
    assert "4 av 4 kontroller" in shown
    assert "Inga fler kontroller görs" in shown
    assert "Det syns inte: skicka igen" in shown


@pytest.mark.usefixtures("pages")
def test_an_echo_that_comes_before_the_answer_settles_the_send(
    engine: Engine, settings: Settings, server: GraphServer, webhook: TestClient
) -> None:
    item_id = fb_comment(engine)
    action_id = queue(engine, item_id)
    release = threading.Event()
    server.script("POST", f"{V}/{COMMENT}/comments", Scripted(hold=release))
    patient = httpx.Timeout(connect=2.0, read=30.0, write=2.0, pool=2.0)
    clock = Clock(T0 + MINUTE)
    sender = Sender(
        engine, settings, clock=clock, graph=GraphClient(server.url, VERSION, timeout=patient)
    )
    results = []
    thread = threading.Thread(target=lambda: results.append(sender.send_due()))
    thread.start()
    try:
        assert server.held.wait(timeout=10)
        (made,) = made_under(server, COMMENT)
        written = T0 + MINUTE + timedelta(seconds=1)
        deliver(webhook, engine, feed_echo(made, COMMENT, ANSWER, written), now=T0 + 2 * MINUTE)
        assert action_of(engine, action_id).settled_by == "echo"
        clock.set(T0 + 2 * MINUTE)
    finally:
        release.set()
        thread.join(timeout=30)
        sender.close()
    assert not thread.is_alive()
    action = action_of(engine, action_id)
    assert (action.state, action.settled_by, action.platform_id) == ("sent", "echo", made)
    assert action.sent_at == written
    assert len(responses_of(engine, item_id)) == 1
    assert item_of(engine, item_id).first_response_at == written


@pytest.mark.usefixtures("pages")
@pytest.mark.parametrize("how", ["hold", "close"])
def test_a_hide_whose_answer_was_lost_is_done_again(
    engine: Engine, settings: Settings, server: GraphServer, how: str
) -> None:
    item_id = fb_comment(engine)
    action_id = queue(engine, item_id, OutboundKind.HIDE)
    path = f"{V}/{COMMENT}"
    step, release = losing(how)
    server.script("POST", path, step)
    clock = Clock(T0 + MINUTE)
    wait = timedelta(seconds=backoff_seconds(1, random.Random(SEED).random()))
    try:
        with sending(engine, settings, server, clock, timeout=SHORT) as sender:
            assert sender.send_due().retrying == 1
            action = action_of(engine, action_id)
            assert (action.state, action.error_code) == ("queued", "uncertain")
            assert action.next_attempt_at == T0 + MINUTE + wait
            clock.set(T0 + MINUTE + wait)
            assert sender.send_due().sent == 1
    finally:
        release.set()
    assert [r.form for r in server.calls("POST", path)] == [
        {"is_hidden": "true", "access_token": TOKEN}
    ] * 2
    assert server.objects[COMMENT]["is_hidden"] is True
    action = action_of(engine, action_id)
    assert (action.state, action.attempts, action.settled_by) == ("sent", 2, "answer")


# --- 5: a token revoked while replies wait ------------------------------------------------------


@pytest.mark.usefixtures("pages")
def test_a_token_revoked_mid_queue_holds_back_the_rest(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    comments = [f"122150000000000010_11500000000000{n:02d}" for n in (11, 12, 13)]
    actions = []
    for n, external_id in enumerate(comments):
        server.add_object(external_id, message=f"Fråga {n}")
        actions.append(queue(engine, fb_comment(engine, external_id), at=T0 + n * MINUTE))

    def revoke(_request: Recorded) -> None:
        server.tokens.pop(TOKEN)  # revoked on Facebook after the first reply went through

    server.script("POST", f"{V}/{comments[0]}/comments", Scripted(on_request=revoke))
    with sending(engine, settings, server, Clock(T0 + 5 * MINUTE)) as sender:
        result = sender.send_due()
    assert (result.sent, result.paused, result.failed, result.uncertain) == (1, 2, 0, 0)
    assert [r.path for r in server.requests] == [f"{V}/{c}/comments" for c in comments[:2]]
    states = [(a.state, a.attempts) for a in (action_of(engine, i) for i in actions)]
    assert states == [("sent", 1), ("queued", 0), ("queued", 0)]
    assert connection_of(engine).state == ConnectionState.RECONNECT.value


# --- 6: two senders at once ---------------------------------------------------------------------

MANY = 50


def many_replies(engine: Engine, server: GraphServer) -> list[int]:
    ids = []
    for n in range(MANY):
        external_id = f"122150000000000010_1160000000000{n:03d}"
        server.add_object(external_id, message=f"Fråga {n}")
        ids.append(queue(engine, fb_comment(engine, external_id), text=f"Svar {n}"))
    return ids


def all_sent_once(engine: Engine, server: GraphServer, ids: list[int]) -> None:
    posts = server.calls("POST")
    assert len(posts) == MANY
    assert len({r.path for r in posts}) == MANY
    assert sorted(r.form["message"] for r in posts) == sorted(f"Svar {n}" for n in range(MANY))
    assert {action_of(engine, i).state for i in ids} == {"sent"}
    assert count_rows(engine, Response) == MANY
    with Session(engine) as session:
        per_item = session.exec(
            select(Response.item_id, sa.func.count()).group_by(col(Response.item_id))
        ).all()
    assert {n for _, n in per_item} == {1}


@pytest.mark.postgresql_only
@pytest.mark.usefixtures("pages")
def test_two_senders_at_once_send_each_action_once(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    ids = many_replies(engine, server)
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with sending(engine, settings, server, Clock(T0 + MINUTE)) as sender:
                barrier.wait(timeout=30)
                result = sender.send_due(limit=30)
            assert result.errors == []
            results.append(result.sent)
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(results) == [20, 30]
    all_sent_once(engine, server, ids)


@pytest.mark.usefixtures("pages")
def test_two_senders_one_after_the_other_send_each_action_once(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    ids = many_replies(engine, server)
    sent = []
    for _ in range(2):
        with sending(engine, settings, server, Clock(T0 + MINUTE)) as sender:
            sent.append(sender.send_due(limit=30).sent)
    assert sent == [30, 20]
    all_sent_once(engine, server, ids)


@pytest.mark.usefixtures("pages")
def test_four_workers_send_each_action_once_and_record_them_together(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    ids = many_replies(engine, server)
    with sending(engine, settings, server, Clock(T0 + MINUTE), workers=4) as sender:
        result = sender.send_due()
    assert (result.sent, result.errors) == (MANY, [])
    all_sent_once(engine, server, ids)
    for action_id in ids:
        action = action_of(engine, action_id)
        assert action.sent_at is not None
        assert action.settled_by == "answer"


@pytest.mark.usefixtures("pages")
def test_an_outcome_that_cannot_be_recorded_costs_only_itself(
    engine: Engine, settings: Settings, server: GraphServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = many_replies(engine, server)
    broken = ids[7]
    record_sent = outbound.record_sent

    def failing(session: Session, action: Outbound, **kwargs: Any) -> None:
        if action.id == broken:
            raise sa.exc.OperationalError("UPDATE item", {}, Exception("disk I/O error"))
        record_sent(session, action, **kwargs)

    monkeypatch.setattr(outbound, "record_sent", failing)
    with sending(engine, settings, server, Clock(T0 + MINUTE), workers=4) as sender:
        result = sender.send_due()
    assert result.sent == MANY - 1
    assert result.errors == [f"{broken}: not recorded"]
    assert {action_of(engine, i).state for i in ids if i != broken} == {"sent"}
    assert count_rows(engine, Response) == MANY - 1
    # Meta took it, the sender could not say so: left *sending*, and later uncertain,
    # never sent a second time.
    assert action_of(engine, broken).state == "sending"
    monkeypatch.setattr(outbound, "record_sent", record_sent)
    with sending(engine, settings, server, Clock(T0 + 10 * MINUTE), workers=4) as sender:
        later = sender.send_due()
    assert (later.recovered, later.sent) == (1, 0)
    assert action_of(engine, broken).state == "uncertain"
    assert len(server.calls("POST")) == MANY


# --- 7: the sender killed right after the platform answered ---------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("pages")
def test_a_sender_killed_after_the_answer_never_sends_twice(
    engine: Engine,
    settings: Settings,
    server: GraphServer,
    webhook: TestClient,
    database_url: str,
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    item_id = fb_comment(engine, at=now - timedelta(hours=1))
    action_id = queue(engine, item_id, at=now - MINUTE)
    started = threading.Event()
    procs: list[subprocess.Popen[bytes]] = []

    def kill() -> None:
        assert started.wait(timeout=30)
        os.kill(procs[0].pid, signal.SIGKILL)

    path = f"{V}/{COMMENT}/comments"
    server.script("POST", path, Scripted(after=kill))
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "INBOX_DATABASE_URL": database_url,
        "INBOX_META_GRAPH_URL": server.url,
        "INBOX_TOKEN_KEY": KEY,
        "INBOX_SCHEDULER": "off",
    }
    procs.append(
        subprocess.Popen(
            [sys.executable, "-m", "inbox", "outbox", "send"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    )
    started.set()
    _, err = procs[0].communicate(timeout=120)
    assert procs[0].returncode == -signal.SIGKILL, err.decode()
    assert len(server.calls("POST", path)) == 1
    (made,) = made_under(server, COMMENT)

    left = action_of(engine, action_id)
    assert left.state in ("sending", "sent")
    later = datetime.now(UTC) + outbound.STALE_CLAIM + MINUTE
    with sending(engine, settings, server, Clock(later)) as sender:
        result = sender.send_due()  # recovers the stale claim first
        assert result.handled == 0
    recovered = action_of(engine, action_id)
    assert recovered.state == ("sent" if left.state == "sent" else "uncertain")
    assert result.recovered == (0 if left.state == "sent" else 1)

    written = now + timedelta(seconds=1)
    deliver(webhook, engine, feed_echo(made, COMMENT, ANSWER, written), now=later)
    settled = action_of(engine, action_id)
    assert (settled.state, settled.platform_id) == ("sent", made)
    assert settled.settled_by == ("answer" if left.state == "sent" else "echo")
    assert len(responses_of(engine, item_id)) == 1
    with sending(engine, settings, server, Clock(later + timedelta(hours=1))) as sender:
        assert sender.send_due().handled == 0
    assert len(server.requests) == 1  # never two sends


# --- 8: inbox pages connect KEY --token-stdin ------------------------------------------------


def everything_stored(engine: Engine) -> str:
    with engine.connect() as conn:
        return "\n".join(
            repr(row) for t in SQLModel.metadata.sorted_tables for row in conn.execute(t.select())
        )


def test_pages_connect_checks_the_token_and_stores_it_sealed(
    engine: Engine,
    database_url: str,
    settings: Settings,
    server: GraphServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_page(engine, "fb", channel="facebook", platform_id=FB, name="Region Exempel")
    make_page(engine, "utan", channel="facebook", name="Utan id")
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
    monkeypatch.setenv("INBOX_META_GRAPH_URL", server.url)
    monkeypatch.setenv("INBOX_TOKEN_KEY", KEY)

    def cli(*args: str, stdin: str = "") -> tuple[int, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out + out.err

    def listed(key: str) -> str:
        code, out = cli("pages", "list")
        assert code == 0
        (line,) = [line for line in out.splitlines() if line.startswith(f"{key} ")]
        return line

    assert "inte kopplad" in listed("fb")

    code, out = cli("pages", "connect", "fb", "--token-stdin", stdin=OTHER_TOKEN + "\n")
    assert code == 2
    assert f"the token belongs to {OTHER}, not to page 'fb' ({FB})" in out
    assert OTHER_TOKEN not in out
    code, out = cli("pages", "connect", "fb", "--token-stdin", stdin="EAAneverissued\n")
    assert code == 2
    assert "Meta did not accept the token" in out
    code, out = cli("pages", "connect", "utan", "--token-stdin", stdin=TOKEN + "\n")
    assert (code, "has no platform id" in out) == (2, True)
    code, out = cli("pages", "connect", "fb", "--token-stdin", stdin="\n")
    assert (code, "no token on standard input" in out) == (2, True)
    assert count_rows(engine, PageConnection) == 0
    assert "inte kopplad" in listed("fb")

    code, out = cli("pages", "connect", "fb", "--token-stdin", stdin=TOKEN + "\n")
    assert code == 0
    assert "connected page fb (Region Exempel)" in out
    assert TOKEN not in out
    checks = server.calls("GET", f"{V}/me")
    assert [r.params["fields"] for r in checks][-1] == "id,name"
    stored = everything_stored(engine)
    for token in (TOKEN, OTHER_TOKEN):
        assert token not in stored
    connection = connection_of(engine)
    assert (connection.state, connection.platform_name) == ("connected", "Region Exempel")
    assert settings.token_box().open(connection.token_cipher) == TOKEN
    line = listed("fb")
    assert "kopplad" in line
    assert "inte kopplad" not in line

    # Meta stops taking the token (190): the list says a new one is needed.
    item_id = fb_comment(engine)
    queue(engine, item_id)
    server.tokens.pop(TOKEN)
    with sending(engine, settings, server, Clock(T0 + MINUTE)) as sender:
        assert sender.send_due().paused == 1
    assert "ny token behövs" in listed("fb")
    assert TOKEN not in everything_stored(engine)


# --- what cannot be sent at all ---------------------------------------------------------------


@pytest.mark.usefixtures("pages")
def test_an_action_the_client_refuses_to_send_fails_and_is_never_uncertain(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    (item_id,) = add_items(
        engine,
        NewItem(
            page="fb",
            external_id="m_withoutsender",
            received_at=RECEIVED,
            text="Hej",
            channel="messenger",
            kind="private_message",
            conversation_id=f"{FB}:unknown",
        ),
    )
    action_id = queue(engine, item_id, OutboundKind.MESSAGE)
    clock = Clock(T0 + MINUTE)
    with sending(engine, settings, server, clock) as sender:
        result = sender.send_due()
        assert (result.failed, result.errors) == (1, [])
        clock.set(T0 + outbound.STALE_CLAIM + timedelta(hours=1))
        assert sender.send_due().recovered == 0
    assert server.requests == []
    action = action_of(engine, action_id)
    assert (action.state, action.error_code) == ("failed", "invalid")
    assert swedish(action.error).startswith("Det här kan inte skickas till Meta")
    assert action.advice
    assert item_of(engine, item_id).first_response_at is None


@pytest.mark.usefixtures("pages")
def test_a_token_sealed_under_another_key_waits_for_a_new_connection(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    admins(engine)
    item_id = fb_comment(engine)
    action_id = queue(engine, item_id)
    rotated = settings.model_copy(update={"token_key": SecretStr(Fernet.generate_key().decode())})
    clock = Clock(T0 + MINUTE)
    with sending(engine, rotated, server, clock) as sender:
        result = sender.send_due()
        assert (result.paused, result.errors) == (1, [])
        action = action_of(engine, action_id)
        assert (action.state, action.attempts, action.error_code) == ("queued", 0, "token_key")
        assert action.next_attempt_at == T0 + MINUTE + PAUSE
        assert connection_of(engine).state == ConnectionState.RECONNECT.value
        assert [n.recipient for n in notifications(engine)] == ["admin@x.se"]
        # Still waiting later: never left as a claim that turns uncertain.
        clock.set(T0 + MINUTE + PAUSE + outbound.STALE_CLAIM)
        result = sender.send_due()
        assert (result.paused, result.recovered, result.errors) == (1, 0, [])
    assert server.requests == []
    assert action_of(engine, action_id).state == "queued"

    connect(engine, rotated, "fb", FB, TOKEN, at=T0 + timedelta(hours=1))
    clock.set(T0 + timedelta(hours=2))
    with sending(engine, rotated, server, clock) as sender:
        assert sender.send_due().sent == 1
    assert action_of(engine, action_id).state == "sent"
    assert [r.token for r in server.requests] == [TOKEN]


def test_an_api_reply_whose_secret_does_not_open_waits(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    make_page(
        engine,
        "api",
        channel="web",
        reply_webhook="http://127.0.0.1:9/replies",
        reply_secret_cipher=settings.token_box().seal("a-reply-secret-of-some-length"),
    )
    (item_id,) = add_items(
        engine, NewItem(page="api", external_id="q1", received_at=RECEIVED, text="Hej")
    )
    action_id = queue(engine, item_id)
    rotated = settings.model_copy(update={"token_key": SecretStr(Fernet.generate_key().decode())})
    clock = Clock(T0 + MINUTE)
    with sending(engine, rotated, server, clock) as sender:
        result = sender.send_due()
        assert (result.paused, result.errors) == (1, [])
        clock.set(T0 + MINUTE + PAUSE + outbound.STALE_CLAIM)
        assert sender.send_due().recovered == 0
    action = action_of(engine, action_id)
    assert (action.state, action.attempts, action.error_code) == ("queued", 0, "token_key")


@pytest.mark.usefixtures("pages")
def test_a_sender_that_claims_between_anothers_select_and_update_takes_nothing_twice(
    engine: Engine, settings: Settings, server: GraphServer
) -> None:
    """The second sender runs whole while the first has read the due ids, not marked them."""
    ids = many_replies(engine, server)
    inside: list[int] = []

    def second_sender(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if inside or not re.match(r"SELECT outbound\.id\s+FROM outbound\b", statement):
            return
        inside.append(0)
        with sending(engine, settings, server, Clock(T0 + MINUTE)) as other:
            result = other.send_due()
        assert result.errors == []
        inside[0] = result.sent

    sa.event.listen(engine, "after_cursor_execute", second_sender)
    try:
        with sending(engine, settings, server, Clock(T0 + MINUTE)) as first:
            result = first.send_due()
    finally:
        sa.event.remove(engine, "after_cursor_execute", second_sender)
    assert result.errors == []
    assert inside
    assert result.sent + inside[0] == MANY
    all_sent_once(engine, server, ids)
