"""What every command shares: the actor name, the usage error and argument types."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from inbox.core.timeutil import parse_instant

CLI_ACTOR = "cli"


# An import this large changes the table enough to refresh the planner's statistics.
BULK_ROWS = 10_000


class CliError(Exception):
    """A usage or input error: printed without a traceback, exit status 2."""


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _instant(value: str) -> Any:
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_hours(value: str) -> float:
    try:
        hours = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 < hours <= 2160:
        raise argparse.ArgumentTypeError("target hours must be > 0 and ≤ 2160")
    return hours
