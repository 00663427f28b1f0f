"""A real PostgreSQL restart under a running ``inbox serve``.

The test starts its own throwaway cluster (initdb, pg_ctl as the postgres OS user)
on a free port, runs ``inbox serve`` against it, stops the cluster (``pg_ctl stop
-m fast``): webhooks answer 503, /healthz 503, the API JSON; starts it again:
intake recovers by itself, and every delivery answered 200 is exactly one item.
"""

from __future__ import annotations

import glob
import json
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from inbox.actions import pages
from inbox.channels.meta.signature import expected_signature
from inbox.store.db import make_engine, migrate, session_scope
from inbox.store.models import Item
from tests.meta_support import comment_delivery
from tests.servers import free_port, inbox_server

pytestmark = pytest.mark.postgresql_only

DEADLINE = 30.0
SECRET = "restart-secret"
PAGE = "434343"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found, f"{name} not found under /usr/lib/postgresql"
    return found[-1]


class Cluster:
    def __init__(self, root: Path, port: int) -> None:
        self.data = root / "data"
        self.port = port
        self.log = root / "pg.log"

    def _as_postgres(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, timeout=60)

    def init(self) -> None:
        self._as_postgres(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            _bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "start"
        )

    def stop(self) -> None:
        self._as_postgres(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="inbox-pg-"))
    shutil.chown(root, "postgres", "postgres")
    pg = Cluster(root, free_port())
    pg.init()
    pg.start()
    try:
        yield pg
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                _bin("pg_ctl"),
                "-D",
                str(pg.data),
                "-m",
                "immediate",
                "stop",
            ],
            check=False,
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


def post(
    base: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(base + path, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return answer.status, answer.read().decode(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def send(base: str, n: int) -> int:
    raw = comment_delivery(PAGE, n)
    headers = {
        "X-Hub-Signature-256": expected_signature(raw, SECRET),
        "Content-Type": "application/json",
    }
    return post(base, "/webhooks/meta", raw, headers)[0]


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "not within the deadline"
        time.sleep(0.1)


def test_intake_recovers_from_a_postgresql_restart(
    cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres"
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        pages.add_page(session, key="fb", platform_id=PAGE, actor="test", now=datetime.now(UTC))
    engine.dispose()
    monkeypatch.setenv("INBOX_META_APP_SECRET", SECRET)
    accepted: set[int] = set()
    refused: set[int] = set()
    with inbox_server(url, tmp_path) as base:
        for n in range(10):
            assert send(base, n) == 200
            accepted.add(n)

        cluster.stop()
        for n in range(10, 15):
            assert send(base, n) == 503
            refused.add(n)
        status, text, _ = post(base, "/healthz")
        assert status == 503
        assert "database: down" in text
        status, text, headers = post(base, "/api/v1/items", headers={"Authorization": "Bearer x"})
        assert status == 503
        assert headers["content-type"].startswith("application/json")
        assert json.loads(text)["error"] == "database_unavailable"

        cluster.start()
        n = 100

        def recovered() -> bool:
            nonlocal n
            n += 1
            status = send(base, n)
            (accepted if status == 200 else refused).add(n)
            return status == 200

        until(recovered)
        for m in range(n + 1, n + 11):
            assert send(base, m) == 200
            accepted.add(m)
        assert post(base, "/healthz")[0] == 200

        check = make_engine(url)

        def items() -> list[int]:
            with check.connect() as conn:
                ids = conn.execute(sa.select(Item.__table__.c.external_id)).scalars()  # type: ignore[attr-defined]
                return sorted(int(str(v).split("_post_")[1]) for v in ids)

        until(lambda: len(items()) >= len(accepted))
        stored = items()
        check.dispose()
    assert stored == sorted(accepted)
    assert not set(stored) & refused


def test_a_read_only_database_answers_503_and_stores_nothing(
    cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres"
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        pages.add_page(session, key="fb", platform_id=PAGE, actor="test", now=datetime.now(UTC))
    admin = sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )

    def read_only(on: bool) -> None:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "ALTER DATABASE postgres SET default_transaction_read_only = "
                    + ("on" if on else "off")
                )
            )
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = 'postgres' AND pid <> pg_backend_pid()"
                )
            )

    def deliveries() -> int:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM delivery")).scalar_one())

    monkeypatch.setenv("INBOX_META_APP_SECRET", SECRET)
    with inbox_server(url, tmp_path) as base:
        assert send(base, 1) == 200
        read_only(True)
        engine.dispose()
        before = deliveries()
        for n in range(10, 15):
            assert send(base, n) == 503
        assert deliveries() == before  # nothing half-written
        read_only(False)
        engine.dispose()
        until(lambda: send(base, 100) == 200)
        assert deliveries() == before + 1
    admin.dispose()
    engine.dispose()
