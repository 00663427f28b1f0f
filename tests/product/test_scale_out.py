"""Two `inbox serve` and one `inbox scheduler` on one PostgreSQL database, behind nginx.

Load goes through the proxy: signed webhook deliveries (some with threats, so
the scheduler has urgent items) and answers given through the API. Runs in the
PostgreSQL pass (INBOX_TEST_DATABASE_URL set).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from inbox.actions import api_tokens, pages
from inbox.store.db import session_scope
from tests.notify_servers import SmtpServer

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]

INBOX = Path(sys.executable).parent / "inbox"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SECRET = "scale-secret"
PAGE_ID = "555000111"
DELIVERIES = 240


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def nginx_conf(tmp: Path, port: int, backends: list[int]) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in backends)
    return f"""daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    log_format upstream '$status $upstream_addr $request_uri';
    access_log {tmp}/access.log upstream;
    upstream inbox {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 2m;
        location / {{
            proxy_pass http://inbox;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def is_threat(comment_id: str) -> bool:
    """Every tenth delivery is a threat."""
    return int(comment_id.rsplit("_c", 1)[1]) % 10 == 0


def delivery(n: int, now: datetime) -> tuple[str, bytes]:
    comment_id = f"{PAGE_ID}_c{n}"
    post_id = f"{PAGE_ID}_p{n % 10}"
    message = (
        "Jag ska döda er allihop"
        if is_threat(comment_id)
        else f"Hej! När öppnar simhallen igen? ({n})"
    )
    value = {
        "item": "comment",
        "verb": "add",
        "comment_id": comment_id,
        "post_id": post_id,
        "parent_id": post_id,
        "created_time": int(now.timestamp()),
        "from": {"id": f"u{n}", "name": "Anna Andersson"},
        "message": message,
    }
    doc = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": int(now.timestamp()),
                "changes": [{"field": "feed", "value": value}],
            }
        ],
    }
    return comment_id, json.dumps(doc).encode()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def test_two_servers_and_a_scheduler_behind_nginx_lose_and_double_nothing(
    engine: Engine, database_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    assert database_url.startswith("postgresql"), "needs INBOX_TEST_DATABASE_URL"
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        pages.add_page(
            session, key="fb-scale", name="Skala", platform_id=PAGE_ID, actor="test", now=now
        )
        _token, api_secret = api_tokens.create_api_token(
            session, name="scale", actor="test", now=now
        )
    env = {
        **os.environ,
        "INBOX_DATABASE_URL": database_url,
        "INBOX_META_APP_SECRET": SECRET,
        "INBOX_SMTP_HOST": "127.0.0.1",
        "INBOX_SMTP_PORT": str(smtp.port),
        "INBOX_SCHEDULER_SWEEP_SECONDS": "1",
        "INBOX_SCHEDULER_OUTBOX_SECONDS": "0.5",
        "INBOX_SCHEDULER_RENEW_SECONDS": "0.5",
        "INBOX_SCHEDULER_LEASE_SECONDS": "3",
    }
    backends = [free_port(), free_port()]
    proxy_port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf(tmp_path, proxy_port, backends))
    logs = []
    procs: list[subprocess.Popen[bytes]] = []

    def start(args: list[str], name: str, extra: dict[str, str]) -> None:
        log = (tmp_path / f"{name}.log").open("wb")
        logs.append(log)
        procs.append(
            subprocess.Popen(
                args, env={**env, **extra}, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path
            )
        )

    try:
        for i, port in enumerate(backends):
            start(
                [str(INBOX), "serve", "--port", str(port)], f"serve{i}", {"INBOX_SCHEDULER": "off"}
            )
        start([str(INBOX), "scheduler"], "scheduler", {})
        start([NGINX, "-p", str(tmp_path), "-c", str(conf)], "nginx", {})
        base = f"http://127.0.0.1:{proxy_port}"
        for port in backends:
            wait_for(lambda port=port: answers(f"http://127.0.0.1:{port}/healthz"))
        wait_for(lambda: answers(f"{base}/healthz"))

        def deliver(n: int) -> tuple[str, int]:
            comment_id, body = delivery(n, now)
            signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            r = httpx.post(
                f"{base}/webhooks/meta",
                content=body,
                headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
                timeout=30,
            )
            return comment_id, r.status_code

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(deliver, range(DELIVERIES)))
        assert Counter(status for _, status in results) == {200: DELIVERIES}
        accepted = [cid for cid, _ in results]

        def stored() -> Counter[str]:
            with engine.connect() as conn:
                return Counter(
                    row[0] for row in conn.execute(sa.text("SELECT external_id FROM item"))
                )

        wait_for(lambda: sum(stored().values()) >= DELIVERIES)
        items = stored()
        assert sorted(items) == sorted(accepted)
        assert set(items.values()) == {1}

        # A third of the other items are answered; the threats stay open, so the
        # scheduler assesses every one of them whenever its sweep comes (an item
        # answered first would be closed before it is looked at).
        with engine.connect() as conn:
            ids = [
                int(item_id)
                for item_id, external_id in conn.execute(
                    sa.text("SELECT id, external_id FROM item ORDER BY id")
                )
                if not is_threat(external_id)
            ]
        replied = ids[::3]

        def reply(item_id: int) -> int:
            r = httpx.post(
                f"{base}/api/v1/items/{item_id}/responses",
                json={
                    "sent_at": datetime.now(UTC).isoformat(),
                    "author": "Telefon",
                    "text": f"Svar {item_id}",
                },
                headers={"Authorization": f"Bearer {api_secret}"},
                timeout=30,
            )
            return r.status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = Counter(pool.map(reply, replied))
        assert set(statuses) <= {200, 201}, statuses
        with engine.connect() as conn:
            responses = Counter(
                int(r[0]) for r in conn.execute(sa.text("SELECT item_id FROM response"))
            )
        assert sorted(responses) == replied
        assert set(responses.values()) == {1}

        # The scheduler assesses every open item and delivers what it queued.
        def scheduler_done() -> bool:
            with engine.connect() as conn:
                unassessed = conn.execute(
                    sa.text("SELECT count(*) FROM item WHERE status = 'open' AND urgency IS NULL")
                ).scalar_one()
                unsent = conn.execute(
                    sa.text("SELECT count(*) FROM outbox WHERE status <> 'sent'")
                ).scalar_one()
            return int(unassessed) == 0 and int(unsent) == 0

        wait_for(scheduler_done)

        today = datetime.now(UTC).date()
        report = httpx.get(
            f"{base}/api/v1/report",
            params={
                "from": (today - timedelta(days=2)).isoformat(),
                "to": (today + timedelta(days=2)).isoformat(),
            },
            headers={"Authorization": f"Bearer {api_secret}"},
            timeout=30,
        )
        assert report.status_code == 200
        total = report.json()["total"]
        assert total["received"] == DELIVERIES
        assert total["responded"] == len(replied)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
        for log in logs:
            log.close()

    upstreams = Counter(
        line.split()[1] for line in (tmp_path / "access.log").read_text().splitlines()
    )
    assert {f"127.0.0.1:{p}" for p in backends} <= set(upstreams)
    with engine.connect() as conn:
        keys = [r[0] for r in conn.execute(sa.text("SELECT dedup_key FROM outbox"))]
        sent = conn.execute(
            sa.text("SELECT count(*) FROM outbox WHERE status = 'sent'")
        ).scalar_one()
        escalations = conn.execute(
            sa.text("SELECT item_id, level, count(*) FROM escalation GROUP BY item_id, level")
        ).all()
        threats = conn.execute(
            sa.text("SELECT count(*) FROM item WHERE urgency = 'threat'")
        ).scalar_one()
    assert threats == DELIVERIES // 10
    assert len(keys) == len(set(keys))
    assert all(n == 1 for _item, _level, n in escalations)
    assert len(smtp.messages) == sent
    # One message per item and recipient: the bodies name the item.
    bodies = Counter(
        (str(m["To"]), "".join(str(p.get_payload()) for p in m.walk() if not p.is_multipart()))
        for m in smtp.messages
    )
    assert all(n == 1 for n in bodies.values())
