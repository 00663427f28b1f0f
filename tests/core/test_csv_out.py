"""Every CSV the product makes shows text from the outside as text, never as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from inbox.cli.main import main
from inbox.core.csv_out import BOM, DIALECTS, FORMULA_STARTS, CsvWriter, cell, neutral
from inbox.core.incoming import NewItem
from inbox.store.models import Item
from inbox.web.views.dashboard import TABLES
from tests.factories import add_items, make_page
from tests.web_support import client_for, login, make_user

# One hostile value per stored text field, each opening in another way.
PAGE = '=HYPERLINK("http://x.test","a")'
HOSTILE = {
    "external_id": "@SUM(A1:A9)",
    "author": "=cmd|' /C calc'!A0",
    "text": "+1+1",
    "department": "-2+3",
    "topic": "\t=1+1",
    "first_responder": "  =2*2@x.se",
    "assignee": "\r=3",
    "post_id": "=post",
    "parent_id": "-parent",
    "conversation_id": "@conversation",
    "sentiment": "=1+2",
    "resolution": "-resolution",
}
# What each export is expected to carry of them (besides the page key).
EXPECTED = {
    "pages": [],
    "dialogues": [],
    "departments": ["department"],
    "people": ["first_responder"],
    "topics": ["topic"],
    "sentiments": ["sentiment"],
    "weeks": [],
    "breaches": ["author", "text", "department"],
    "export": [
        "external_id",
        "author",
        "text",
        "department",
        "topic",
        "post_id",
        "parent_id",
        "conversation_id",
        "sentiment",
        "resolution",
    ],
    "report": [],
}
WITH_PAGE = {"pages", "dialogues", "breaches", "export", "report"}


@pytest.fixture
def hostile(engine: Engine) -> None:
    make_page(engine, PAGE, name="=page name")
    now = datetime.now(UTC)
    ids = add_items(
        engine,
        NewItem(page=PAGE, external_id="late", received_at=now - timedelta(days=10), text="x"),
        NewItem(
            page=PAGE,
            external_id="answered",
            received_at=now - timedelta(days=9),
            text="y",
            post_id="p",
        ),
    )
    second = ("department", "topic", "sentiment", "first_responder", "assignee")
    values = {k: v for k, v in HOSTILE.items() if k not in second[3:]}
    with engine.begin() as conn:
        table = Item.__table__  # type: ignore[attr-defined]
        conn.execute(sa.update(table).where(table.c.id == ids[0]).values(**values))
        conn.execute(
            sa.update(table)
            .where(table.c.id == ids[1])
            .values(
                **{k: HOSTILE[k] for k in second},
                first_response_at=now - timedelta(days=8),
            )
        )
    make_user(engine, "cecilia@x.se", "supervisor")


def _cli(database_url: str, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out = capsys.readouterr().out
    assert code == 0
    return out


def _export(
    name: str,
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    dialect: str = "plain",
) -> str:
    if name == "export":
        return _cli(database_url, capsys, "export", "--format", "csv", "--csv-dialect", dialect)
    if name == "report":
        today = date.today()
        return _cli(
            database_url,
            capsys,
            "report",
            "--from",
            (today - timedelta(days=30)).isoformat(),
            "--to",
            (today + timedelta(days=1)).isoformat(),
            "--format",
            "csv",
            "--csv-dialect",
            dialect,
        )
    with client_for(database_url, tmp_path) as client:
        login(client, "cecilia@x.se")
        answer = client.get(f"/dashboard/{name}.csv?dialect={dialect}")
    assert answer.status_code == 200
    return answer.text


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", "."))
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", [*TABLES, "export", "report"])
def test_no_export_passes_a_formula_through(
    name: str,
    dialect: str,
    hostile: None,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
    text = _export(name, database_url, tmp_path, capsys, dialect)
    if dialect == "excel":
        assert text.startswith(BOM)
        rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    else:
        assert not text.startswith(BOM)
        rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) > 1
    cells = [c for row in rows for c in row]
    for c in cells:
        # A cell a spreadsheet would evaluate: only genuine numbers may open so.
        if c.lstrip().startswith(FORMULA_STARTS) or c.startswith(FORMULA_STARTS):
            assert _is_number(c), (name, c)
    for field in EXPECTED[name]:
        assert "'" + HOSTILE[field] in cells, (name, field)
    if name in WITH_PAGE:
        assert "'" + PAGE in cells, name


def test_numbers_stay_numbers_and_text_becomes_text() -> None:
    assert cell(-3) == -3
    assert cell(-0.5) == -0.5
    assert cell(None) == ""
    assert cell("-3") == "'-3"
    assert cell(" @x") == "' @x"
    assert cell("\u00a0=1") == "'\u00a0=1"
    assert neutral("a=1") == "a=1"
    assert neutral("") == ""
    # For a Swedish spreadsheet: a decimal comma, and a negative number stays a number.
    assert cell(-0.5, "excel") == "-0,5"
    assert cell(0.912, "excel") == "0,912"
    assert cell(3, "excel") == 3
    assert cell("-0,5", "excel") == "'-0,5"


def test_the_two_dialects() -> None:
    excel, plain = io.StringIO(), io.StringIO()
    for out, dialect in ((excel, "excel"), (plain, "plain")):
        writer = CsvWriter(out, dialect)  # type: ignore[arg-type]
        writer.writeheader(["page", "response_rate", "median_response_minutes"])
        writer.writerow(["fb", 0.969, 90.5])
    assert excel.getvalue() == (
        BOM + "Sidnyckel;Svarsfrekvens (andel);Median svarstid (minuter)\r\nfb;0,969;90,5\r\n"
    )
    assert plain.getvalue() == ("page,response_rate,median_response_minutes\r\nfb,0.969,90.5\r\n")
    with pytest.raises(ValueError, match="unknown CSV dialect"):
        CsvWriter(io.StringIO(), "tsv")  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["a b", "a\u00a0b", "x" * 65])
def test_a_bad_page_key_is_one_rejected_row(
    key: str,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
    f = tmp_path / "in.csv"
    f.write_text(
        "page,external_id,received_at,text\n"
        "fb,1,2026-11-17T10:00:00+01:00,Hej\n"
        f"{key},2,2026-11-17T10:00:00+01:00,Hej\n",
        encoding="utf-8",
    )
    assert main(["import", str(f)]) == 1
    out = capsys.readouterr()
    assert "in.csv:3: invalid page key" in out.err
    assert "1 imported" in out.out
