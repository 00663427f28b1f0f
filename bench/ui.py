"""Benchmark: the queue's first page and the 28-day dashboard over 1,000,000 items.

Builds 1,000,000 items (100,000 of them open) over 50 pages and 365 days on the
embedded SQLite database, then renders the pages through the real ASGI app
in-process with a signed-in session, and prints the median of several runs.

    python bench/ui.py [--items 1000000] [--open 100000] [--runs 7]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from starlette.testclient import TestClient  # noqa: E402

from inbox.actions import intake, users  # noqa: E402
from inbox.actions import pages as pages_actions  # noqa: E402
from inbox.app import create_app  # noqa: E402
from inbox.core.incoming import NewItem  # noqa: E402
from inbox.settings import Settings  # noqa: E402
from inbox.store.db import make_engine, migrate, session_scope  # noqa: E402

PASSWORD = "bench-password-1"
DEPARTMENTS = ("halso_sjukvard", "folktandvarden", "kollektivtrafik", "kontaktcenter", "kultur")
TOPICS = ("vard", "tandvard", "buss", "avgifter", "jobb", "kultur", None)
SENTIMENTS = ("positive", "neutral", "negative")


def build(url: str, total: int, open_count: int, seed: int = 7) -> None:
    engine = make_engine(url)
    migrate(engine)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    start = time.perf_counter()
    open_every = max(1, total // open_count)
    with session_scope(engine) as session:
        pages, _ = pages_actions.ensure_pages(
            session, {f"page{n:02d}" for n in range(50)}, actor="bench", now=now
        )
        batch: list[NewItem] = []
        for n in range(total):
            is_open = n % open_every == 0 and n // open_every < open_count
            if is_open:
                received = now - timedelta(seconds=rng.randrange(60 * 24 * 3600))
                first = None
                resolution = None
            else:
                received = now - timedelta(seconds=rng.randrange(365 * 24 * 3600))
                roll = rng.random()
                first = None
                resolution = None
                if roll < 0.85:
                    delay = timedelta(minutes=min(rng.lognormvariate(5, 1.3), 60 * 24 * 7))
                    first = min(received + delay, now)
                else:
                    resolution = rng.choice(["no_reply_needed", "spam", "removed"])
            batch.append(
                NewItem(
                    page=f"page{n % 50:02d}",
                    external_id=str(n),
                    received_at=received,
                    text="Hej! När öppnar vårdcentralen efter helgen?",
                    author="Test Testsson",
                    first_response_at=first,
                    resolution=resolution,
                )
            )
            if len(batch) == 20000:
                intake.ingest_items(session, batch, pages=pages, now=now)
                batch = []
        if batch:
            intake.ingest_items(session, batch, pages=pages, now=now)
        # Tagging as routing would have set it: spread over departments, topics, sentiments.
        conn = session.connection()
        dep = " ".join(f"WHEN {i} THEN '{d}'" for i, d in enumerate(DEPARTMENTS))
        top = " ".join(f"WHEN {i} THEN '{t}'" for i, t in enumerate(TOPICS) if t)
        sen = " ".join(f"WHEN {i} THEN '{s}'" for i, s in enumerate(SENTIMENTS))
        conn.execute(
            sa.text(
                f"UPDATE item SET department = CASE (id / 10) % {len(DEPARTMENTS)} {dep} END, "
                f"topic = CASE (id / 50) % {len(TOPICS)} {top} ELSE NULL END, "
                f"sentiment = CASE (id / 7) % 3 {sen} END, "
                "first_responder = CASE WHEN first_response_at IS NOT NULL "
                "THEN 'person' || ((id / 11) % 12) || '@bench' END"
            )
        )
        users.add_user(
            session,
            email="chef@bench",
            name="Chef",
            password=PASSWORD,
            role="supervisor",
            actor="bench",
            now=now,
        )
        users.add_user(
            session,
            email="anna@bench",
            name="Anna",
            password=PASSWORD,
            role="communicator",
            departments=["halso_sjukvard"],
            actor="bench",
            now=now,
        )
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
        counts = conn.execute(
            sa.text("SELECT count(*), sum(CASE WHEN status = 'open' THEN 1 ELSE 0 END) FROM item")
        ).one()
    engine.dispose()
    print(f"built {counts[0]:,} items ({counts[1]:,} open) in {time.perf_counter() - start:.0f} s")


def measure(
    client: TestClient, path: str, runs: int, *, warm: bool = True
) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs + 1 if warm else runs):
        t = time.perf_counter()
        response = client.get(path, headers={"accept": "text/html"})
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.text[:300]
    if warm:
        times = times[1:]  # the first run warms the caches
    return statistics.median(times), times


def login(client: TestClient, email: str) -> None:
    page = client.get("/login", headers={"accept": "text/html"})
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert token
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None, help="reuse (or keep) this SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench-ui.db"
        url = f"sqlite:///{path}"
        if not path.exists():
            build(url, args.items, args.open)
        settings = Settings(database_url=url)
        for email, label in (("chef@bench", "supervisor"), ("anna@bench", "communicator")):
            with TestClient(create_app(settings), follow_redirects=False) as client:
                login(client, email)
                # The server computes the dashboard's default window as it starts.
                client.app.state.dashboard_figures.wait()  # type: ignore[attr-defined]
                median, times = measure(client, "/", args.runs)
                print(
                    f"queue, first page ({label}): median {median:.0f} ms "
                    f"(runs: {', '.join(f'{t:.0f}' for t in times)})"
                )
                if label == "supervisor":
                    dashboard(client, url, args.runs)


def dashboard(client: TestClient, url: str, runs: int) -> None:
    figures = client.app.state.dashboard_figures  # type: ignore[attr-defined]
    cold = []
    for _ in range(runs):
        figures.clear()
        cold.append(measure(client, "/dashboard", 1, warm=False)[1][0])
    print(
        "dashboard, last 28 days, computed while the visitor waits (first visit, "
        f"or 'Räkna om nu'): median {statistics.median(cold):.0f} ms "
        f"(runs: {', '.join(f'{t:.0f}' for t in cold)})"
    )
    # A busy inbox: an item arrives before every visit. The visit gets the figures
    # computed before it (saying so) while new ones are computed in the background.
    engine = make_engine(url)
    busy = []
    try:
        for n in range(runs + 1):
            with session_scope(engine) as session:
                pages, _ = pages_actions.ensure_pages(
                    session, {"page00"}, actor="bench", now=_now()
                )
                item = NewItem(
                    page="page00",
                    external_id=f"busy-{n}-{time.time_ns()}",
                    received_at=_now(),
                    text="Hej! Hur bokar jag en tid?",
                    author="Test Testsson",
                )
                intake.ingest_items(session, [item], pages=pages, now=_now())
            t = time.perf_counter()
            response = client.get("/dashboard", headers={"accept": "text/html"})
            busy.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
            figures.wait()
    finally:
        engine.dispose()
    busy = busy[1:]
    print(
        "dashboard, last 28 days, an item arriving before every visit: "
        f"median {statistics.median(busy):.0f} ms (runs: {', '.join(f'{t:.0f}' for t in busy)})"
    )
    median, times = measure(client, "/dashboard", runs)
    print(
        "dashboard, last 28 days, nothing written since the figures were computed: "
        f"median {median:.0f} ms (runs: {', '.join(f'{t:.0f}' for t in times)})"
    )


def _now() -> datetime:
    return datetime.now(UTC)


if __name__ == "__main__":
    main()
