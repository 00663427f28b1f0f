"""Benchmark: bulk CSV import, storage alone and tagged and routed, end to end.

Generates a CSV of varied comments (sentences of the demo texts recombined, with
names, places, numbers and the odd typo, about 300 characters on average, nearly
every text distinct: one repeated text would measure a cache, not tagging), then
imports it into a fresh database twice: without rules (storage alone) and with
the example organisation's rules (every item stored tagged and routed, in the
same transaction). Prints items/s for both, on SQLite and (when reachable)
PostgreSQL.

On a machine shared with other work the clock says less than the work costs,
so each line also gives the CPU time the import took: this process, its worker
processes and (on PostgreSQL) the database's server processes for the bench
database, and the rate that CPU time allows on two cores of its own
(items / max(CPU / 2, the busiest process's CPU)).

    python bench/import.py [--items 100000] [--only sqlite|postgresql]
                           [--what both|storage|tagged]
                           [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from metrics import fresh_engine  # noqa: E402

from inbox.channels.csv.importer import import_csv  # noqa: E402
from inbox.core.rules.tagging import Rules, load_rules  # noqa: E402

AS_OF = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RULES_DIR = ROOT / "inbox" / "default_rules"
TEXTS = ROOT / "inbox" / "demo_data" / "texts.toml"
PLACES = ["Norrby", "Söderhamn", "Västervik", "Kungsbacka", "Ljusdal", "Gamla stan", "Bergsjön"]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _sentences() -> tuple[dict[str, list[str]], list[str]]:
    """The demo texts' sentences by page, and the names people sign with."""
    data = tomllib.loads(TEXTS.read_text(encoding="utf-8"))
    by_page: dict[str, list[str]] = {}
    common: list[str] = []
    for group in data["any"].values():
        for text in group:
            common.extend(_SENTENCE.split(text))
    for page, groups in data["pages"].items():
        found: list[str] = []
        for name, texts in groups.items():
            if name != "posts":
                for text in texts:
                    found.extend(_SENTENCE.split(text))
        by_page[page] = found
    for thread in data["threads"]:
        by_page.setdefault(thread["page"], []).extend(thread.get("messages", []))
    for page in by_page:
        by_page[page] = [s for s in by_page[page] + common if s.strip()]
    names = [f"{a} {b}" for a in data["names"]["first"] for b in data["names"]["last"]]
    return by_page, names


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 8:
        return text
    at = rng.randrange(1, len(text) - 1)
    return text[:at] + text[at + 1] + text[at] + text[at + 2 :]


def comment(rng: random.Random, sentences: list[str], names: list[str]) -> str:
    """One comment of about 300 characters, rarely twice the same."""
    target = min(int(rng.lognormvariate(5.6, 0.5)), 1500)
    parts: list[str] = []
    while sum(map(len, parts)) < target:
        sentence = rng.choice(sentences)
        roll = rng.random()
        if roll < 0.15:
            sentence = _typo(rng, sentence)
        elif roll < 0.25:
            sentence = sentence.lower()
        parts.append(sentence)
        if len(parts) > 12:
            break
    extra = rng.random()
    if extra < 0.3:
        month = rng.choice(["maj", "okt", "nov"])
        parts.append(f"Gäller {rng.choice(PLACES)}, {rng.randrange(1, 29)} {month}.")
    elif extra < 0.5:
        parts.append(f"/{rng.choice(names).split()[0]}")
    elif extra < 0.6:
        parts.append(f"Ärendenummer {rng.randrange(10_000, 99_999)}")
    return " ".join(parts)


def write_csv(path: Path, count: int, seed: int = 1) -> tuple[int, float]:
    """The CSV of ``count`` rows; returns (distinct texts, mean length)."""
    rng = random.Random(seed)
    by_page, names = _sentences()
    pages = sorted(by_page)
    start = AS_OF - timedelta(days=365)
    span = 365 * 24 * 3600
    distinct: set[int] = set()
    total = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(
            [
                "page",
                "external_id",
                "received_at",
                "text",
                "author",
                "first_response_at",
                "resolution",
            ]
        )
        for n in range(count):
            page = pages[n % len(pages)]
            received = start + timedelta(seconds=rng.randrange(span))
            roll = rng.random()
            first = resolution = ""
            if roll < 0.80:
                delay = timedelta(minutes=min(rng.lognormvariate(5, 1.3), 60 * 24 * 7))
                if received + delay < AS_OF:
                    first = (received + delay).isoformat()
            elif roll < 0.90:
                resolution = rng.choice(["no_reply_needed", "spam", "removed"])
            text = comment(rng, by_page[page], names)
            distinct.add(hash(text))
            total += len(text)
            w.writerow(
                [page, str(n), received.isoformat(), text, rng.choice(names), first, resolution]
            )
    return len(distinct), total / max(count, 1)


_TICK = os.sysconf("SC_CLK_TCK")


def _server_cpu(database: str) -> float:
    """CPU seconds used so far by the PostgreSQL server processes serving ``database``."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not title.startswith("postgres: ") or f" {database} " not in title:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
    return total


def _own_cpu() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def one_import(
    kind: str, pg_url: str | None, path: Path, workdir: Path, rules: Rules | None
) -> tuple[int, float, int, dict[str, float]]:
    """(items inserted, seconds, items stored untagged, CPU seconds by whom) of one
    import into a fresh database."""
    engine, cleanup = fresh_engine(kind, pg_url, workdir)
    try:
        database = engine.url.database or ""
        main0, workers0 = _own_cpu()
        server0 = _server_cpu(database) if kind == "postgresql" else 0.0
        t0 = time.perf_counter()
        summary = import_csv(engine, path, actor="bench", now=AS_OF, rules=rules)
        elapsed = time.perf_counter() - t0
        main1, workers1 = _own_cpu()
        server1 = _server_cpu(database) if kind == "postgresql" else 0.0
        with engine.connect() as conn:
            untagged = conn.execute(
                sa.text("SELECT count(*) FROM item WHERE classification IS NULL")
            ).scalar_one()
        cpu = {"main": main1 - main0, "workers": workers1 - workers0, "server": server1 - server0}
        return summary.inserted, elapsed, int(untagged), cpu
    finally:
        cleanup()


def bench(
    kind: str, pg_url: str | None, path: Path, workdir: Path, rules: Rules, what: str
) -> None:
    print(f"\n== {kind} ==", flush=True)
    runs: list[tuple[str, Rules | None]] = []
    if what in ("both", "storage"):
        runs.append(("storage alone", None))
    if what in ("both", "tagged"):
        runs.append(("tagged and routed", rules))
    for label, with_rules in runs:
        inserted, elapsed, untagged, cpu = one_import(kind, pg_url, path, workdir, with_rules)
        total = sum(cpu.values())
        # Two workers share the workers' CPU time; the main process and the server
        # each run on one core at a time.
        busiest = max(cpu["main"], cpu["workers"] / 2, cpu["server"])
        own_cores = inserted / max(total / 2, busiest, 1e-9)
        print(
            f"{label}: {inserted:,} items in {elapsed:.1f} s = {inserted / elapsed:,.0f} items/s "
            f"({untagged:,} stored untagged; load average {os.getloadavg()[0]:.1f})\n"
            f"  CPU {total:.1f} s (main {cpu['main']:.1f}, workers {cpu['workers']:.1f}, "
            f"server {cpu['server']:.1f}): {own_cores:,.0f} items/s on two cores of its own",
            flush=True,
        )


def _reachable(pg_url: str) -> str | None:
    try:
        import psycopg

        psycopg.connect(pg_url, connect_timeout=3).close()
    except Exception as exc:
        return str(exc)
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--what", choices=["both", "storage", "tagged"], default="both")
    args = parser.parse_args()
    rules = load_rules(RULES_DIR)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        path = workdir / "items.csv"
        t0 = time.perf_counter()
        distinct, mean = write_csv(path, args.items)
        print(
            f"generated {args.items:,} CSV rows in {time.perf_counter() - t0:.1f} s: "
            f"{distinct:,} distinct texts, {mean:.0f} characters on average",
            flush=True,
        )
        todo: list[tuple[str, str | None]] = []
        if args.only in (None, "sqlite"):
            todo.append(("sqlite", None))
        if args.only in (None, "postgresql"):
            why = _reachable(args.pg)
            if why is None:
                todo.append(("postgresql", args.pg))
            else:
                print(f"\nPostgreSQL not reachable ({why}); skipped")
        for kind, url in todo:
            bench(kind, url, path, workdir, rules, args.what)


if __name__ == "__main__":
    main()
