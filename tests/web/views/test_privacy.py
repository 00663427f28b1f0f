"""Personal data: masked in every output, revealed with a reason, handed over to the
registry, and the audit trail readable (page and CLI)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from inbox.actions import privacy
from inbox.actions.audit import record_event
from inbox.app import create_app
from inbox.cli.main import main
from inbox.core.incoming import NewItem
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.models import Event, Item, ItemSource, Registration, Response
from tests.api_helpers import make_token
from tests.factories import add_items, make_page
from tests.notify_servers import HttpReceiver, SmtpServer
from tests.web_support import client_for, csrf_of, login, make_user, write_rules

HTML = {"accept": "text/html"}

TEXT = (
    "Hej, mitt personnummer är 19811218-9875, ring 070-123 45 67 eller mejla "
    "eva.ek@example.com. Jag bor på Storgatan 12, 123 45 Stockholm. Var är remissen?"
)
THREAT = "Jag ska bränna ner stället, ring mig på 0701234567 eller 811218-9876"
# Every raw value, and pieces of them that must not survive either.
RAW = [
    "19811218-9875",
    "811218-9875",
    "070-123 45 67",
    "0701234567",
    "811218-9876",
    "eva.ek@example.com",
    "Storgatan 12",
    "123 45 Stockholm",
]


def assert_masked(output: str, where: str) -> None:
    for raw in RAW:
        assert raw not in output, f"{raw!r} in {where}"


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    make_page(engine, "fb", name="Region Väst")
    now = datetime.now(UTC)
    own, threat, other = add_items(
        engine,
        NewItem(
            page="fb",
            external_id="own",
            received_at=now - timedelta(hours=2),
            text=TEXT,
            author="Eva Ek",
            post_id="p1",
        ),
        NewItem(
            page="fb",
            external_id="threat",
            received_at=now - timedelta(minutes=30),
            text=THREAT,
            author="X",
            post_id="p1",
        ),
        NewItem(
            page="fb",
            external_id="other",
            received_at=now - timedelta(hours=1),
            text="Bussen är sen <b>igen</b>",
            author="Olle Berg",
            post_id="p1",
        ),
    )
    with session_scope(engine) as session:
        for item_id, dep in ((own, "halso_sjukvard"), (threat, "halso_sjukvard"), (other, None)):
            item = session.get(Item, item_id)
            assert item is not None
            item.department = dep
            if item_id == threat:
                item.flags, item.priority = " threat ", "urgent"
            session.add(item)
    make_user(engine, "anna@x.se", "communicator", ("halso_sjukvard",), duty=True, name="Anna Lind")
    make_user(engine, "david@x.se", "communicator", ("kontaktcenter",), name="David Ek")
    make_user(engine, "cecilia@x.se", "supervisor", name="Cecilia Holm")
    make_user(engine, "admin@x.se", "admin", name="Ada Admin")
    return {"own": own, "threat": threat, "other": other}


def events_of(engine: Engine, kind: str) -> list[Event]:
    with Session(engine) as session:
        return list(session.exec(select(Event).where(Event.kind == kind).order_by(Event.id)))


# --- masked everywhere -------------------------------------------------------------


def test_raw_values_never_appear_in_any_output(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    world: dict[str, int],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    own, threat = world["own"], world["threat"]
    with client_for(database_url, tmp_path) as client:
        for who in ("cecilia@x.se", "anna@x.se"):
            login(client, who)
            for path in ("/", f"/items/{own}", f"/items/{threat}", "/duty", "/queue/rows"):
                page = client.get(path, headers=HTML)
                assert page.status_code == 200, path
                assert_masked(page.text, f"{path} for {who}")
            client.post("/logout", data={"csrf_token": csrf_of(client, "/")})
        login(client, "cecilia@x.se")
        item_page = client.get(f"/items/{own}", headers=HTML).text
        for label in ("[personnummer]", "[telefon]", "[e-post]", "[adress]"):
            assert label in item_page
        assert "[personnummer]" in client.get("/duty", headers=HTML).text
        assert "[telefon]" in client.get("/", headers=HTML).text
        # The dashboard's late items and their download.
        with session_scope(engine) as session:
            late = session.get(Item, own)
            assert late is not None
            late.due_at = late.received_at + timedelta(minutes=30)
            late.sla_state = "breached"
        dashboard = client.get("/dashboard", headers=HTML)
        breaches = client.get("/dashboard/breaches.csv")
        assert dashboard.status_code == breaches.status_code == 200
        assert_masked(dashboard.text, "the dashboard")
        assert_masked(breaches.text, "the late items' CSV")
        assert "[personnummer]" in breaches.text

        token = make_token(engine, scopes=("read",))
        bearer = {"authorization": f"Bearer {token}"}
        listing = client.get("/api/v1/items", headers=bearer)
        one = client.get(f"/api/v1/items/{own}", headers=bearer)
        assert listing.status_code == one.status_code == 200
        assert_masked(listing.text, "the API's list")
        assert_masked(one.text, "the API's item")
        assert "[personnummer]" in one.json()["text"]

        # Whatever the code logs about an item, the log has it masked, traceback too.
        log = logging.getLogger("inbox.test")
        log.warning("item text: %s", TEXT)
        try:
            raise ValueError(THREAT)
        except ValueError:
            log.exception("failed on %s", THREAT)

    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
    monkeypatch.setenv("INBOX_RULES_DIR", str(tmp_path / "rules"))
    capsys.readouterr()
    for fmt in ("csv", "json"):
        assert main(["export", "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert_masked(out, f"inbox export --format {fmt}")
        assert "[personnummer]" in out
    rows = json.loads(
        (main(["export", "--format", "json"]), capsys.readouterr().out)[1]  # type: ignore[index]
    )
    assert {r["registry_reference"] for r in rows} == {None}
    exported = events_of(engine, "exported")
    assert [(e.data["what"], e.data["format"]) for e in exported][:2] == [
        ("ärendena", "csv"),
        ("ärendena", "json"),
    ]
    assert "item text: " in caplog.text
    assert "Traceback" in caplog.text
    assert_masked(caplog.text, "the logs")


ESCALATION = """
ack_timeout_minutes = 30
[urgent]
crisis_keywords = ["bränna ner"]
"""
DUTY = """
[people.david]
name = "David"
email = "david@example.se"
webhook = "{webhook}"
[people.eva]
name = "Eva"
email = "eva@example.se"
[default]
primary = "david"
backup = "eva"
"""


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver()
    server.start()
    yield server
    server.stop()


def test_notification_emails_and_webhooks_are_masked(
    engine: Engine, database_url: str, tmp_path: Path, smtp: SmtpServer, receiver: HttpReceiver
) -> None:
    from inbox.core.calendar import DEFAULT_CALENDAR, STOCKHOLM
    from inbox.scheduler import run_tick, watch_of

    rules = write_rules(tmp_path / "rules")
    (rules / "escalation.toml").write_text(ESCALATION, encoding="utf-8")
    (rules / "duty.toml").write_text(DUTY.format(webhook=receiver.url), encoding="utf-8")
    settings = Settings(
        database_url=database_url,
        rules_dir=rules,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_from="inbox@example.se",
        base_url="https://inbox.example.se",
    )
    saturday_night = datetime(2026, 11, 28, 22, 40, tzinfo=STOCKHOLM).astimezone(UTC)
    make_page(engine, "fb", name="Ungdomens hus")
    (threat_id,) = add_items(
        engine,
        NewItem(page="fb", external_id="t", received_at=saturday_night, text=THREAT, post_id="p"),
    )
    with session_scope(engine) as session:
        item = session.get(Item, threat_id)
        assert item is not None
        item.flags = " threat "
    run_tick(
        engine,
        now=saturday_night + timedelta(minutes=1),
        settings=settings,
        watch=watch_of(settings, DEFAULT_CALENDAR),
    )
    assert [str(m["To"]) for m in smtp.messages] == ["david@example.se"]
    mail = smtp.messages[0]
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "bränna ner" in text
    assert "[telefon]" in text
    assert "[personnummer]" in text
    assert_masked(b"".join(smtp.raw).decode("utf-8", "replace"), "the e-mail")
    assert len(receiver.received) == 1
    assert_masked(json.dumps(receiver.received, ensure_ascii=False), "the webhook")


# --- reveal --------------------------------------------------------------------------


def test_supervisors_reveal_with_a_reason_and_communicators_cannot(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    own = world["own"]
    with client_for(database_url, tmp_path) as client:
        token = login(client, "anna@x.se")
        page = client.get(f"/items/{own}", headers=HTML).text
        assert f"/items/{own}/reveal" not in page
        refused = client.post(
            f"/items/{own}/reveal", data={"csrf_token": token, "reason": "nyfiken"}, headers=HTML
        )
        assert refused.status_code == 422
        assert_masked(refused.text, "a communicator's reveal")
        assert events_of(engine, "revealed") == []
        client.post("/logout", data={"csrf_token": token})

        token = login(client, "cecilia@x.se")
        assert f"/items/{own}/reveal" in client.get(f"/items/{own}", headers=HTML).text
        no_csrf = client.post(f"/items/{own}/reveal", data={"reason": "x"}, headers=HTML)
        assert no_csrf.status_code == 403
        assert_masked(no_csrf.text, "a reveal without CSRF")
        no_reason = client.post(
            f"/items/{own}/reveal", data={"csrf_token": token, "reason": "  "}, headers=HTML
        )
        assert no_reason.status_code == 422
        assert_masked(no_reason.text, "a reveal without a reason")
        assert events_of(engine, "revealed") == []

        shown = client.post(
            f"/items/{own}/reveal",
            data={"csrf_token": token, "reason": "Ringer upp om remissen"},
            headers=HTML,
        )
        assert shown.status_code == 200
        assert "19811218-9875" in shown.text
        assert "eva.ek@example.com" in shown.text
        assert "Storgatan 12, 123 45 Stockholm" in shown.text
        (event,) = events_of(engine, "revealed")
        assert (event.actor, event.item_id, event.data) == (
            "cecilia@x.se",
            own,
            {"reason": "Ringer upp om remissen"},
        )
        # Revealed once, for that answer only: the page is masked again afterwards.
        assert_masked(client.get(f"/items/{own}", headers=HTML).text, "the page after")


def test_opening_an_item_is_recorded_once_an_hour(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@x.se")
        for _ in range(3):
            assert client.get(f"/items/{world['own']}", headers=HTML).status_code == 200
    reads = events_of(engine, "read")
    assert [(e.actor, e.item_id) for e in reads] == [("anna@x.se", world["own"])]
    at = reads[0].at
    with session_scope(engine) as session:
        assert not privacy.record_read(
            session, item_id=world["own"], actor="anna@x.se", now=at + timedelta(minutes=59)
        )
        assert privacy.record_read(
            session, item_id=world["own"], actor="cecilia@x.se", now=at + timedelta(minutes=1)
        )
    with session_scope(engine) as session:
        assert privacy.record_read(
            session, item_id=world["own"], actor="anna@x.se", now=at + timedelta(minutes=61)
        )
    assert len(events_of(engine, "read")) == 3


# --- hand-over to case registration --------------------------------------------------


def _registry_client(database_url: str, tmp_path: Path, smtp: SmtpServer) -> TestClient:
    rules = write_rules(tmp_path / "rules")
    departments = rules / "departments.toml"
    departments.write_text(
        departments.read_text(encoding="utf-8").replace(
            '[departments.halso_sjukvard]\nname = "Hälso- och sjukvården"\n',
            '[departments.halso_sjukvard]\nname = "Hälso- och sjukvården"\n'
            'registry = "diarium.hs@region.example.se"\n',
        ),
        encoding="utf-8",
    )
    settings = Settings(
        database_url=database_url,
        rules_dir=rules,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_from="inbox@region.example.se",
    )
    return TestClient(create_app(settings), follow_redirects=False)


def _attachment(mail: EmailMessage) -> tuple[str, str]:
    (part,) = list(mail.iter_attachments())
    content = part.get_content()
    assert isinstance(content, str)
    return str(part.get_filename()), content


def test_register_sends_the_complete_record_to_the_registry(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int], smtp: SmtpServer
) -> None:
    own, other = world["own"], world["other"]
    with session_scope(engine) as session:
        session.add(
            ItemSource(
                item_id=own,
                data={
                    "subject": "Remissen",
                    "attachments": [
                        {"filename": "remiss<1>.pdf", "content_type": "application/pdf", "size": 42}
                    ],
                },
            )
        )
        item = session.get(Item, own)
        assert item is not None
        session.add(
            Response(
                item_id=own,
                author="anna@x.se",
                text="Vi ringer dig i morgon.",
                sent_at=item.received_at + timedelta(minutes=20),
                source="inbox",
            )
        )
    with _registry_client(database_url, tmp_path, smtp) as client:
        token = login(client, "anna@x.se")
        page = client.get(f"/items/{own}", headers=HTML).text
        assert "Registrera som ärende" in page
        assert "diarium.hs@region.example.se" in page
        sent = client.post(f"/items/{own}/register", data={"csrf_token": token})
        assert sent.status_code == 303

        (mail,) = smtp.messages
        assert str(mail["To"]) == "diarium.hs@region.example.se"
        assert str(mail["Reply-To"]) == "anna@x.se"
        name, record = _attachment(mail)
        assert name.startswith(f"arende-{own}-")
        assert name.endswith(".html")
        # The complete record: the item (unmasked), the thread, who answered, the
        # attachments and the audit events, all escaped.
        assert "19811218-9875" in record
        assert "Storgatan 12" in record
        assert "Bussen är sen &lt;b&gt;igen&lt;/b&gt;" in record
        assert "<b>igen" not in record
        assert "Jag ska bränna ner stället" in record
        assert "Vi ringer dig i morgon." in record
        assert "Anna Lind" in record
        assert "remiss&lt;1&gt;.pdf" in record
        assert f"Anna Lind öppnade ärende {own}." in record
        assert "<script" not in record
        assert "http" not in record.replace("https://", "")

        page = client.get(f"/items/{own}", headers=HTML).text
        assert "Skickat till registrator diarium.hs@region.example.se" in page
        assert "av Anna Lind" in page
        (event,) = events_of(engine, "registered")
        assert (event.actor, event.item_id, event.data["to"], event.data["file"]) == (
            "anna@x.se",
            own,
            "diarium.hs@region.example.se",
            name,
        )

        bad = client.post(f"/items/{own}/reference", data={"csrf_token": token, "reference": "<x>"})
        assert bad.status_code == 422
        saved = client.post(
            f"/items/{own}/reference", data={"csrf_token": token, "reference": "RS 2026-00123"}
        )
        assert saved.status_code == 303
        assert "RS 2026-00123" in client.get(f"/items/{own}", headers=HTML).text
        (ref,) = events_of(engine, "registry_reference")
        assert (ref.actor, ref.data["reference"]) == ("anna@x.se", "RS 2026-00123")

        # An item of no department: a communicator may open it but not register it;
        # a supervisor may, and it goes to the organisation's registry.
        assert f"/items/{other}/register" not in client.get(f"/items/{other}", headers=HTML).text
        refused = client.post(f"/items/{other}/register", data={"csrf_token": token})
        assert refused.status_code == 403
        client.post("/logout", data={"csrf_token": token})
        token = login(client, "cecilia@x.se")
        assert (
            client.post(f"/items/{other}/register", data={"csrf_token": token}).status_code == 303
        )
        assert str(smtp.messages[-1]["To"]) == "registrator@region.example.se"

        # The registry's server is down: nothing is marked as sent.
        smtp.stop()
        failed = client.post(
            f"/items/{world['threat']}/register", data={"csrf_token": token}, headers=HTML
        )
        assert failed.status_code == 422
        assert "registrator" in failed.text
    with Session(engine) as session:
        assert session.get(Registration, world["threat"]) is None
        row = session.get(Registration, own)
        assert row is not None
        assert row.reference == "RS 2026-00123"


def test_the_reference_is_in_the_export(
    engine: Engine,
    database_url: str,
    world: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        item = session.get(Item, world["own"])
        assert item is not None
        privacy.registered(
            session,
            item,
            address="r@x.se",
            actor="anna@x.se",
            actor_name="Anna Lind",
            attachment="a.html",
            now=now,
        )
    with session_scope(engine) as session:
        item = session.get(Item, world["own"])
        assert item is not None
        privacy.set_reference(session, item, reference="KS/2026:456", actor="anna@x.se", now=now)
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
    assert main(["export", "--format", "json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[world["own"]]["registry_reference"] == "KS/2026:456"
    assert rows[world["other"]]["registry_reference"] is None
    assert main(["export", "--csv-dialect", "excel"]) == 0
    out = capsys.readouterr().out
    assert "Diarienummer" in out
    assert "KS/2026:456" in out


# --- the audit trail ---------------------------------------------------------------


def test_the_audit_page_filters_names_and_pages(
    engine: Engine, database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    own = world["own"]
    base = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        for i in range(60):
            record_event(
                session,
                actor="anna@x.se",
                kind="read",
                now=base + timedelta(minutes=i),
                item_id=own,
            )
        record_event(
            session,
            actor="cecilia@x.se",
            kind="revealed",
            now=base + timedelta(days=3),
            item_id=own,
            reason="Ringer upp <personen>",
        )
        record_event(
            session,
            actor="cecilia@x.se",
            kind="registered",
            now=base + timedelta(days=4),
            item_id=own,
            to="registrator@region.example.se",
        )
    with client_for(database_url, tmp_path) as client:
        for who in ("anna@x.se", "cecilia@x.se"):
            token = login(client, who)
            assert client.get("/admin/audit", headers=HTML).status_code == 403
            client.post("/logout", data={"csrf_token": token})
        login(client, "admin@x.se")
        assert "Ada Admin" in client.get("/admin/audit", headers=HTML).text  # her sign-in
        page = client.get("/admin/audit?from=2026-10-01&to=2026-10-31", headers=HTML)
        assert page.status_code == 200
        assert "Granskningslogg" in page.text
        assert (
            f"Cecilia Holm skickade ärende {own} till registrator registrator@region.example.se."
            in page.text
        )
        assert "Skäl: Ringer upp &lt;personen&gt;" in page.text
        assert page.text.count(f"Anna Lind öppnade ärende {own}.") == 48
        assert "page=2" in page.text
        second = client.get("/admin/audit?from=2026-10-01&to=2026-10-31&page=2", headers=HTML).text
        assert second.count(f"Anna Lind öppnade ärende {own}.") == 12
        assert "page=3" not in second

        revealed = client.get("/admin/audit?kind=revealed", headers=HTML).text
        assert "visade personuppgifterna" in revealed
        assert "öppnade ärende" not in revealed
        anna = client.get("/admin/audit?actor=anna%40x.se&page=2", headers=HTML).text
        assert anna.count("Anna Lind öppnade") == 12
        assert "Cecilia Holm" not in anna.split("<table")[1]
        window = client.get("/admin/audit?from=2026-10-05&to=2026-10-05", headers=HTML).text
        assert "visade personuppgifterna" in window
        assert "skickade ärende" not in window
        assert "Inga händelser" in client.get("/admin/audit?to=2026-10-01", headers=HTML).text
        assert client.get("/admin/audit?from=igår", headers=HTML).status_code == 400


def test_audit_export_cli(
    engine: Engine,
    database_url: str,
    world: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    own = world["own"]
    base = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        record_event(session, actor="anna@x.se", kind="read", now=base, item_id=own)
        record_event(
            session,
            actor="cecilia@x.se",
            kind="revealed",
            now=base + timedelta(days=1),
            item_id=own,
            reason="ring 070-123 45 67",
        )
        record_event(
            session,
            actor="anna@x.se",
            kind="response_inbox",
            now=base + timedelta(days=2),
            item_id=own,
        )
        record_event(
            session,
            actor="anna@x.se",
            kind="removed",
            now=base + timedelta(days=3),
            item_id=own,
            reason="hot",
        )
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)

    def export(*args: str) -> list[dict[str, object]]:
        assert main(["audit", "export", "--format", "json", *args]) == 0
        rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
        return [r for r in rows if r["kind"] != "exported" and r["actor"] != "test"]

    rows = export("--from", "2026-11-01")
    assert [r["kind"] for r in rows] == ["read", "revealed", "response_inbox", "removed"]
    assert rows[0]["sentence"] == f"Anna Lind öppnade ärende {own}."
    assert rows[1]["sentence"] == (
        f"Cecilia Holm visade personuppgifterna i ärende {own}. Skäl: ring [telefon]"
    )
    assert "070-123" not in json.dumps(rows)
    assert [r["group"] for r in rows] == ["read", "revealed", "replied", "removed"]
    assert [r["kind"] for r in export("--kind", "replied")] == ["response_inbox"]
    assert [r["kind"] for r in export("--actor", "cecilia@x.se")] == ["revealed"]
    assert [r["kind"] for r in export("--from", "2026-11-03", "--to", "2026-11-04")] == [
        "revealed",
        "response_inbox",
    ]
    assert main(["audit", "export", "--kind", "removed", "--csv-dialect", "plain"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "at,actor,actor_name,kind,group,item_id,sentence,data"
    assert len(lines) == 2
    assert f"Anna Lind tog bort ärende {own}. Skäl: hot" in lines[1]
    exports = events_of(engine, "exported")
    assert exports[-1].data == {"what": "granskningsloggen", "count": 1, "format": "csv"}
    assert main(["audit", "export", "--from", "2026-11-05", "--to", "2026-11-01"]) == 2
