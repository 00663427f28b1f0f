"""``inbox deliveries list`` and ``inbox deliveries process``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from inbox.channels.meta.store import NewDelivery, insert_deliveries
from inbox.cli.main import main


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def store(engine: Engine, body: bytes) -> None:
    raw = engine.raw_connection()
    try:
        delivery = NewDelivery("meta", datetime.now(UTC), body, "pending")
        insert_deliveries(raw.driver_connection, engine.dialect.name == "sqlite", [delivery])
        raw.driver_connection.commit()
    finally:
        raw.close()


def comment(page: str, cid: str) -> bytes:
    value = {
        "item": "comment",
        "verb": "add",
        "comment_id": cid,
        "post_id": "p",
        "created_time": 1_763_000_000,
        "from": {"id": "u", "name": "U"},
        "message": "hej",
    }
    doc = {
        "object": "page",
        "entry": [{"id": page, "time": 1, "changes": [{"field": "feed", "value": value}]}],
    }
    return json.dumps(doc).encode()


def test_list_process_and_retry_unknown(cli, engine: Engine) -> None:
    assert cli("pages", "add", "fb", "--name", "FB", "--platform-id", "77")[0] == 0
    store(engine, comment("77", "a"))
    store(engine, comment("88", "b"))
    code, out, _ = cli("deliveries", "list", "--status", "pending")
    assert code == 0
    assert out.count("pending") == 2
    code, out, _ = cli("deliveries", "process")
    assert code == 0
    assert "2 deliveries processed" in out
    code, out, _ = cli("deliveries", "list", "--status", "unknown_page", "--format", "json")
    (row,) = json.loads(out)
    assert "88" in row["error"]
    assert cli("pages", "add", "ig", "--name", "IG", "--platform-id", "88")[0] == 0
    code, out, _ = cli("deliveries", "process", "--retry-unknown")
    assert "1 deliveries for unknown pages requeued" in out
    code, out, _ = cli("export", "--format", "json")
    assert sorted(r["external_id"] for r in json.loads(out)) == ["a", "b"]
