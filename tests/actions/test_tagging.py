"""Tagging and routing wired into ingestion, the command line and the running process."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from inbox.actions import intake, item_work
from inbox.actions import pages as pages_actions
from inbox.cli.main import main
from inbox.core.incoming import NewItem
from inbox.core.rules.tagging import load_rules
from inbox.runtime import RulesStore
from inbox.store.db import session_scope
from inbox.store.models import Event, Item
from tests.factories import NOW, make_page
from tests.paths import DEFAULT_RULES

RULES = DEFAULT_RULES


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def _items(engine: Engine) -> dict[str, Item]:
    with session_scope(engine) as session:
        return {i.external_id: i for i in session.exec(select(Item)).all()}


def test_items_are_tagged_and_routed_on_the_way_in(engine: Engine) -> None:
    page = make_page(engine, "region_facebook")
    rules = load_rules(RULES)
    with session_scope(engine) as session:
        intake.ingest_items(
            session,
            [
                NewItem(
                    page="region_facebook",
                    external_id="bus",
                    received_at=NOW,
                    text="Varför kommer inte bussen till Norrby? Väntat i 40 minuter.",
                ),
                NewItem(
                    page="region_facebook",
                    external_id="thanks",
                    received_at=NOW,
                    text="Tack för snabbt svar! ❤️",
                ),
            ],
            pages={"region_facebook": page},
            now=NOW,
            rules=rules,
        )
    items = _items(engine)
    bus = items["bus"]
    assert bus.topic == "kollektivtrafik"
    assert bus.department == "kollektivtrafik"
    assert " question " in bus.flags
    assert bus.needs_reply is True
    assert bus.classification is not None
    assert bus.classification["topics"][0]["matched"]
    assert bus.classification["reason"]
    thanks = items["thanks"]
    assert thanks.needs_reply is False
    assert thanks.sentiment == "positive"


def test_csv_import_stores_items_tagged_and_routed(cli, engine: Engine, tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text(
        "page,external_id,received_at,text\n"
        "fb,1,2026-11-17T10:00:00+01:00,Hur bokar jag tid hos tandläkaren?\n"
        "fb,2,2026-11-17T10:00:00+01:00,Jag kommer att döda er alla\n",
        encoding="utf-8",
    )
    code, out, _ = cli("import", str(f))
    assert code == 0
    assert "2 imported" in out
    items = _items(engine)
    assert items["1"].topic == "tandvard"
    assert items["1"].department == "folktandvarden"
    assert " threat " in items["2"].flags
    assert items["2"].priority == "urgent"
    assert items["1"].classification is not None
    code, out, _ = cli("import", str(f))
    assert "0 imported, 2 already present" in out


def test_classify_command_writes_one_json_object_per_line(cli) -> None:
    code, out, _ = cli(
        "classify",
        "--json",
        stdin='{"text": "Min son har fått feber efter vaccinationen, vad gör vi?"}\n[1]\n',
    )
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert lines[0]["topics"][0]["key"] == "vaccination"
    assert set(lines[0]) >= {
        "language",
        "topics",
        "sentiment",
        "flags",
        "department",
        "priority",
        "needs_reply",
    }
    assert lines[1] == {"line": 2, "error": 'expected an object with a "text" string'}


def test_rules_check_names_the_broken_file(cli, tmp_path: Path) -> None:
    broken = tmp_path / "rules"
    shutil.copytree(RULES, broken)
    (broken / "topics.toml").write_text("[topics.vard]\nlabel = 'Vård'\n", encoding="utf-8")
    code, _, err = cli("rules", "check", "--dir", str(broken))
    assert code == 2
    assert "topics.toml" in err
    code, out, _ = cli("rules", "check", "--dir", str(RULES))
    assert code == 0
    assert "ok" in out


def test_invalid_rules_refuse_to_start(
    cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "rules"
    shutil.copytree(RULES, broken)
    (broken / "routing.toml").write_text("default_department = 'finns_inte'\n", encoding="utf-8")
    monkeypatch.setenv("INBOX_RULES_DIR", str(broken))
    # Every command that opens the application refuses (`pages list` reads only the
    # database when its schema is current, and needs no rules).
    code, _, err = cli("export", "--format", "json")
    assert code == 2
    assert "invalid rules, not starting" in err
    assert "routing.toml" in err


def test_a_failed_reload_keeps_the_last_valid_rules(tmp_path: Path) -> None:
    directory = tmp_path / "rules"
    shutil.copytree(RULES, directory)
    store = RulesStore(directory)
    before = store.current()
    (directory / "topics.toml").write_text("not = [valid", encoding="utf-8")
    error = store.reload()
    assert error is not None
    assert "topics.toml" in error
    assert store.current() is before


def test_rules_apply_reroutes_open_items_and_records_why(
    engine: Engine, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = make_page(engine, "region_facebook")
    rules = load_rules(RULES)
    with session_scope(engine) as session:
        intake.ingest_items(
            session,
            [
                NewItem(
                    page="region_facebook",
                    external_id="k",
                    received_at=NOW,
                    text="När öppnar konsthallen efter renoveringen?",
                )
            ],
            pages={"region_facebook": page},
            now=NOW,
            rules=rules,
        )
    assert _items(engine)["k"].department == "kultur"
    changed = tmp_path / "rules"
    shutil.copytree(RULES, changed)
    topics = (changed / "topics.toml").read_text(encoding="utf-8")
    start = topics.index("[topics.kultur]")
    end = topics.index("[topics.", start + 1)
    section = topics[start:end].replace('department = "kultur"', 'department = "kontaktcenter"')
    (changed / "topics.toml").write_text(topics[:start] + section + topics[end:], encoding="utf-8")
    monkeypatch.setenv("INBOX_RULES_DIR", str(changed))
    code, out, _ = cli("rules", "apply")
    assert code == 0
    assert "1 re-routed" in out
    assert _items(engine)["k"].department == "kontaktcenter"
    with engine.connect() as conn:
        event = conn.execute(sa.select(Event.data).where(Event.kind == "rerouted")).scalar_one()
    assert event["old_department"] == "kultur"
    assert event["department"] == "kontaktcenter"


def _kultur_to_kontaktcenter(tmp_path: Path) -> Path:
    changed = tmp_path / "rules"
    shutil.copytree(RULES, changed)
    topics = (changed / "topics.toml").read_text(encoding="utf-8")
    start = topics.index("[topics.kultur]")
    end = topics.index("[topics.", start + 1)
    section = topics[start:end].replace('department = "kultur"', 'department = "kontaktcenter"')
    (changed / "topics.toml").write_text(topics[:start] + section + topics[end:], encoding="utf-8")
    return changed


def test_rules_apply_keeps_what_people_decided(
    engine: Engine, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = make_page(engine, "region_facebook")
    rules = load_rules(RULES)
    texts = {
        "sent": "När öppnar konsthallen efter renoveringen?",
        "corrected": "Vad kostar det att låna en lokal i kulturhuset?",
        "untouched": "Hur länge har konsthallen öppet på lördag?",
    }
    with session_scope(engine) as session:
        intake.ingest_items(
            session,
            [
                NewItem(page="region_facebook", external_id=key, received_at=NOW, text=text)
                for key, text in texts.items()
            ],
            pages={"region_facebook": page},
            now=NOW,
            rules=rules,
        )
    before = _items(engine)
    assert {key: i.department for key, i in before.items()} == dict.fromkeys(texts, "kultur")
    with session_scope(engine) as session:
        sent = session.get(Item, before["sent"].id)
        corrected = session.get(Item, before["corrected"].id)
        assert sent is not None
        assert corrected is not None
        item_work.send_to_department(
            session,
            sent,
            department="halso_sjukvard",
            note="",
            known=set(rules.departments),
            actor="anna@x.se",
            now=NOW,
        )
        item_work.correct_item(
            session,
            corrected,
            field="topic",
            value="avgifter",
            allowed=set(rules.topics),
            actor="anna@x.se",
            now=NOW,
        )
    changed = _kultur_to_kontaktcenter(tmp_path)
    monkeypatch.setenv("INBOX_RULES_DIR", str(changed))
    code, out, _ = cli("rules", "apply")
    assert code == 0
    assert "3 open items re-tagged, 1 re-routed" in out
    after = _items(engine)
    assert after["untouched"].department == "kontaktcenter"
    assert after["sent"].department == "halso_sjukvard"  # sent on by a person
    assert after["corrected"].topic == "avgifter"  # corrected by a person
    assert after["corrected"].department == "kultur"  # and so routed by a person
    with engine.connect() as conn:
        rerouted = conn.execute(
            sa.select(Event.item_id).where(Event.kind == "rerouted").order_by(Event.item_id)
        ).scalars()
        assert sent.id not in list(rerouted)


def test_rules_apply_creates_pages_and_moves_open_due_times(
    engine: Engine, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "rules"
    shutil.copytree(RULES, directory)
    monkeypatch.setenv("INBOX_RULES_DIR", str(directory))
    code, out, _ = cli("rules", "apply")
    assert code == 0
    assert "created page lanstrafiken_facebook" in out
    received = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Stockholm
    with session_scope(engine) as session:
        pages, _ = pages_actions.ensure_pages(session, {"region_facebook"}, actor="t", now=NOW)
        intake.ingest_items(
            session,
            [NewItem(page="region_facebook", external_id="q", received_at=received, text="Fråga?")],
            pages=pages,
            now=NOW,
        )
    assert _items(engine)["q"].due_at == received + timedelta(hours=24)
    text = (directory / "pages.toml").read_text(encoding="utf-8")
    start = text.index("[pages.region_facebook]")
    section = text[start : text.index("[pages.", start + 1)]
    (directory / "pages.toml").write_text(
        text.replace(section, section.replace("target_hours = 24", "target_hours = 2")),
        encoding="utf-8",
    )
    code, out, _ = cli("rules", "apply")
    assert "updated page region_facebook" in out
    assert _items(engine)["q"].due_at == received + timedelta(hours=2)
