"""The Graph API client against a Graph API on loopback: shapes, verdicts, transport failures."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator

import httpx
import pytest

from inbox.channels.meta.graph import (
    HUMAN_AGENT,
    GraphClient,
    GraphError,
    GraphFailure,
    NotSent,
    TokenOwner,
    Uncertain,
)
from inbox.core.meta_errors import Outcome
from tests.graph_server import GraphServer, Scripted, graph_error
from tests.notify_servers import free_port

TOKEN = "EAAtokenPAGE1secretVALUE"
OTHER_TOKEN = "EAAtokenPAGE2secretVALUE"
PAGE = "1001"
POST = "1001_2002"
COMMENT = "2002_3003"
IG_COMMENT = "17873440459141021"
PSID = "24000000000000001"
V = "/v23.0"
# Much shorter than anything the server holds: a held answer is always a read timeout.
SHORT = httpx.Timeout(connect=2.0, read=2.0, write=2.0, pool=2.0)


@pytest.fixture
def server() -> Iterator[GraphServer]:
    srv = GraphServer({TOKEN: PAGE, OTHER_TOKEN: "9009"}, page_names={PAGE: "Region Exempel"})
    srv.add_object(POST, message="Ett inlägg")
    srv.add_object(
        COMMENT, message="När öppnar badhuset?", **{"from": {"id": PSID, "name": "Anna"}}
    )
    srv.add_object(IG_COMMENT, text="Hej!", username="anna")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def graph(server: GraphServer) -> Iterator[GraphClient]:
    client = GraphClient(server.url, "v23.0", timeout=SHORT)
    yield client
    client.close()


# --- request shapes and return values ---------------------------------------


def test_reply_to_comment(server: GraphServer, graph: GraphClient) -> None:
    new_id = graph.reply_to_comment(COMMENT, "Klockan 9, välkommen!", token=TOKEN)
    assert new_id == "2002_1"
    (r,) = server.requests
    assert (r.method, r.path) == ("POST", f"{V}/{COMMENT}/comments")
    assert r.form == {"message": "Klockan 9, välkommen!", "access_token": TOKEN}
    assert r.params == {}
    assert r.token_in == "form"
    assert r.headers["content-type"] == "application/x-www-form-urlencoded"
    assert server.objects[new_id]["message"] == "Klockan 9, välkommen!"


@pytest.mark.parametrize("hidden", [True, False])
def test_hide_comment(server: GraphServer, graph: GraphClient, hidden: bool) -> None:
    assert graph.hide_comment(COMMENT, hidden, token=TOKEN) is True
    (r,) = server.requests
    assert (r.method, r.path) == ("POST", f"{V}/{COMMENT}")
    assert r.form == {"is_hidden": "true" if hidden else "false", "access_token": TOKEN}
    assert server.objects[COMMENT]["is_hidden"] is hidden


def test_delete_comment(server: GraphServer, graph: GraphClient) -> None:
    assert graph.delete_comment(COMMENT, token=TOKEN) is True
    (r,) = server.requests
    assert (r.method, r.path, r.form) == ("DELETE", f"{V}/{COMMENT}", {})
    assert r.params == {"access_token": TOKEN}
    assert server.objects[COMMENT]["deleted"] is True


def test_reply_to_ig_comment(server: GraphServer, graph: GraphClient) -> None:
    new_id = graph.reply_to_ig_comment(IG_COMMENT, "Hej Anna!", token=TOKEN)
    assert new_id == "1789000000000001"
    (r,) = server.requests
    assert (r.method, r.path) == ("POST", f"{V}/{IG_COMMENT}/replies")
    assert r.form == {"message": "Hej Anna!", "access_token": TOKEN}


@pytest.mark.parametrize("hidden", [True, False])
def test_hide_ig_comment(server: GraphServer, graph: GraphClient, hidden: bool) -> None:
    assert graph.hide_ig_comment(IG_COMMENT, hidden, token=TOKEN) is True
    (r,) = server.requests
    assert (r.method, r.path) == ("POST", f"{V}/{IG_COMMENT}")
    assert r.form == {"hide": "true" if hidden else "false", "access_token": TOKEN}


def test_delete_ig_comment(server: GraphServer, graph: GraphClient) -> None:
    assert graph.delete_ig_comment(IG_COMMENT, token=TOKEN) is True
    assert [(r.method, r.path) for r in server.requests] == [("DELETE", f"{V}/{IG_COMMENT}")]


def test_private_reply(server: GraphServer, graph: GraphClient) -> None:
    mid = graph.private_reply(PAGE, COMMENT, "Vi skickar information privat.", token=TOKEN)
    assert mid == "m_000001"
    (r,) = server.requests
    assert (r.method, r.path) == ("POST", f"{V}/{PAGE}/messages")
    assert json.loads(r.form["recipient"]) == {"comment_id": COMMENT}
    assert json.loads(r.form["message"]) == {"text": "Vi skickar information privat."}
    assert "messaging_type" not in r.form
    assert server.objects[mid]["to"] == PSID


def test_send_message_as_a_response(server: GraphServer, graph: GraphClient) -> None:
    mid = graph.send_message(PAGE, PSID, "Tack för ditt meddelande – åäö", token=TOKEN)
    assert mid.startswith("m_")
    (r,) = server.requests
    assert (r.method, r.path) == ("POST", f"{V}/{PAGE}/messages")
    assert json.loads(r.form["recipient"]) == {"id": PSID}
    assert json.loads(r.form["message"]) == {"text": "Tack för ditt meddelande – åäö"}
    assert r.form["messaging_type"] == "RESPONSE"
    assert "tag" not in r.form


def test_send_message_with_the_human_agent_tag(server: GraphServer, graph: GraphClient) -> None:
    graph.send_message(PAGE, PSID, "Svar efter helgen", HUMAN_AGENT, token=TOKEN)
    (r,) = server.requests
    assert (r.form["messaging_type"], r.form["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_check_token(server: GraphServer, graph: GraphClient) -> None:
    owner = graph.check_token(PAGE, token=TOKEN)
    assert owner == TokenOwner(PAGE, "Region Exempel")
    assert owner == (PAGE, "Region Exempel")
    (r,) = server.requests
    assert (r.method, r.path) == ("GET", f"{V}/me")
    assert r.params == {"fields": "id,name", "access_token": TOKEN}
    # Another page's token answers with another id: the caller sees it.
    assert graph.check_token(PAGE, token=OTHER_TOKEN).id == "9009"


def test_lookup(server: GraphServer, graph: GraphClient) -> None:
    found = graph.lookup(COMMENT, token=TOKEN)
    assert found == {
        "id": COMMENT,
        "message": "När öppnar badhuset?",
        "from": {"id": PSID, "name": "Anna"},
        "created_time": "2025-03-04T09:30:00+0000",
    }
    (r,) = server.requests
    assert (r.method, r.path) == ("GET", f"{V}/{COMMENT}")
    assert r.params == {"fields": "id,message,from,created_time", "access_token": TOKEN}


def test_lookup_of_what_does_not_exist_is_none(server: GraphServer, graph: GraphClient) -> None:
    assert graph.lookup("2002_999", token=TOKEN) is None
    graph.delete_comment(COMMENT, token=TOKEN)
    assert graph.lookup(COMMENT, token=TOKEN) is None


def test_lookup_raises_other_errors(server: GraphServer, graph: GraphClient) -> None:
    with pytest.raises(GraphError) as caught:
        graph.lookup(COMMENT, token="EAAnotvalid")
    assert caught.value.verdict.outcome is Outcome.RECONNECT


def test_the_version_and_base_url_are_checked() -> None:
    for bad in ("23.0", "v23", "v23.0.1", "V23.0", " v23.0", "v23.0/"):
        with pytest.raises(ValueError, match="version"):
            GraphClient("https://graph.facebook.com", bad)
    for bad_url in ("graph.facebook.com", "ftp://graph.facebook.com", "https://x.test/?a=1"):
        with pytest.raises(ValueError, match="base URL"):
            GraphClient(bad_url, "v23.0")
    client = GraphClient("https://graph.facebook.com/", "v19.0")
    assert repr(client) == "GraphClient(base_url='https://graph.facebook.com', version='v19.0')"
    client.close()


def test_a_wrong_version_is_refused_by_the_server(server: GraphServer) -> None:
    with GraphClient(server.url, "v2.0", timeout=SHORT) as old, pytest.raises(GraphError):
        old.reply_to_comment(COMMENT, "x", token=TOKEN)
    assert server.requests[0].path.startswith("/v2.0/")


@pytest.mark.parametrize(
    "bad_id", ["", "../me", "1/2", "a b", "x?y=1", "%2e%2e", "..", "a#b", "x" * 201]
)
def test_ids_that_could_leave_the_path_are_refused(graph: GraphClient, bad_id: str) -> None:
    with pytest.raises(ValueError, match="not a Graph"):
        graph.reply_to_comment(bad_id, "x", token=TOKEN)
    with pytest.raises(ValueError, match="not a Graph"):
        graph.send_message(PAGE, bad_id, "x", token=TOKEN)


def test_empty_texts_tokens_and_unknown_tags_are_refused(
    server: GraphServer, graph: GraphClient
) -> None:
    with pytest.raises(ValueError, match="empty"):
        graph.reply_to_comment(COMMENT, "  ", token=TOKEN)
    with pytest.raises(ValueError, match="token"):
        graph.reply_to_comment(COMMENT, "x", token="")
    with pytest.raises(ValueError, match="token"):
        graph.reply_to_comment(COMMENT, "x", token="two words")
    with pytest.raises(ValueError, match="tag"):
        graph.send_message(PAGE, PSID, "x", "PROMOTION", token=TOKEN)
    assert server.requests == []


# --- Meta's errors become verdicts -------------------------------------------

ERRORS = [
    (400, graph_error(190, "Error validating access token", subcode=463), Outcome.RECONNECT),
    (403, graph_error(10, "(#10) Requires pages_messaging permission"), Outcome.PERMISSION),
    (403, graph_error(200, "(#200) Requires pages_manage_engagement"), Outcome.PERMISSION),
    (403, graph_error(230, "(#230) Requires pages_messaging_subscriptions"), Outcome.PERMISSION),
    (400, graph_error(4, "(#4) Application request limit reached"), Outcome.THROTTLED),
    (400, graph_error(17, "(#17) User request limit reached"), Outcome.THROTTLED),
    (400, graph_error(32, "(#32) Page request limit reached"), Outcome.THROTTLED),
    (400, graph_error(613, "(#613) Calls exceed the rate limit"), Outcome.THROTTLED),
    (400, graph_error(80001, "There have been too many calls"), Outcome.THROTTLED),
    (400, graph_error(80002, "Too many calls to this IG account"), Outcome.THROTTLED),
    (400, graph_error(80006, "Too many Messenger calls"), Outcome.THROTTLED),
    (500, graph_error(1, "An unknown error occurred", is_transient=True), Outcome.RETRY),
    (500, graph_error(2, "An unexpected error has occurred"), Outcome.RETRY),
    (400, graph_error(9000, "Something transient", is_transient=True), Outcome.RETRY),
    (400, graph_error(100, "Object does not exist", subcode=33), Outcome.FAIL),
    (
        400,
        graph_error(10, "(#10) Sent outside of allowed window", subcode=2018278),
        Outcome.FAIL,
    ),
    (400, graph_error(551, "This person isn't available right now."), Outcome.FAIL),
    (502, "<html><body>Bad Gateway</body></html>", Outcome.RETRY),
    (503, None, Outcome.RETRY),
    (404, None, Outcome.FAIL),
]


@pytest.mark.parametrize(("status", "body", "outcome"), ERRORS)
def test_each_error_becomes_its_verdict(
    server: GraphServer, graph: GraphClient, status: int, body: object, outcome: Outcome
) -> None:
    server.script("POST", f"{V}/{PAGE}/messages", Scripted(status=status, body=body))
    with pytest.raises(GraphError) as caught:
        graph.send_message(PAGE, PSID, "Hej", token=TOKEN)
    error = caught.value
    assert error.verdict.outcome is outcome
    assert error.status == status
    assert (error.method, error.path) == ("POST", f"/{PAGE}/messages")
    if isinstance(body, dict):
        assert error.verdict.code == body["error"]["code"]
        assert error.verdict.fbtrace_id == "AbCdEfGhIjK"
        assert "AbCdEfGhIjK" in str(error)


def test_a_throttled_answer_carries_the_wait_from_the_usage_header(
    server: GraphServer, graph: GraphClient
) -> None:
    usage = {"1001": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 7}]}
    server.script(
        "POST",
        f"{V}/{COMMENT}/comments",
        Scripted(
            status=400,
            body=graph_error(80001, "Too many calls"),
            headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
        ),
    )
    with pytest.raises(GraphError) as caught:
        graph.reply_to_comment(COMMENT, "Hej", token=TOKEN)
    assert caught.value.verdict.outcome is Outcome.THROTTLED
    assert caught.value.verdict.retry_after_seconds == 7 * 60


def test_a_scripted_step_is_used_once(server: GraphServer, graph: GraphClient) -> None:
    server.script("POST", f"{V}/{COMMENT}/comments", Scripted(status=500, body=None))
    with pytest.raises(GraphError):
        graph.reply_to_comment(COMMENT, "Hej", token=TOKEN)
    assert graph.reply_to_comment(COMMENT, "Hej", token=TOKEN) == "2002_1"


def test_an_unknown_token_is_reconnect(server: GraphServer, graph: GraphClient) -> None:
    with pytest.raises(GraphError) as caught:
        graph.hide_comment(COMMENT, True, token="EAAsomethingelse")
    assert caught.value.verdict.outcome is Outcome.RECONNECT
    assert caught.value.verdict.message_sv == "Meta godkänner inte sidans token längre."


def test_a_token_for_another_page_cannot_message_for_this_one(
    server: GraphServer, graph: GraphClient
) -> None:
    with pytest.raises(GraphError) as caught:
        graph.send_message(PAGE, PSID, "Hej", token=OTHER_TOKEN)
    assert caught.value.verdict.outcome is Outcome.PERMISSION


def test_an_error_inside_a_200_is_still_an_error(server: GraphServer, graph: GraphClient) -> None:
    server.script(
        "POST", f"{V}/{COMMENT}", Scripted(status=200, body=graph_error(100, "gone", subcode=33))
    )
    with pytest.raises(GraphError) as caught:
        graph.hide_comment(COMMENT, True, token=TOKEN)
    assert caught.value.verdict.outcome is Outcome.FAIL


# --- transport: not sent versus uncertain -------------------------------------


def test_nothing_listening_is_not_sent() -> None:
    client = GraphClient(f"http://127.0.0.1:{free_port()}", "v23.0", timeout=SHORT)
    with client, pytest.raises(NotSent) as caught:
        client.reply_to_comment(COMMENT, "Hej", token=TOKEN)
    assert isinstance(caught.value, GraphFailure)
    assert caught.value.path == f"/{COMMENT}/comments"
    assert caught.value.__cause__ is None


def _raising(exc: Exception) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectError("[Errno -2] Name or service not known"), NotSent),
        (httpx.ConnectError("[Errno 111] Connection refused"), NotSent),
        (httpx.ConnectTimeout("timed out"), NotSent),
        (httpx.PoolTimeout("timed out"), NotSent),
        (httpx.UnsupportedProtocol("no scheme"), NotSent),
        (httpx.ReadTimeout("timed out"), Uncertain),
        (httpx.WriteTimeout("timed out"), Uncertain),
        (httpx.ReadError("[Errno 104] Connection reset by peer"), Uncertain),
        (httpx.WriteError("[Errno 32] Broken pipe"), Uncertain),
        (httpx.RemoteProtocolError("Server disconnected without sending a response"), Uncertain),
        (httpx.DecodingError("bad gzip"), Uncertain),
    ],
)
def test_each_transport_failure_is_not_sent_or_uncertain(
    exc: Exception, kind: type[GraphFailure]
) -> None:
    client = GraphClient("https://graph.test", "v23.0", transport=_raising(exc))
    with client, pytest.raises(kind) as caught:
        client.send_message(PAGE, PSID, "Hej", token=TOKEN)
    assert type(exc).__name__ in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_an_answer_that_never_comes_is_uncertain_and_meta_did_act(
    server: GraphServer, graph: GraphClient
) -> None:
    release = threading.Event()
    server.script("POST", f"{V}/{COMMENT}/comments", Scripted(hold=release))
    try:
        with pytest.raises(Uncertain) as caught:
            graph.reply_to_comment(COMMENT, "Svaret som tappades", token=TOKEN)
        assert server.held.wait(timeout=5)
        assert len(server.calls("POST", f"{V}/{COMMENT}/comments")) == 1
        assert "ReadTimeout" in str(caught.value)
        # The reply exists at Meta: looking it up settles the send.
        (created,) = [o for o in server.objects.values() if o.get("parent_id") == COMMENT]
        assert graph.lookup(created["id"], token=TOKEN)["message"] == "Svaret som tappades"
    finally:
        release.set()


def test_a_held_error_is_uncertain_too(server: GraphServer, graph: GraphClient) -> None:
    release = threading.Event()
    server.script(
        "POST", f"{V}/{PAGE}/messages", Scripted(status=500, body=graph_error(2), hold=release)
    )
    try:
        with pytest.raises(Uncertain):
            graph.send_message(PAGE, PSID, "Hej", token=TOKEN)
    finally:
        release.set()


def test_a_connection_closed_without_an_answer_is_uncertain(
    server: GraphServer, graph: GraphClient
) -> None:
    server.script("POST", f"{V}/{PAGE}/messages", Scripted(close=True))
    with pytest.raises(Uncertain) as caught:
        graph.send_message(PAGE, PSID, "Hej", token=TOKEN)
    assert len(server.calls("POST")) == 1
    assert caught.value.method == "POST"


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "", '"a string"'])
def test_an_unreadable_success_is_uncertain(
    server: GraphServer, graph: GraphClient, body: str
) -> None:
    server.script("POST", f"{V}/{COMMENT}/comments", Scripted(status=200, body=body))
    with pytest.raises(Uncertain, match="could not be read"):
        graph.reply_to_comment(COMMENT, "Hej", token=TOKEN)


@pytest.mark.parametrize("body", [{}, {"id": ""}, {"id": None}, {"success": True}])
def test_a_success_without_the_id_is_uncertain(
    server: GraphServer, graph: GraphClient, body: object
) -> None:
    server.script("POST", f"{V}/{COMMENT}/comments", Scripted(status=200, body=body))
    with pytest.raises(Uncertain, match="without 'id'"):
        graph.reply_to_comment(COMMENT, "Hej", token=TOKEN)


def test_moderation_without_success_is_uncertain(server: GraphServer, graph: GraphClient) -> None:
    server.script("POST", f"{V}/{COMMENT}", Scripted(status=200, body={"success": False}))
    with pytest.raises(Uncertain, match="without success"):
        graph.hide_comment(COMMENT, True, token=TOKEN)


# --- the token stays out of sight --------------------------------------------


def test_the_token_is_never_in_exceptions_or_logs(
    server: GraphServer, graph: GraphClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    failures: list[BaseException] = []
    release = threading.Event()
    server.script(
        "POST",
        f"{V}/{COMMENT}/comments",
        Scripted(status=400, body=graph_error(190, f"Bad token {TOKEN} (access_token={TOKEN})")),
        Scripted(hold=release),
        Scripted(close=True),
    )
    server.script("GET", f"{V}/{COMMENT}", Scripted(status=400, body=graph_error(4)))
    try:
        for _ in range(3):
            with pytest.raises(GraphFailure) as caught:
                graph.reply_to_comment(COMMENT, "Hej", token=TOKEN)
            failures.append(caught.value)
        with pytest.raises(GraphError) as read_error:
            graph.lookup(COMMENT, token=TOKEN)
        failures.append(read_error.value)
    finally:
        release.set()
    graph.lookup(COMMENT, token=TOKEN)
    graph.delete_comment(COMMENT, token=TOKEN)
    graph.check_token(PAGE, token=TOKEN)
    nowhere = GraphClient(f"http://127.0.0.1:{free_port()}", "v23.0", timeout=SHORT)
    with nowhere, pytest.raises(NotSent) as not_sent:
        nowhere.lookup(COMMENT, token=TOKEN)
    failures.append(not_sent.value)

    assert [type(f).__name__ for f in failures] == [
        "GraphError",
        "Uncertain",
        "Uncertain",
        "GraphError",
        "NotSent",
    ]
    for failure in failures:
        assert TOKEN not in str(failure)
        assert TOKEN not in repr(failure)
        assert all(TOKEN not in str(arg) for arg in failure.args)
        assert failure.__cause__ is None
    first = failures[0]
    assert isinstance(first, GraphError)
    assert TOKEN not in repr(first.verdict)
    assert "Bad token ***" in first.verdict.meta_message
    assert TOKEN not in repr(graph)
    # The library's own request lines went through the logs, masked.
    assert any("HTTP Request: GET" in r.getMessage() for r in caplog.records)
    assert any("access_token=***" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
    assert TOKEN not in caplog.text
