"""The spec's dialogue figures: posts with three or more comments, and where the page took part."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from inbox.app import create_app
from inbox.channels.meta import processor
from inbox.channels.meta.signature import expected_signature
from inbox.cli.report import write_report
from inbox.settings import Settings
from inbox.store.report import build_report
from tests.factories import make_page
from tests.web_support import client_for, login, make_user

SECRET = "s"
PAGE = "555"
T0 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)


def change(
    post: str, cid: str, minutes: int, *, author: str = "u1", parent: str | None = None
) -> dict:
    return {
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": "add",
            "comment_id": cid,
            "post_id": post,
            "parent_id": parent or post,
            "created_time": int((T0 + timedelta(minutes=minutes)).timestamp()),
            "from": {"id": author, "name": author},
            "message": cid,
        },
    }


def test_dialogues_per_page_in_the_report(engine: Engine, database_url: str) -> None:
    make_page(engine, "fb", platform_id=PAGE)
    make_page(engine, "quiet")
    changes = [
        # p1: three comments, the page replied to one of them on the platform.
        change("p1", "a1", 0),
        change("p1", "a2", 1),
        change("p1", "a3", 2),
        change("p1", "r1", 30, author=PAGE, parent="a2"),
        # p2: three comments (one a reply), the page never took part.
        change("p2", "b1", 0),
        change("p2", "b2", 1),
        change("p2", "b3", 2, parent="b1"),
        # p3: three comments and the page's own comment on the post itself.
        change("p3", "c1", 0),
        change("p3", "c2", 1),
        change("p3", "c3", 2),
        change("p3", "own", 5, author=PAGE),
        # p4: only two comments: no dialogue, even with the page taking part.
        change("p4", "d1", 0),
        change("p4", "d2", 1),
        change("p4", "r4", 9, author=PAGE, parent="d1"),
    ]
    body = json.dumps({"object": "page", "entry": [{"id": PAGE, "time": 1, "changes": changes}]})
    settings = Settings(database_url=database_url, meta_app_secret=SECRET, process_deliveries=False)
    with TestClient(create_app(settings)) as client:
        answer = client.post(
            "/webhooks/meta",
            content=body.encode(),
            headers={"X-Hub-Signature-256": expected_signature(body.encode(), SECRET)},
        )
    assert answer.status_code == 200
    assert processor.process_pending(engine, now=T0 + timedelta(days=1)) == 1

    with engine.connect() as conn:
        report = build_report(
            conn, start=date(2026, 11, 16), end=date(2026, 11, 23), as_of=T0 + timedelta(days=1)
        )
    data = report.as_json()
    fb = next(p for p in data["pages"] if p["page"] == "fb")
    quiet = next(p for p in data["pages"] if p["page"] == "quiet")
    assert (fb["dialogues"], fb["dialogues_page_took_part"]) == (3, 2)
    assert (quiet["dialogues"], quiet["dialogues_page_took_part"]) == (0, 0)
    assert (data["total"]["dialogues"], data["total"]["dialogues_page_took_part"]) == (3, 2)
    assert fb["received"] == 11  # the existing figures are unchanged by the page's own comments

    out = io.StringIO()
    write_report(report, "csv", out, "plain")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["page"] == "fb"
    assert (rows[0]["dialogues"], rows[0]["dialogues_page_took_part"]) == ("3", "2")
    table = io.StringIO()
    write_report(report, "table", table)
    assert "Dialoger där sidan deltog" in table.getvalue()

    # Outside the window: no dialogues.
    with engine.connect() as conn:
        later = build_report(
            conn, start=date(2026, 12, 1), end=date(2026, 12, 8), as_of=T0 + timedelta(days=20)
        )
    assert later.total_dialogues.dialogues == 0


def test_dashboard_shows_dialogues(engine: Engine, database_url: str, tmp_path: Path) -> None:
    make_page(engine, "fb")
    make_user(engine, "cecilia@demo", "supervisor")
    with client_for(database_url, tmp_path) as client:
        login(client, "cecilia@demo")
        page = client.get("/dashboard", headers={"accept": "text/html"})
        table = client.get("/dashboard/dialogues.csv")
        plain = client.get("/dashboard/dialogues.csv?dialect=plain")
    assert page.status_code == 200
    assert "Dialoger där sidan deltog" in page.text
    lines = table.text.splitlines()
    assert lines[0].startswith("\ufeffPeriod;Inkomna från och med ")
    assert lines[1:] == [
        "Sidnyckel;Sida;Dialoger;Dialoger där sidan deltog",
        "fb;fb;0;0",
        "Totalt;Totalt;0;0",
    ]
    rows = [line.split(",")[:4] for line in plain.text.splitlines()]
    assert rows == [
        ["page", "name", "dialogues", "dialogues_page_took_part"],
        ["fb", "fb", "0", "0"],
        ["Totalt", "Totalt", "0", "0"],
    ]
