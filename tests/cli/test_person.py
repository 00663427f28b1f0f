"""`inbox person find|export|erase`: one person's data, and nothing of anyone else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from inbox.cli.main import main
from inbox.store.db import session_scope
from inbox.store.models import Event, Item, Note, Response
from tests.factories import NOW

HEADER = "page,external_id,received_at,text,first_response_at,resolution,author\n"
ROWS = [
    "fb,1,2026-10-05T10:00:00+02:00,Hej! Min fråga om bussen,,,Greta Lund",
    "fb,2,2026-10-06T10:00:00+02:00,Olles egen hemlighet,,,Olle Berg",
    "fb,3,2026-10-07T10:00:00+02:00,Ring mig på 070-123 45 67,,,Greta Lund",
    "ig,4,2026-10-08T10:00:00+02:00,Jag såg Greta Lund på bussen,,,Kim Ek",
    "ig,5,2026-10-09T10:00:00+02:00,Mitt personnummer är 19121212-1212,,,G. L.",
    "ig,6,2026-10-10T10:00:00+02:00,Gretas syster skriver,,,Lisa Lund",
]


# The platform ids (a CSV import has none; webhook deliveries carry them).
AUTHOR_IDS = {"1": "u-greta", "2": "u-olle", "3": "u-greta", "4": "u-kim", "5": "u-greta"}


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path, engine):
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    path = tmp_path / "in.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    code, _out, err = run("import", str(path))
    assert code == 0, err
    with session_scope(engine) as session:
        for item in session.exec(select(Item)).all():
            item.author_id = AUTHOR_IDS.get(item.external_id)
            session.add(item)
    return run


def _ids(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {i.external_id: i.id or 0 for i in session.exec(select(Item)).all()}


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_find_lists_items_responses_notes_and_events(cli, engine) -> None:
    ids = _ids(engine)
    with session_scope(engine) as session:
        session.add(Note(item_id=ids["1"], author="anna@region.se", text="Följ upp", at=NOW))
        session.add(
            Note(item_id=ids["2"], author="anna@region.se", text="Olle känner Greta Lund", at=NOW)
        )
        session.add(
            Response(
                item_id=ids["1"],
                author="anna@region.se",
                text="Hej Greta!",
                sent_at=NOW,
                source="inbox",
            )
        )
        session.add(Event(item_id=ids["1"], actor="anna@region.se", kind="assigned", at=NOW))
    code, out, err = cli("person", "find", "--author", "greta LUND")
    assert code == 0, err
    lines = _lines(out)
    items = {(line["item_id"], line["relation"]) for line in lines if line["kind"] == "item"}
    assert items == {(ids["1"], "from"), (ids["3"], "from"), (ids["4"], "mentions")}
    kinds = sorted((line["kind"], line["item_id"], line["relation"]) for line in lines)
    assert ("note", ids["1"], "on") in kinds
    assert ("note", ids["2"], "mentions") in kinds
    assert ("response", ids["1"], "on") in kinds
    assert ("event", ids["1"], "on") in kinds
    # By the platform id, by phone, by personnummer with or without century.
    by_id = {
        line["item_id"]
        for line in _lines(cli("person", "find", "--platform-id", "u-greta")[1])
        if line["kind"] == "item"
    }
    assert by_id == {ids["1"], ids["3"], ids["5"]}
    by_phone = _lines(cli("person", "find", "--phone", "+46701234567")[1])
    assert [line["item_id"] for line in by_phone if line["kind"] == "item"] == [ids["3"]]
    by_pnr = _lines(cli("person", "find", "--personnummer", "121212-1212")[1])
    assert [line["item_id"] for line in by_pnr if line["kind"] == "item"] == [ids["5"]]


def test_the_export_holds_every_item_of_the_person_and_nothing_of_anyone_else(
    cli, engine, tmp_path: Path
) -> None:
    ids = _ids(engine)
    target = tmp_path / "greta.html"
    code, _out, err = cli(
        "person",
        "export",
        "--author",
        "Greta Lund",
        "--platform-id",
        "u-greta",
        "--output",
        str(target),
    )
    assert code == 0, err
    html = target.read_text(encoding="utf-8")
    data = json.loads(target.with_suffix(".json").read_text(encoding="utf-8"))
    own = {line["item_id"] for line in data["found"] if line["relation"] == "from"}
    assert own == {ids["1"], ids["3"], ids["5"]}
    for text in ("Min fråga om bussen", "070-123 45 67", "19121212-1212"):
        assert text in html
        assert text in json.dumps(data, ensure_ascii=False)
    for other in ("Olle", "hemlighet", "Kim Ek", "Lisa", "syster", "såg Greta"):
        assert other not in html
        assert other not in json.dumps(data, ensure_ascii=False)
    assert '<html lang="sv">' in html
    with Session(engine) as session:
        event = session.exec(select(Event).where(Event.kind == "person_exported")).one()
    assert event.data["items"] == 3


def test_erase_needs_yes_and_keeps_everyone_else(cli, engine) -> None:
    ids = _ids(engine)
    code, out, _err = cli("person", "erase", "--author", "Greta Lund", "--reason", "Begäran 1")
    assert code == 1
    assert "would erase: items 2, mentions 1" in out
    with Session(engine) as session:
        assert session.get(Item, ids["1"]).author == "Greta Lund"
    code, out, err = cli(
        "person", "erase", "--author", "Greta Lund", "--reason", "Begäran 1", "--yes"
    )
    assert code == 0, err
    with Session(engine) as session:
        items = {i.external_id: i for i in session.exec(select(Item)).all()}
    assert items["1"].text == ""
    assert items["3"].author == ""
    assert items["4"].text == "Jag såg [raderat] på bussen"
    assert items["4"].author == "Kim Ek"
    assert items["2"].text == "Olles egen hemlighet"
    assert items["6"].author == "Lisa Lund"
    assert cli("person", "find", "--author", "Greta Lund")[1] == ""


def test_a_person_must_be_named(cli) -> None:
    code, _out, err = cli("person", "find")
    assert code == 2
    assert "name the person" in err
