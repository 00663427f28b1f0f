"""What a running process holds: settings, a migrated engine, the rules and the calendar."""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from inbox.core.calendar import OfficeCalendar
from inbox.core.classify.pii import mask
from inbox.core.rules.files import RulesError
from inbox.core.rules.tagging import Rules, load_rules
from inbox.settings import Settings
from inbox.store.db import make_engine, migrate

log = logging.getLogger(__name__)


def _stamp(directory: Path) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((p.name, p.stat().st_mtime) for p in directory.glob("*.toml")))


class RulesStore:
    """The rules in force. Reloaded when the files change; a set that fails to load
    is reported and the last valid one stays in force."""

    CHECK_SECONDS = 5.0

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._rules = load_rules(directory)  # invalid rules: refuse to start
        self._stamp = _stamp(directory)
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self.last_error: str | None = None

    def current(self) -> Rules:
        if time.monotonic() - self._checked >= self.CHECK_SECONDS:
            self.reload()
        return self._rules

    def reload(self) -> str | None:
        """Load the files again if they changed; returns the error, if any."""
        with self._lock:
            self._checked = time.monotonic()
            stamp = _stamp(self.directory)
            if stamp == self._stamp:
                return self.last_error
            self._stamp = stamp
            try:
                self._rules = load_rules(self.directory)
                self.last_error = None
                log.info("rules reloaded from %s", self.directory)
            except RulesError as exc:
                self.last_error = str(exc)
                log.error("rules not reloaded, keeping the previous set: %s", exc)
            return self.last_error


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    store: RulesStore | None = field(default=None, compare=False)

    @property
    def rules(self) -> Rules:
        if self.store is None:
            raise RuntimeError("this runtime was started without rules")
        return self.store.current()

    @property
    def calendar(self) -> OfficeCalendar:
        if self.store is None:
            return OfficeCalendar()
        return _calendar(self.rules)


_calendars: dict[int, tuple[Rules, OfficeCalendar]] = {}


def _calendar(rules: Rules) -> OfficeCalendar:
    # One calendar per rules object, so its working-day caches are reused.
    cached = _calendars.get(id(rules))
    if cached is None or cached[0] is not rules:
        cached = (rules, OfficeCalendar(closing_days=frozenset(rules.closing_days)))
        _calendars.clear()
        _calendars[id(rules)] = cached
    return cached[1]


def mask_personal_data_in_logs() -> None:
    """Every log record of the process, its traceback included, with personal data masked.

    A record factory rather than a handler's filter, so it holds for every handler
    (a file, the journal, a test's capture) and for libraries' records too: an
    error from the database driver quotes the row it failed on.
    """
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(previous, "masks_personal_data", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is left alone
            return record
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = mask(text)
        return record

    factory.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def start(settings: Settings | None = None, *, run_migrations: bool = True) -> Runtime:
    """Open the database (migrated) and load the rules; raises RulesError on invalid rules."""
    mask_personal_data_in_logs()
    settings = settings or Settings()
    store = RulesStore(settings.rules_dir)
    engine = make_engine(settings.database_url)
    if run_migrations:
        migrate(engine)
    return Runtime(settings=settings, engine=engine, store=store)
