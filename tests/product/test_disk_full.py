"""The disk fills up under a running server (SQLite on a real, tiny tmpfs): deliveries
and API writes are refused with 503, nothing half-written is kept, and once space is
freed intake goes on by itself."""

from __future__ import annotations

import errno
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from inbox.app import create_app
from inbox.channels.meta import processor
from inbox.channels.meta.signature import expected_signature
from inbox.settings import Settings
from inbox.store.db import make_engine
from inbox.store.models import Item
from tests.api_helpers import make_token
from tests.factories import make_page
from tests.meta_support import comment_delivery

SECRET = "disk-secret"
PAGE = "515151"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(path: Path) -> None:
    """Write until the file system says it is full."""
    code = 0
    with path.open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError as exc:
            code = exc.errno or 0
    assert code == errno.ENOSPC


def until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the deadline"
        time.sleep(0.05)


def test_a_full_disk_refuses_writes_and_loses_nothing(
    tiny_disk: Path, request: pytest.FixtureRequest
) -> None:
    template: Path = request.getfixturevalue("_sqlite_template")
    db = tiny_disk / "inbox.db"
    shutil.copy(template, db)
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    make_page(engine, "fb", platform_id=PAGE)
    make_page(engine, "web", channel="web")
    token = make_token(engine)
    engine.dispose()
    api = {"Authorization": f"Bearer {token}"}
    settings = Settings(database_url=url, meta_app_secret=SECRET, process_deliveries=False)
    accepted: list[int] = []

    def send(n: int) -> int:
        body = comment_delivery(PAGE, n, padding=20_000)
        sig = {"X-Hub-Signature-256": expected_signature(body, SECRET)}
        status = client.post("/webhooks/meta", content=body, headers=sig).status_code
        if status == 200:
            accepted.append(n)
        return status

    with TestClient(create_app(settings)) as client:
        for n in range(5):
            assert send(n) == 200
        filler = tiny_disk / "filler"
        fill(filler)
        refused = [send(n) for n in range(5, 12)]
        assert 503 in refused
        assert set(refused) <= {200, 503}  # the last free pages may still take one
        item = {
            "page": "web",
            "external_id": "form-1",
            "received_at": "2026-11-17T10:00:00+01:00",
            "text": "Hej " + "y" * 50_000,
        }
        answer = client.post("/api/v1/items", json=item, headers=api)
        assert answer.status_code == 503
        assert answer.json()["error"] == "database_unavailable"

        filler.unlink()
        until(lambda: send(100 + len(accepted)) == 200)
        assert client.post("/api/v1/items", json=item, headers=api).status_code == 201
    engine = make_engine(url)
    while processor.process_pending(engine, now=datetime.now(UTC)):
        pass
    with engine.connect() as conn:
        column = Item.__table__.c.external_id  # type: ignore[attr-defined]
        ids = list(conn.execute(sa.select(column)).scalars())
    engine.dispose()
    numbers = sorted(int(i.rsplit("_", 1)[1]) for i in ids if i.startswith(PAGE))
    assert numbers == sorted(accepted)
    assert ids.count("form-1") == 1
