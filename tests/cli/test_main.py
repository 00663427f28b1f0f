"""The command line, end to end against the test database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from inbox.cli.main import main


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


HEADER = "page,external_id,received_at,text,first_response_at,resolution,author\n"


def write(path: Path, body: str) -> Path:
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_pages_add_and_list(cli) -> None:
    code, out, _ = cli(
        "pages", "add", "fb", "--name", "Region Väst", "--calendar", "24x7", "--target-hours", "8"
    )
    assert code == 0
    assert "fb" in out
    code, out, _ = cli("pages", "list")
    assert "Region Väst" in out
    assert "24x7" in out
    code, _, err = cli("pages", "add", "fb", "--name", "again")
    assert code == 2
    assert "already exists" in err


def test_import_reports_bad_rows_and_keeps_good_ones(cli, tmp_path: Path) -> None:
    f = write(
        tmp_path / "in.csv",
        "fb,1,2026-11-17T10:00:00+01:00,Hej,2026-11-17T10:30:00+01:00,answered,Anna\n"
        "fb,2,2026-11-17T11:00:00,Naiv tid,,,\n"
        "fb,3,2026-11-17T12:00:00Z,Ok,,maybe,\n"
        'ig,4,2026-11-17T12:00:00Z,"Rad med\nradbrytning",,,\n'
        "fb,5,2026-11-17T12:00:00Z,Svar före fråga,2026-11-17T11:00:00Z,,\n"
        "fb,6,2026-11-18T09:00:00Z,Tack!,,no_reply_needed,\n",
    )
    code, out, err = cli("import", str(f))
    assert code == 1
    assert "in.csv:3: received_at: timestamp has no offset or Z" in err
    assert "in.csv:4: resolution 'maybe'" in err
    # The quoted newline makes the row after it start on line 7.
    assert "in.csv:7: first_response_at is before received_at" in err
    assert "created page fb" in out
    assert "created page ig" in out
    assert "6 rows: 3 imported, 0 already present, 3 rejected" in out
    code, out, _ = cli("import", str(f))
    assert "0 imported, 3 already present" in out
    code, out, _ = cli("export", "--format", "json")
    rows = json.loads(out)
    assert sorted(r["external_id"] for r in rows) == ["1", "4", "6"]
    assert next(r for r in rows if r["external_id"] == "4")["text"] == "Rad med\nradbrytning"


def test_import_stores_items_tagged_and_routed(cli, tmp_path: Path) -> None:
    f = write(
        tmp_path / "in.csv",
        "fb,1,2026-11-17T10:00:00Z,När kommer bussen 4? Den är alltid sen,,,\n"
        "fb,2,2026-11-17T11:00:00Z,Tack för hjälpen med remissen till vårdcentralen!,,,\n",
    )
    code, out, _ = cli("import", str(f))
    assert code == 0
    # Tagged on the way in: no tagging pass afterwards.
    assert "tagged and routed" not in out
    code, out, _ = cli("export", "--format", "json")
    rows = {r["external_id"]: r for r in json.loads(out)}
    assert rows["1"]["topic"] == "kollektivtrafik"
    assert rows["2"]["topic"] == "vard"
    assert rows["1"]["department"] != rows["2"]["department"]


def test_import_refuses_missing_columns_and_files(cli, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("page,text\nfb,hej\n", encoding="utf-8")
    code, _, err = cli("import", str(f))
    assert code == 2
    assert "missing required column(s): external_id, received_at" in err
    code, _, err = cli("import", str(tmp_path / "nope.csv"))
    assert code == 2
    assert "no such file" in err


def test_report_formats(cli, tmp_path: Path) -> None:
    write(
        tmp_path / "in.csv",
        "fb,1,2026-11-17T10:00:00+01:00,Hej,2026-11-17T10:30:00+01:00,,\n"
        "fb,2,2026-11-17T11:00:00+01:00,Hej,2026-11-17T12:30:00+01:00,,\n"
        "fb,3,2026-11-17T11:00:00+01:00,Tack,,no_reply_needed,\n"
        "ig,4,2026-11-17T11:00:00+01:00,Fråga,,,\n",
    )
    assert cli("import", str(tmp_path / "in.csv"))[0] == 0
    args = (
        "report",
        "--from",
        "2026-11-16",
        "--to",
        "2026-11-23",
        "--as-of",
        "2026-11-20T00:00:00Z",
    )
    code, out, _ = cli(*args, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["from"] == "2026-11-16"
    assert data["to"] == "2026-11-23"
    fb = next(p for p in data["pages"] if p["page"] == "fb")
    assert fb["received"] == 3
    assert fb["excluded"] == 1
    assert fb["response_rate"] == 1.0
    assert fb["median_response_minutes"] == 60.0
    ig = next(p for p in data["pages"] if p["page"] == "ig")
    assert ig["responded"] == 0
    assert ig["median_response_minutes"] is None
    assert ig["breached"] == 1
    assert data["total"]["response_rate"] == pytest.approx(2 / 3)
    code, out, _ = cli(*args, "--format", "table")
    assert "Svarsfrekvens" in out
    assert "66,7 %" in out
    assert "1 h 0 min" in out
    code, out, _ = cli(*args, "--format", "csv", "--csv-dialect", "plain", "--page", "fb")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["page"] for r in rows] == ["fb", "Totalt"]
    assert rows[0]["response_rate"] == "1.0"
    code, _, err = cli("report", "--from", "2026-11-16", "--to", "2026-11-23", "--page", "x")
    assert code == 2
    assert "unknown page: x" in err


def test_export_csv_has_the_promised_columns(cli, tmp_path: Path) -> None:
    write(tmp_path / "in.csv", "fb,1,2026-11-17T10:00:00+01:00,Hej,,,\n")
    cli("import", str(tmp_path / "in.csv"))
    code, out, _ = cli("export", "--csv-dialect", "plain")
    assert code == 0
    row = next(csv.DictReader(io.StringIO(out)))
    assert row["page"] == "fb"
    assert row["received_at"] == "2026-11-17T09:00:00+00:00"
    assert row["due_at"] == "2026-11-18T09:00:00+00:00"
    assert row["sla_state"] == "breached"
    assert row["first_response_at"] == ""


def test_demo_loads_every_sla_state(cli) -> None:
    code, out, _ = cli("demo", "--no-serve")
    assert code == 0
    assert "demo data loaded" in out
    code, out, _ = cli("export", "--format", "json")
    rows = json.loads(out)
    assert len(rows) == 3010
    open_states = {r["sla_state"] for r in rows if r["status"] == "open"}
    assert {"ok", "at_risk", "breached", "met"} <= open_states
    assert {r["channel"] for r in rows} == {"facebook", "instagram", "messenger", "email"}
    # Tagged and routed on the way in, to the departments of the shipped rules.
    assert all(r["department"] for r in rows)
    departments = {r["department"] for r in rows}
    assert {"halso_sjukvard", "kollektivtrafik", "folktandvarden"} <= departments
    # The pages come from rules/pages.toml, with their own SLA settings.
    code, out, _ = cli("pages", "list")
    assert "lanstrafiken_facebook" in out
    assert "region_messenger" in out
    code, out, _ = cli("demo", "--no-serve")
    assert "already has items" in out
