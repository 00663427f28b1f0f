"""The plain queue and report pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from inbox.app import create_app
from inbox.ingest.shape import NewItem
from inbox.settings import Settings
from tests.factories import add_items, make_page


def test_queue_lists_open_items_by_due_time_and_escapes_text(
    engine: Engine, database_url: str
) -> None:
    make_page(engine, "fb", name="Region Väst")
    now = datetime.now(UTC)
    add_items(
        engine,
        NewItem(
            page="fb",
            external_id="late",
            received_at=now - timedelta(hours=1),
            text="<script>alert(1)</script>",
        ),
        NewItem(
            page="fb", external_id="early", received_at=now - timedelta(days=3), text="Äldst först"
        ),
    )
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        page = client.get("/")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert page.text.index("Äldst först") < page.text.index("&lt;script&gt;")
    assert "försenad" in page.text


def test_report_page_shows_swedish_figures(engine: Engine, database_url: str) -> None:
    make_page(engine, "fb")
    now = datetime.now(UTC)
    add_items(
        engine,
        NewItem(
            page="fb",
            external_id="a",
            received_at=now - timedelta(hours=3),
            text="x",
            first_response_at=now - timedelta(hours=1),
        ),
        NewItem(page="fb", external_id="b", received_at=now - timedelta(hours=3), text="y"),
    )
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        page = client.get("/report")
        health = client.get("/healthz")
    assert page.status_code == 200
    assert "50,0 %" in page.text
    assert "2 h 0 min" in page.text
    assert health.text == "ok"
