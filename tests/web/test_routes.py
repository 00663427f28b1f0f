"""HTTP tests: sign-in, authorisation on every route, CSRF, actions, escaping."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from inbox.core.formatting import local_datetime
from inbox.core.incoming import NewItem
from inbox.core.timeutil import utcnow
from inbox.store.db import session_scope
from inbox.store.models import Correction, Event, Item, Note, Response
from inbox.store.report import build_report
from inbox.web import auth
from tests.factories import add_items, make_page
from tests.web_support import PASSWORD, client_for, csrf_of, login, make_user

HTML = {"accept": "text/html"}


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    """Two departments' items, and one user of each kind."""
    make_page(engine, "fb", name="Region Väst")
    now = datetime.now(UTC)
    ids = add_items(
        engine,
        NewItem(
            page="fb",
            external_id="own",
            received_at=now - timedelta(hours=2),
            text="Min remiss har inte kommit",
            author="Eva Ek",
            post_id="p1",
        ),
        NewItem(
            page="fb",
            external_id="other",
            received_at=now - timedelta(hours=1),
            text="Bussen är sen",
            author="Olle Berg",
            post_id="p1",
        ),
        NewItem(
            page="fb",
            external_id="threat",
            received_at=now - timedelta(minutes=30),
            text="Jag ska bränna ner stället",
            author="X",
        ),
    )
    with session_scope(engine) as session:
        for item_id, dep in zip(
            ids, ["halso_sjukvard", "kollektivtrafik", "kollektivtrafik"], strict=True
        ):
            item = session.get(Item, item_id)
            assert item is not None
            item.department = dep
            session.add(item)
        threat = session.get(Item, ids[2])
        assert threat is not None
        threat.flags = " threat "
        threat.priority = "urgent"
    make_user(engine, "anna@x.se", "communicator", ("halso_sjukvard",))
    make_user(engine, "david@x.se", "communicator", ("kontaktcenter",), duty=True)
    make_user(engine, "cecilia@x.se", "supervisor")
    make_user(engine, "admin@x.se", "admin")
    return {"own": ids[0], "other": ids[1], "threat": ids[2]}


# --- Authorisation matrix ---------------------------------------------------------------

ROLES = ("anonymous", "anna@x.se", "cecilia@x.se", "admin@x.se")


def _routes(ids: dict[str, int]) -> list[tuple[str, str, dict[str, str]]]:
    own, other = ids["own"], ids["other"]
    return [
        ("GET", "/", {}),
        ("GET", "/queue/rows", {}),
        ("GET", "/duty", {}),
        ("GET", f"/items/{own}", {}),
        ("GET", f"/items/{other}", {}),
        ("POST", f"/items/{own}/presence", {}),
        ("POST", f"/items/{other}/presence", {}),
        ("POST", f"/items/{own}/note", {"text": "n"}),
        ("POST", f"/items/{other}/note", {"text": "n"}),
        ("POST", f"/items/{own}/assign", {"assignee": "me"}),
        ("POST", f"/items/{other}/assign", {"assignee": "me"}),
        ("GET", "/dashboard", {}),
        ("GET", "/dashboard/pages.csv", {}),
        ("GET", "/report", {}),
        ("GET", "/admin/users", {}),
        (
            "POST",
            "/admin/users",
            {"email": "new@x.se", "name": "N", "password": PASSWORD, "role": "communicator"},
        ),
        ("POST", "/logout", {}),
        ("GET", "/admin/pages", {}),
    ]


EXPECTED = {
    # route index -> status for (anonymous, communicator, supervisor, admin)
    0: (401, 200, 200, 200),
    1: (401, 200, 200, 200),
    2: (401, 403, 200, 200),
    3: (401, 200, 200, 200),
    4: (401, 403, 200, 200),
    5: (401, 200, 200, 200),
    6: (401, 403, 200, 200),
    7: (401, 303, 303, 303),
    8: (401, 403, 303, 303),
    9: (401, 303, 303, 303),
    10: (401, 403, 303, 303),
    11: (401, 403, 200, 200),
    12: (401, 403, 200, 200),
    13: (401, 403, 200, 200),
    14: (401, 403, 403, 200),
    15: (401, 403, 403, 303),
    16: (401, 303, 303, 303),
    17: (401, 403, 403, 200),
}


@pytest.mark.parametrize("role_index", range(len(ROLES)))
def test_authorisation_matrix(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int], role_index: int
) -> None:
    role = ROLES[role_index]
    for index, (method, path, data) in enumerate(_routes(world)):
        with client_for(database_url, tmp_path) as client:
            token = csrf_of(client) if role == "anonymous" else login(client, role)
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data={**data, "csrf_token": token})
            assert response.status_code == EXPECTED[index][role_index], (role, method, path)


def _row_counts(engine: Engine) -> dict[str, int]:
    tables = ("user", "event", "note", "response", "item")
    with engine.connect() as conn:
        return {
            name: int(
                conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
            )
            for name in tables
        }


@pytest.mark.parametrize("case", ["signed_out_copy", "expired", "forged_csrf"])
def test_authorisation_matrix_of_ended_sessions_and_forged_tokens(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    world: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    """The admin's session, every route: a signed-out copy and an expired session
    are anonymous (401); a forged CSRF token is refused (403) and changes nothing."""
    start = [utcnow()]
    offset = [timedelta(0)]
    monkeypatch.setattr(auth, "utcnow", lambda: start[0] + offset[0])
    with client_for(database_url, tmp_path) as client:
        token = login(client, "admin@x.se")
        # The lifetime counts from sign-in, however long start-up and signing in took.
        start[0] = utcnow()
        if case == "signed_out_copy":
            copied = client.cookies.get("inbox_session")
            assert copied
            assert client.post("/logout", data={"csrf_token": token}).status_code == 303
        before = _row_counts(engine)
        for method, path, data in _routes(world):
            if case == "signed_out_copy":
                client.cookies.clear()
                client.cookies.set("inbox_session", copied)
            if case == "expired":
                offset[0] = timedelta(hours=12, seconds=1)
            if method == "GET":
                if case == "forged_csrf":
                    continue
                response = client.get(path)
            else:
                forged = "x" * len(token) if case == "forged_csrf" else token
                response = client.post(path, data={**data, "csrf_token": forged})
            expected = 403 if case == "forged_csrf" else 401
            assert response.status_code == expected, (case, method, path)
        assert _row_counts(engine) == before


def test_anonymous_browser_is_sent_to_login(database_url: str, tmp_path: Path) -> None:
    with client_for(database_url, tmp_path) as client:
        response = client.get("/dashboard?window=week", headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/dashboard%3Fwindow%3Dweek"


def test_duty_person_sees_urgent_items_of_other_departments(
    database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client:
        login(client, "david@x.se")
        duty = client.get("/duty", headers=HTML)
        assert duty.status_code == 200
        assert "bränna ner" in duty.text
        assert "Bussen är sen" not in duty.text
        assert client.get(f"/items/{world['threat']}", headers=HTML).status_code == 200
        assert client.get(f"/items/{world['other']}", headers=HTML).status_code == 403


def test_communicator_queue_defaults_to_own_departments(
    database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@x.se")
        queue = client.get("/", headers=HTML)
        assert "Min remiss" in queue.text
        assert "Bussen är sen" not in queue.text
        login(client, "cecilia@x.se")
        assert "Bussen är sen" in client.get("/", headers=HTML).text


# --- Sign-in, CSRF, throttling -----------------------------------------------------------


def test_csrf_token_is_required_on_every_unsafe_request(
    database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "cecilia@x.se")
        for data in ({"text": "x"}, {"text": "x", "csrf_token": "forged" * 8}):
            response = client.post(f"/items/{world['own']}/note", data=data)
            assert response.status_code == 403
        header = client.post(
            f"/items/{world['own']}/note", data={"text": "x"}, headers={"x-csrf-token": token}
        )
        assert header.status_code == 303
    with client_for(database_url, tmp_path) as fresh:
        assert fresh.post("/login", data={"email": "a@x.se", "password": "p"}).status_code == 403


def test_login_is_throttled_after_five_failures(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client:
        token = csrf_of(client)
        for _ in range(5):
            bad = client.post(
                "/login", data={"email": "anna@x.se", "password": "wrong", "csrf_token": token}
            )
            assert bad.status_code == 400
            assert "Fel e-postadress eller lösenord" in bad.text
        locked = client.post(
            "/login", data={"email": "anna@x.se", "password": PASSWORD, "csrf_token": token}
        )
        assert locked.status_code == 429
        assert "För många misslyckade försök" in locked.text
    # Stored in the database: a restarted server still refuses.
    with client_for(database_url, tmp_path) as client:
        token = csrf_of(client)
        again = client.post(
            "/login", data={"email": "anna@x.se", "password": PASSWORD, "csrf_token": token}
        )
        assert again.status_code == 429


def test_session_cookie_flags_and_security_headers(
    database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path, base_url="https://inbox.example.se") as client:
        page = client.get("/login", headers=HTML)
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" in cookie
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_deactivated_user_is_signed_out(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client, client_for(database_url, tmp_path) as admin:
        login(client, "anna@x.se")
        token = login(admin, "admin@x.se")
        with Session(engine) as session:
            from inbox.store.models import User

            anna = session.exec(select(User).where(User.email == "anna@x.se")).one()
        response = admin.post(
            f"/admin/users/{anna.id}/active", data={"active": "0", "csrf_token": token}
        )
        assert response.status_code == 303
        assert client.get("/").status_code == 401


def test_open_redirect_refused(database_url: str, tmp_path: Path, world: dict[str, int]) -> None:
    with client_for(database_url, tmp_path) as client:
        token = csrf_of(client)
        response = client.post(
            "/login",
            data={
                "email": "anna@x.se",
                "password": PASSWORD,
                "csrf_token": token,
                "next": "//evil.example",
            },
        )
    assert response.headers["location"] == "/"


def test_demo_password_only_shown_with_demo_data(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with client_for(database_url, tmp_path) as client:
        assert "Demodata" not in client.get("/login", headers=HTML).text
    with session_scope(engine) as session:
        from inbox.actions.demo import add_demo_users

        password = add_demo_users(session, now=datetime.now(UTC))
    with client_for(database_url, tmp_path) as client:
        page = client.get("/login", headers=HTML).text
        assert password in page
        assert "anna@demo" in page
        login(client, "cecilia@demo", password)


# --- Queue, item and actions ------------------------------------------------------------


def test_customer_text_is_escaped_everywhere(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    ids = add_items(
        engine,
        NewItem(
            page="fb",
            external_id="xss",
            received_at=datetime.now(UTC) - timedelta(minutes=5),
            text=evil,
            author="<b>Mallory</b>",
            post_id="p1",
        ),
    )
    with client_for(database_url, tmp_path) as client:
        login(client, "cecilia@x.se")
        for path in ("/", f"/items/{ids[0]}", f"/items/{world['own']}"):
            text = client.get(path, headers=HTML).text
            assert "<script>alert" not in text
            assert "<img src=x" not in text
            assert "<b>Mallory" not in text
        assert (
            "&lt;script&gt;alert(1)&lt;/script&gt;"
            in client.get(f"/items/{ids[0]}", headers=HTML).text
        )


def test_personal_identity_numbers_are_masked(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    text = "Mitt personnummer är 19121212-1212, var är remissen?"
    start = text.index("1912")
    with session_scope(engine) as session:
        item = session.get(Item, world["own"])
        assert item is not None
        item.text = text
        item.classification = {
            "pii_spans": [[start, start + 13, "personnummer"]],
            "reason": "Ord: remiss",
        }
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@x.se")
        for path in ("/", f"/items/{world['own']}"):
            page = client.get(path, headers=HTML).text
            assert "19121212-1212" not in page
            assert "[personnummer]" in page
        assert "Ord: remiss" in client.get(f"/items/{world['own']}", headers=HTML).text


def test_queue_filters_counts_and_bad_filter(
    database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client:
        login(client, "cecilia@x.se")
        page = client.get("/?department=kollektivtrafik", headers=HTML).text
        assert "Bussen är sen" in page
        assert "Min remiss" not in page
        assert "Länstrafiken (2)" in page
        assert "Min remiss" in client.get("/?q=REMISS", headers=HTML).text
        assert "Bussen" not in client.get("/?q=remiss", headers=HTML).text
        assert "Min remiss" in client.get("/?sla=ok", headers=HTML).text
        assert "Min remiss" not in client.get("/?sla=breached", headers=HTML).text
        rows = client.get("/queue/rows?department=kollektivtrafik")
        assert rows.status_code == 200
        assert 'hx-get="/queue/rows?department=kollektivtrafik"' in rows.text
        bad = client.get("/?sla=soon")
        assert bad.status_code == 400
        assert "sla" in bad.json()["error"]


def test_reply_closes_the_item_counts_first_response_and_warns_a_second_replier(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    own = world["own"]
    with client_for(database_url, tmp_path) as anna, client_for(database_url, tmp_path) as boss:
        token = login(anna, "anna@x.se")
        boss_token = login(boss, "cecilia@x.se")
        page = anna.get(f"/items/{own}", headers=HTML).text
        assert "Hej Eva!" in page  # saved reply with the first name filled in
        boss.get(f"/items/{own}", headers=HTML)
        # Cecilia has it open: Anna's page warns, and her answer goes without a second click.
        warned = anna.get(f"/items/{own}", headers=HTML).text
        assert "Har ärendet öppet just nu:" in warned
        assert "Cecilia" in warned
        sent = anna.post(
            f"/items/{own}/record",
            data={"text": "Hej Eva!", "seen_responses": "0", "csrf_token": token},
        )
        assert sent.status_code == 303
        second = boss.post(
            f"/items/{own}/record",
            data={"text": "Hej igen", "seen_responses": "0", "csrf_token": boss_token},
        )
        assert second.status_code == 409
        assert "Någon annan har svarat" in second.text
    with Session(engine) as session:
        item = session.get(Item, own)
        assert item is not None
        assert item.status == "closed"
        assert item.resolution == "answered"
        assert item.first_responder == "anna@x.se"
        events = [e.kind for e in session.exec(select(Event).where(Event.item_id == own))]
        assert "response_elsewhere" in events


def test_acknowledge_counts_as_first_response_and_keeps_item_open(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "david@x.se")
        response = client.post(
            f"/items/{world['threat']}/acknowledge?next=/duty", data={"csrf_token": token}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/duty"
    with Session(engine) as session:
        item = session.get(Item, world["threat"])
        assert item is not None
        assert item.status == "open"
        assert item.first_response_at is not None
        sent = session.exec(select(Response).where(Response.item_id == item.id)).one()
        assert sent.source == "acknowledgement"
        assert "Vi har sett din fråga och återkommer" in sent.text


@pytest.mark.parametrize(
    ("action", "data", "check"),
    [
        ("close", {"resolution": "no_reply_needed"}, lambda i: i.resolution == "no_reply_needed"),
        ("close", {"resolution": "spam"}, lambda i: i.resolution == "spam"),
        ("remove", {"reason": "hot", "detail": ""}, lambda i: i.resolution == "removed"),
        ("assign", {"assignee": "me"}, lambda i: i.assignee == "cecilia@x.se"),
        ("assign", {"assignee": "anna@x.se"}, lambda i: i.assignee == "anna@x.se"),
        (
            "send",
            {"department": "kollektivtrafik", "note": "Gäller bussen"},
            lambda i: i.department == "kollektivtrafik",
        ),
        (
            "correct",
            {"field": "topic", "value": "kollektivtrafik"},
            lambda i: i.topic == "kollektivtrafik",
        ),
        (
            "correct",
            {"field": "sentiment", "value": "negative"},
            lambda i: i.sentiment == "negative",
        ),
        ("note", {"text": "Ringde upp"}, lambda i: True),
    ],
)
def test_item_actions_write_and_audit(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    world: dict[str, int],
    action: str,
    data: dict[str, str],
    check: object,
) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "cecilia@x.se")
        response = client.post(
            f"/items/{world['own']}/{action}", data={**data, "csrf_token": token}
        )
        assert response.status_code == 303, response.text[:1000]
    with Session(engine) as session:
        item = session.get(Item, world["own"])
        assert item is not None
        assert check(item)  # type: ignore[operator]
        kinds = {e.actor for e in session.exec(select(Event).where(Event.item_id == item.id))}
        assert "cecilia@x.se" in kinds
        if action == "correct":
            assert session.exec(select(Correction)).one().new_value == data["value"]
        if action in ("note", "send"):
            assert session.exec(select(Note)).one().author == "cecilia@x.se"


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("remove", {"reason": "annat", "detail": ""}, "annat"),
        ("remove", {"reason": "tråkig"}, "Okänt skäl"),
        ("send", {"department": "nowhere"}, "Okänd förvaltning"),
        ("correct", {"field": "topic", "value": "nope"}, "Okänt värde"),
        ("record", {"text": "   "}, "Svaret är tomt"),
        # A page without a Meta connection cannot send: it says so, and offers recording.
        ("reply", {"text": "Hej", "idempotency_key": "k" * 32}, "inte kopplad till Meta"),
        ("assign", {"assignee": "ghost@x.se"}, "ingen aktiv"),
    ],
)
def test_refused_actions_say_why(
    database_url: str,
    tmp_path: Path,
    world: dict[str, int],
    action: str,
    data: dict[str, str],
    message: str,
) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "cecilia@x.se")
        response = client.post(
            f"/items/{world['own']}/{action}", data={**data, "csrf_token": token}
        )
    # The item page again, with the message (422: the form can be sent again, corrected).
    assert response.status_code == 422
    assert message in response.text


def test_unknown_item_and_action(database_url: str, tmp_path: Path, world: dict[str, int]) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "cecilia@x.se")
        assert client.get("/items/999999", headers=HTML).status_code == 404
        assert (
            client.post(f"/items/{world['own']}/explode", data={"csrf_token": token}).status_code
            == 404
        )


def test_thread_shows_siblings(database_url: str, tmp_path: Path, world: dict[str, int]) -> None:
    with client_for(database_url, tmp_path) as client:
        login(client, "cecilia@x.se")
        page = client.get(f"/items/{world['own']}", headers=HTML).text
    assert "Bussen är sen" in page


def test_thread_hides_items_the_communicator_may_not_open(
    database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@x.se")
        page = client.get(f"/items/{world['own']}", headers=HTML).text
    assert "Bussen är sen" not in page
    assert f"/items/{world['other']}" not in page
    assert "1 kommentar eller meddelande i tråden hör till en annan förvaltning." in page


# --- Dashboard ----------------------------------------------------------------------------


def test_dashboard_matches_the_report_and_downloads_csv(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "cecilia@x.se")
        client.post(
            f"/items/{world['own']}/record",
            data={"text": "Svar", "confirm": "1", "csrf_token": token},
        )
        page = client.get("/dashboard", headers=HTML)
        assert page.status_code == 200
        assert "<svg" in page.text
        csv_text = client.get("/dashboard/pages.csv?dialect=plain").text
        people = client.get("/dashboard/people.csv?dialect=plain").text
        for name in ("departments", "topics", "sentiments", "weeks", "breaches"):
            assert client.get(f"/dashboard/{name}.csv").status_code == 200
        assert client.get("/dashboard/nothing.csv").status_code == 404
        assert (
            client.get("/dashboard?window=custom&from=2026-02-01&to=2026-01-01").status_code == 400
        )
        for preset in ("week", "month", "quarter"):
            assert client.get(f"/dashboard?window={preset}").status_code == 200
    from inbox.core.calendar import local_date

    now = datetime.now(UTC)
    end = local_date(now) + timedelta(days=1)
    with engine.connect() as conn:
        report = build_report(conn, start=end - timedelta(days=28), end=end, as_of=now)
    fb = report.pages["fb"]
    line = next(row for row in csv_text.splitlines() if row.startswith("fb,"))
    assert line.split(",")[2:6] == [
        str(fb.received),
        str(fb.excluded),
        str(fb.requiring_response),
        str(fb.responded),
    ]
    assert re.search(r"^anna@x\.se,", people, re.M) is None  # Cecilia replied, not Anna
    assert re.search(r"^cecilia@x\.se,", people, re.M)


def test_a_csv_download_right_after_a_write_counts_it_and_says_as_of_when(
    database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    """The page may show figures a moment old while new ones are computed; a download never."""

    def responded(csv_text: str) -> str:
        line = next(row for row in csv_text.splitlines() if row.startswith("fb,"))
        return line.split(",")[5]

    with client_for(database_url, tmp_path) as client:
        token = login(client, "cecilia@x.se")
        assert client.get("/dashboard?fresh=1", headers=HTML).status_code == 200
        before = client.get("/dashboard/pages.csv?dialect=plain")
        client.post(
            f"/items/{world['own']}/record",
            data={"text": "Svar", "confirm": "1", "csrf_token": token},
        )
        written = datetime.now(UTC)
        after = client.get("/dashboard/pages.csv?dialect=plain")
        excel = client.get("/dashboard/pages.csv")
    assert int(responded(after.text)) == int(responded(before.text)) + 1
    disposition = after.headers["content-disposition"]
    assert re.search(r'-per-\d{4}-\d\d-\d\dT\d{4}\.csv"$', disposition), disposition
    # The file says it too: the plain rows end with the moment, the Excel file opens with it.
    as_of = datetime.fromisoformat(after.text.splitlines()[1].split(",")[-1])
    assert abs(as_of - written) < timedelta(minutes=1)
    first = excel.text.removeprefix("\ufeff").splitlines()[0]
    assert first.startswith("Period;Inkomna från och med ")
    moments = (as_of, as_of + timedelta(minutes=1))  # the second download, a moment later
    assert first.endswith(tuple(local_datetime(m, pattern="d MMM y HH:mm") for m in moments))


def test_english_can_be_chosen(database_url: str, tmp_path: Path, world: dict[str, int]) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "anna@x.se")
        assert "Logga ut" in client.get("/", headers=HTML).text
        client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
        page = client.get("/", headers=HTML).text
        assert 'lang="en"' in page
        assert "Sign out" in page
        assert client.post("/language", data={"lang": "de", "csrf_token": token}).status_code == 400


def test_health(database_url: str, tmp_path: Path) -> None:
    with client_for(database_url, tmp_path) as client:
        assert client.get("/healthz").text == "ok"
        assert client.get("/static/vendor/htmx.min.js").status_code == 200


def test_grouped_report_sums_to_the_total(engine: Engine, world: dict[str, int]) -> None:
    from inbox.store.report import build_breakdowns

    now = datetime.now(UTC)
    start = (now - timedelta(days=3)).date()
    end = (now + timedelta(days=2)).date()
    with engine.connect() as conn:
        total = build_report(conn, start=start, end=end, as_of=now).total
        for by in ("department", "person", "topic", "sentiment"):
            groups = getattr(build_breakdowns(conn, start=start, end=end, as_of=now), by)
            assert sum(m.received for m in groups.values()) == total.received
            assert sum(m.breached for m in groups.values()) == total.breached
    assert sa  # keep import used


def test_errors_render_html_for_browsers_and_json_otherwise(
    database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@x.se")
        page = client.get("/items/999999", headers=HTML)
        assert page.status_code == 404
        assert "<h1>Sidan finns inte</h1>" in page.text
        forbidden = client.get(f"/items/{world['other']}", headers=HTML)
        assert "Du har inte behörighet (403)" in forbidden.text
        assert client.get("/items/999999").json() == {"error": "Ärendet finns inte."}


def test_the_default_window_is_computed_at_start(
    database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    from inbox.core.calendar import local_date

    with client_for(database_url, tmp_path) as client:
        figures = client.app.state.dashboard_figures  # type: ignore[attr-defined]
        figures.wait()
        end = local_date(datetime.now(UTC)) + timedelta(days=1)
        ready = figures.peek((end - timedelta(days=28), end))
        assert ready is not None
        assert ready.data["start"] == end - timedelta(days=28)
        assert set(ready.data["report"].pages) == {"fb"}


def test_dashboard_figures_follow_every_write(
    database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "cecilia@x.se")
        figures = client.app.state.dashboard_figures  # type: ignore[attr-defined]

        def responded(query: str = "") -> str:
            # The page's "Besvarade" for fb (downloads are always computed afresh).
            page = client.get(f"/dashboard{query}", headers=HTML).text
            table = page[page.index('id="per-page"') :]
            row = re.search(r'<th scope="row">[^<]*</th>(.*?)</tr>', table, re.S)
            assert row, page[:500]
            return re.findall(r'<td class="num">([^<]*)</td>', row.group(1))[2]

        def reply(key: str) -> None:
            response = client.post(
                f"/items/{world[key]}/record",
                data={"text": "Svar", "confirm": "1", "csrf_token": token},
            )
            assert response.status_code == 303

        before = responded()
        assert responded() == before  # reused while nothing was written
        reply("own")
        # Right after a write: the previous figures, while new ones are computed
        # in the background; the next visit gets those.
        assert responded() == before
        figures.wait()
        assert int(responded()) == int(before) + 1
        reply("other")
        page = client.get("/dashboard", headers=HTML).text
        assert "nya siffror räknas fram" in page  # the figures say they are older
        assert 'href="/dashboard?fresh=1"' in page
        figures.wait()
        assert "nya siffror räknas fram" not in client.get("/dashboard", headers=HTML).text
        assert int(responded()) == int(before) + 2
        # "Räkna om nu" computes while the visitor waits.
        reply("threat")
        assert int(responded("?fresh=1")) == int(before) + 3
        assert 'href="/dashboard?fresh=1"' in client.get("/dashboard", headers=HTML).text


def test_the_admin_pages_page_says_what_each_page_can_send(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    from inbox.actions import pages as pages_actions
    from inbox.settings import Settings
    from tests.factories import NOW

    with session_scope(engine) as session:
        pages_actions.add_page(
            session, key="meta_ok", name="Kopplad sida", platform_id="501", actor="t", now=NOW
        )
        pages_actions.add_page(
            session, key="meta_new", name="Okopplad sida", platform_id="502", actor="t", now=NOW
        )
        pages_actions.connect_page(
            session,
            key="meta_ok",
            platform_id="501",
            platform_name="Kopplad sida",
            token_cipher=Settings().token_box().seal("EAAB-x"),
            actor="t",
            now=NOW,
        )
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@x.se")
        page = client.get("/admin/pages", headers=HTML).text
    ok = re.search(r"Kopplad sida.*?</tr>", page, re.S)
    new = re.search(r"Okopplad sida.*?</tr>", page, re.S)
    assert ok is not None
    assert new is not None
    assert ">kopplad<" in ok.group(0)
    assert ">inte kopplad<" in new.group(0)
    assert "inbox pages connect meta_new --token-stdin" in new.group(0)
