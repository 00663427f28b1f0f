"""The database goes away and comes back: webhooks answer 503 meanwhile (never a 200
for a delivery not on disk), /healthz says so, the API answers JSON, pages a Swedish
503; afterwards intake recovers by itself, and every acknowledged delivery is
exactly one item.

PostgreSQL only: the test refuses new connections to the test database
(``ALLOW_CONNECTIONS false``) and terminates the open ones, which is what a
restart, a failover or a killed pooler connection looks like to the app.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from starlette.testclient import TestClient

from inbox.app import create_app
from inbox.channels.meta.signature import expected_signature
from inbox.channels.meta.store import MAX_BACKOFF, backoff
from inbox.settings import Settings
from inbox.store.models import Delivery, Item
from tests.api_helpers import make_token
from tests.conftest import PG_URL
from tests.factories import make_page
from tests.meta_support import comment_delivery
from tests.web_support import login, make_user

pytestmark = pytest.mark.postgresql_only

SECRET = "outage-secret"
PAGE = "424242"
DEADLINE = 30.0


def send(client: TestClient, n: int) -> int:
    body = comment_delivery(PAGE, n)
    sig = {"X-Hub-Signature-256": expected_signature(body, SECRET)}
    return client.post("/webhooks/meta", content=body, headers=sig).status_code


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "not within the deadline"
        time.sleep(0.05)


@pytest.fixture
def outage(database_url: str) -> Iterator[tuple[Callable[[], None], Callable[[], None]]]:
    name = make_url(database_url).database
    admin = sa.create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )

    def down() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )

    def up() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

    try:
        yield down, up
    finally:
        up()
        admin.dispose()


def test_intake_survives_a_database_outage(
    engine: Engine, database_url: str, outage: tuple[Callable[[], None], Callable[[], None]]
) -> None:
    down, up = outage
    make_page(engine, "fb", platform_id=PAGE)
    make_user(engine, "cecilia@x.se", "supervisor")
    token = make_token(engine)
    engine.dispose()
    settings = Settings(database_url=database_url, meta_app_secret=SECRET)
    accepted: set[int] = set()
    refused: set[int] = set()
    with TestClient(create_app(settings), follow_redirects=False) as client:
        login(client, "cecilia@x.se")
        for n in range(10):
            assert send(client, n) == 200
            accepted.add(n)
        assert client.get("/healthz").status_code == 200

        down()
        for n in range(10, 15):
            status = send(client, n)
            assert status == 503
            refused.add(n)
        health = client.get("/healthz")
        assert health.status_code == 503
        assert "database: down" in health.text
        assert "writer: ok" in health.text
        api = client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 503
        assert api.json()["error"] == "database_unavailable"
        assert api.headers["retry-after"] == "5"
        page = client.get("/", headers={"accept": "text/html"})
        assert page.status_code == 503
        assert "Databasen svarar inte just nu" in page.text

        up()
        n = 100

        def recovered() -> bool:
            nonlocal n
            n += 1
            status = send(client, n)
            (accepted if status == 200 else refused).add(n)
            return status == 200

        until(recovered)
        for m in range(n + 1, n + 11):
            assert send(client, m) == 200
            accepted.add(m)
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"}).is_success

        check = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))

        def stored(table: type[Delivery] | type[Item]) -> list[str]:
            with check.connect() as conn:
                column = (
                    table.__table__.c.body if table is Delivery else table.__table__.c.external_id
                )  # type: ignore[attr-defined]
                return [str(v) for v in conn.execute(sa.select(column)).scalars()]

        def numbers(values: list[str]) -> list[int]:
            return sorted(int(v.split("_post_")[1].split('"')[0]) for v in values)

        until(lambda: len(stored(Item)) >= len(accepted))
        items = numbers(stored(Item))
        check.dispose()
    assert items == sorted(accepted)  # every acknowledged delivery, once; nothing refused
    assert not set(items) & refused


def test_the_writer_backs_off_boundedly() -> None:
    assert backoff(0) == 0
    assert 0 < backoff(1) < backoff(2) < backoff(3)
    assert backoff(50) == MAX_BACKOFF


def test_a_read_only_database_refuses_writes_with_503_and_stores_nothing(
    engine: Engine, database_url: str
) -> None:
    name = make_url(database_url).database
    make_page(engine, "fb", platform_id=PAGE)
    make_page(engine, "web", channel="web")
    token = make_token(engine)
    engine.dispose()
    admin = sa.create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )

    def read_only(on: bool) -> None:
        with admin.connect() as conn:
            value = "on" if on else "off"
            conn.execute(
                sa.text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {value}')
            )
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )

    api = {"Authorization": f"Bearer {token}"}
    item = {
        "page": "web",
        "external_id": "form-1",
        "received_at": "2026-11-17T10:00:00+01:00",
        "text": "Hej",
    }
    settings = Settings(database_url=database_url, meta_app_secret=SECRET, process_deliveries=False)
    try:
        with TestClient(create_app(settings)) as client:
            read_only(True)
            assert send(client, 1) == 503
            answer = client.post("/api/v1/items", json=item, headers=api)
            assert answer.status_code == 503
            assert answer.json()["error"] == "database_unavailable"
            read_only(False)
            until(lambda: send(client, 2) == 200)
            assert client.post("/api/v1/items", json=item, headers=api).status_code == 201
    finally:
        read_only(False)
        admin.dispose()
    check = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with check.connect() as conn:
        deliveries = conn.execute(sa.select(sa.func.count()).select_from(Delivery)).scalar()
        items = conn.execute(sa.select(sa.func.count()).select_from(Item)).scalar()
    check.dispose()
    assert deliveries == 1  # only the one answered 200
    assert items == 1  # the API item, once
