"""Benchmark: signed Meta webhook deliveries acknowledged per second, and the backlog to items.

Starts the real server (``inbox serve``: uvicorn, one worker, SQLite file) and a
hello-world Starlette app under the same uvicorn settings, drives each with the
same load (concurrent keep-alive HTTP/1.1 connections over loopback, a fixed
number of requests), and prints both rates and their ratio. Then turns the
stored backlog into items with the processor and prints items per second.

    python bench/webhooks.py [--requests 10000] [--rounds 3] [--connections 64] [--background]

Targets: >= 2,500 acknowledged deliveries/s; >= 500 items/s per core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inbox.actions import pages  # noqa: E402
from inbox.channels.meta import processor  # noqa: E402
from inbox.channels.meta.signature import expected_signature  # noqa: E402
from inbox.store.db import make_engine, migrate, session_scope  # noqa: E402

SECRET = "bench-secret"
PAGE_ID = "4242"

HELLO = """
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

async def hello(request):
    await request.body()
    return PlainTextResponse("EVENT_RECEIVED")

app = Starlette(routes=[Route("/webhooks/meta", hello, methods=["POST"])])
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def delivery(n: int) -> bytes:
    value = {
        "item": "comment",
        "verb": "add",
        "comment_id": f"{PAGE_ID}_p{n % 50}_{n}",
        "post_id": f"{PAGE_ID}_p{n % 50}",
        "parent_id": f"{PAGE_ID}_p{n % 50}",
        "created_time": 1_763_000_000 + n,
        "from": {"id": f"u{n % 997}", "name": "Anna Andersson"},
        "message": f"Hej! När öppnar simhallen igen? ({n})",
    }
    doc = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1_763_000_000 + n,
                "changes": [{"field": "feed", "value": value}],
            }
        ],
    }
    return json.dumps(doc).encode()


def request_bytes(body: bytes) -> bytes:
    head = (
        "POST /webhooks/meta HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-Hub-Signature-256: {expected_signature(body, SECRET)}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


async def drive(port: int, requests: list[bytes], connections: int) -> tuple[float, dict[int, int]]:
    """Send every request once over ``connections`` keep-alive connections; (seconds, statuses)."""
    statuses: dict[int, int] = {}
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while next_index < len(requests):
                raw = requests[next_index]
                next_index += 1
                writer.write(raw)
                status = await _read_response(reader)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return time.perf_counter() - started, statuses


def measure(port: int, requests: list[bytes], connections: int) -> tuple[float, dict[int, int]]:
    warm = requests[: min(500, len(requests))]
    asyncio.run(drive(port, warm, min(connections, 8)))
    seconds, statuses = asyncio.run(drive(port, requests[len(warm) :], connections))
    return (len(requests) - len(warm)) / seconds, statuses


def count_items(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM item").scalar_one())


def wait_until_processed(engine: Engine, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            pending = conn.exec_driver_sql(
                "SELECT count(*) FROM delivery WHERE status = 'pending'"
            ).scalar_one()
        if not pending:
            return
        time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10000, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--background",
        action="store_true",
        help="leave the server's background processor on while measuring deliveries/s",
    )
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (shared)")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        url = f"sqlite:///{db}"
        engine = make_engine(url)
        migrate(engine)
        now = datetime.now(UTC)
        with session_scope(engine) as session:
            pages.add_page(session, key="fb", platform_id=PAGE_ID, actor="bench", now=now)

        per_round = args.requests
        bodies = [request_bytes(delivery(n)) for n in range(per_round * args.rounds)]
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "INBOX_DATABASE_URL": url,
            "INBOX_META_APP_SECRET": SECRET,
            "INBOX_PROCESS_DELIVERIES": "true" if args.background else "false",
        }
        hello_port, inbox_port = free_port(), free_port()
        hello = subprocess.Popen([sys.executable, "-c", HELLO.format(port=hello_port)], env=env)
        server = subprocess.Popen(
            [sys.executable, "-m", "inbox", "serve", "--port", str(inbox_port)],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
        )
        hello_rates: list[float] = []
        rates: list[float] = []
        try:
            wait_for_port(hello_port, hello)
            wait_for_port(inbox_port, server)
            # Alternate the two, round by round, so load from other work on the
            # machine falls on both alike.
            for r in range(args.rounds):
                if args.background:
                    wait_until_processed(engine)
                chunk = bodies[r * per_round : (r + 1) * per_round]
                hello_rate, hello_statuses = measure(hello_port, chunk, args.connections)
                rate, statuses = measure(inbox_port, chunk, args.connections)
                hello_rates.append(hello_rate)
                rates.append(rate)
                print(
                    f"round {r + 1}: hello-world {hello_rate:6.0f}/s {hello_statuses}, "
                    f"inbox {rate:6.0f}/s {statuses}, ratio {rate / hello_rate:.2f}",
                    flush=True,
                )
        finally:
            for proc in (hello, server):
                proc.terminate()
                proc.wait()

        hello_rate, rate = statistics.median(hello_rates), statistics.median(rates)
        print(f"hello-world Starlette: {hello_rate:8.0f} requests/s (median of {args.rounds})")
        print(f"inbox /webhooks/meta:  {rate:8.0f} deliveries/s (median; target >= 2,500)")
        print(f"ratio inbox / hello-world: {rate / hello_rate:.2f}")

        with engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT count(*) FROM delivery").scalar_one()
        print(f"stored deliveries: {stored} (of {len(bodies)} acknowledged, warm-ups included)")
        if args.background:
            print(
                f"items made by the server's background processor meanwhile: {count_items(engine)}"
            )

        with engine.connect() as conn:
            before = conn.exec_driver_sql("SELECT count(*) FROM item").scalar_one()
        started = time.perf_counter()
        handled = 0
        while done := processor.process_pending(engine, now=datetime.now(UTC), limit=500):
            handled += done
        seconds = time.perf_counter() - started
        with engine.connect() as conn:
            made = conn.exec_driver_sql("SELECT count(*) FROM item").scalar_one() - before
        print(
            f"processor: {handled} deliveries -> {made} items in {seconds:.2f} s = "
            f"{made / seconds:.0f} items/s on one core (target >= 500)"
        )
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
