"""How long the command line takes to start: `inbox --help` and `inbox pages list`.

Runs each command several times in a fresh process (against a migrated SQLite
database with a few pages) and prints the median and the slowest wall-clock time.
The target is well under half a second for both.

    python bench/cli_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = (["--help"], ["pages", "list"], ["rules", "check"])


def timed(args: list[str], env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "inbox", *args],
        env=env,
        cwd=cwd,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "INBOX_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}"}
        timed(["migrate"], env, tmp)
        for n in range(5):
            args = ["pages", "add", f"page{n}", "--name", f"Sida {n}"]
            subprocess.run([sys.executable, "-m", "inbox", *args], env=env, cwd=tmp, check=True)
        # One warm-up run each: the first start also fills the OS file cache.
        for args in COMMANDS:
            timed(args, env, tmp)
        print(f"{'command':<22} {'median':>8} {'slowest':>8}  ({runs} runs each)")
        for args in COMMANDS:
            times = [timed(args, env, tmp) for _ in range(runs)]
            label = "inbox " + " ".join(args)
            print(f"{label:<22} {statistics.median(times):>7.3f}s {max(times):>7.3f}s")


if __name__ == "__main__":
    main()
