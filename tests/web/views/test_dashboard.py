"""The dashboard: the lead figures against the previous period and the target, the
same figures as `inbox report` for the same window, CSV for Swedish Excel."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from inbox.cli.main import main
from inbox.core.incoming import NewItem
from tests.factories import add_items, make_page
from tests.web_support import client_for, login, make_user

HTML = {"accept": "text/html"}
# November (the window) against the 30 days before it (2 October to 31 October).
WINDOW = "window=custom&from=2026-11-01&to=2026-11-30"


def _at(day: str, hour: int) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+01:00").astimezone(UTC)


@pytest.fixture
def november(engine: Engine) -> None:
    make_page(engine, "region_fb", name="Region Västmark")
    make_page(engine, "trafik_fb", name="Länstrafiken")
    add_items(
        engine,
        # October: one answered after an hour, one never: 50 %, one breach.
        NewItem(
            page="region_fb",
            external_id="o1",
            received_at=_at("2026-10-05", 10),
            text="Hej",
            first_response_at=_at("2026-10-05", 11),
        ),
        NewItem(page="region_fb", external_id="o2", received_at=_at("2026-10-06", 10), text="Hej"),
        # November: all three answered, the last on the window's last day.
        NewItem(
            page="region_fb",
            external_id="n1",
            received_at=_at("2026-11-03", 10),
            text="Hej",
            first_response_at=_at("2026-11-03", 10) + timedelta(minutes=30),
        ),
        NewItem(
            page="region_fb",
            external_id="n2",
            received_at=_at("2026-11-04", 9),
            text="Hej",
            first_response_at=_at("2026-11-04", 11),
        ),
        NewItem(
            page="region_fb",
            external_id="n3",
            received_at=_at("2026-11-30", 9),
            text="Hej",
            first_response_at=_at("2026-11-30", 10),
        ),
        NewItem(page="trafik_fb", external_id="t1", received_at=_at("2026-11-10", 9), text="Buss"),
    )
    make_user(engine, "cecilia@x.se", "supervisor")


def _lead_row(page: str, name: str) -> str:
    table = page[page.index('id="lead"') : page.index("</table>", page.index('id="lead"'))]
    row = re.search(rf'<th scope="row">{name}</th>(.*?)</tr>', table, re.S)
    assert row, table
    return " ".join(re.sub(r"<[^>]+>", " ", row.group(1)).split())


def test_the_lead_compares_with_the_previous_period_and_the_target(
    november: None, database_url: str, tmp_path: Path
) -> None:
    with client_for(database_url, tmp_path) as client:
        login(client, "cecilia@x.se")
        page = client.get(f"/dashboard?{WINDOW}", headers=HTML).text
    # Pages by name, not key; this period's figure first, then the change in words.
    region = _lead_row(page, "Region Västmark")
    assert region.startswith("100,0 % ▲ 50 procentenheter högre (bättre)")
    assert "1 h 0 min oförändrad inom målet 24 h" in region  # median 60 min both periods
    assert region.endswith("0 ▼ 1 färre (bättre)")
    lead = page[page.index('id="lead"') : page.index('id="h-trend"')]
    assert "region_fb" not in lead
    trafik = _lead_row(page, "Länstrafiken")
    assert trafik.startswith("0,0 % inget att jämföra med")  # nothing came in before
    assert trafik.endswith("1 ▲ 1 fler (sämre)")  # unanswered past its due time
    # The window in the words every report uses, and the previous period's.
    assert "Inkomna från och med 2026-11-01 till och med 2026-11-30, per " in page
    assert "Inkomna från och med 2026-10-02 till och med 2026-10-31, per " in page
    # The rate chart's axis is 0 to 100 %.
    rate_chart = page[page.index("Svarsfrekvens per vecka") :]
    assert re.findall(r'class="tick">([^<]*)<', rate_chart)[:5] == [
        "0 %",
        "25 %",
        "50 %",
        "75 %",
        "100 %",
    ]
    assert ">110<" not in page


def test_same_figures_as_the_command_it_names(
    november: None,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
    with client_for(database_url, tmp_path) as client:
        login(client, "cecilia@x.se")
        page = client.get(f"/dashboard?{WINDOW}", headers=HTML).text
        download = client.get(f"/dashboard/pages.csv?{WINDOW}&dialect=plain")
        excel = client.get(f"/dashboard/pages.csv?{WINDOW}")
    command = html.unescape(re.search(r"<code>(inbox report [^<]+)</code>", page).group(1))  # type: ignore[union-attr]
    assert "--from 2026-11-01 --until 2026-11-30 --as-of " in command
    assert main([*shlex.split(command)[1:], "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"]["received"] == 4  # the item of 30 November counts
    region = next(p for p in data["pages"] if p["page"] == "region_fb")
    assert region["response_rate"] == 1.0
    assert region["name"] == "Region Västmark"
    assert data["window"] in html.unescape(page)
    # The download says as of when and counts the same as the command.
    assert main([*shlex.split(command)[1:], "--format", "csv", "--csv-dialect", "plain"]) == 0
    cli_rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    web_rows = list(csv.DictReader(io.StringIO(download.text)))
    # Every figure the same; only the moment differs (the download is computed afresh).
    shared = (set(web_rows[0]) & set(cli_rows[0])) - {"as_of"}
    assert len(shared) == 15
    assert [{k: r[k] for k in shared} for r in web_rows] == [
        {k: r[k] for k in shared} for r in cli_rows
    ]
    assert [r["until"] for r in web_rows] == ["2026-11-30"] * 3
    # With --to the same date means the day before: not the dashboard's figures.
    assert main(["report", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"]["received"] == 3
    # Excel: BOM, semicolons, Swedish headings, the window first.
    assert excel.content.startswith("\ufeff".encode())
    lines = excel.text.removeprefix("\ufeff").splitlines()
    assert lines[0].startswith("Period;Inkomna från och med 2026-11-01 till och med 2026-11-30")
    assert lines[1].startswith("Sidnyckel;Sida;Inkomna;")
    assert lines[2].startswith("region_fb;Region Västmark;3;0;3;3;1,0;")


def test_the_window_sentence_is_the_reports_own() -> None:
    from inbox.core.formatting import WINDOW_WORDS
    from inbox.web.views import dashboard

    source = Path(dashboard.__file__).read_text(encoding="utf-8")
    assert f'"{WINDOW_WORDS}"' in source  # the dashboard's (translated) copy is the same


def test_the_lead_in_english(november: None, database_url: str, tmp_path: Path) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "cecilia@x.se")
        client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
        page = client.get(f"/dashboard?{WINDOW}", headers=HTML).text
    region = _lead_row(page, "Region Västmark")
    assert region.startswith("100.0 % ▲ 50 percentage points higher (better)")
    assert "within the target of 24 h" in region
    assert "Received from 2026-11-01 up to and including 2026-11-30, as of " in page
    assert _lead_row(page, "All pages")
