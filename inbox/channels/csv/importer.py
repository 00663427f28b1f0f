"""Backfill from a CSV export: validate row by row, store the good rows in batches.

Given the rules, every row is tagged and routed while it is prepared (in the
worker processes for a large file), so items are stored already tagged in the
same transaction: there is no second pass over the table.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import multiprocessing
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from inbox.actions import audit, intake
from inbox.actions import pages as pages_actions
from inbox.core.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.core.classify.pipeline import classifier_for
from inbox.core.incoming import NewItem
from inbox.core.kinds import Channel, Kind, Resolution
from inbox.core.rules.tagging import Rules
from inbox.core.timeutil import implausible, parse_instant
from inbox.store.db import bulk_writes, session_scope
from inbox.store.models import Page

REQUIRED = ("page", "external_id", "received_at", "text")
OPTIONAL = (
    "first_response_at",
    "resolution",
    "author",
    "channel",
    "kind",
    "post_id",
    "parent_id",
)
BATCH = 5000
# Rows a transaction on SQLite: the more, the fewer times the index pages an import
# touches all over are written to the log. (PostgreSQL commits every batch: there,
# larger transactions measured slower.)
COMMIT_ROWS = {"sqlite": 50_000}
_RESOLUTIONS = {r.value for r in Resolution}
_CHANNELS = {c.value for c in Channel}
_KINDS = {k.value for k in Kind}
_DEFAULT_KIND = Kind.COMMENT.value  # an enum member's value is a descriptor call a row
# The longest field a row may have (Python's csv default limit). The reader itself
# reads fields up to READER_FIELD_LIMIT, so a longer one is one rejected row and the
# reader stays in step with the file's lines.
MAX_FIELD = 131_072
READER_FIELD_LIMIT = 1 << 24
# Columns stored in a column of limited length, and that length.
MAX_LENGTHS = {"external_id": 255, "author": 255, "post_id": 128, "parent_id": 255}
# Bytes that are not UTF-8 (read as lone surrogates) and NUL, which PostgreSQL
# cannot store in text: such a row is rejected on every database.
_UNSTORABLE = re.compile("[\x00\udc80-\udcff]")


class CsvFormatError(ValueError):
    """The file as a whole cannot be read (no header, missing columns)."""


@dataclass
class ImportSummary:
    rows: int = 0
    inserted: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    created_pages: list[str] = field(default_factory=list)


def _optional(row: dict[str, str | None], name: str) -> str | None:
    value = row.get(name)
    return (value.strip() or None) if value else None


def parse_row(row: dict[str, str | None], now: datetime | None = None) -> NewItem:
    """One CSV row to a ``NewItem``; raises ValueError with the reason.

    Timestamps must be plausible: from 2000 on and, given ``now``, not in the future.
    """
    if None in row:
        raise ValueError("more fields than the header has columns")
    page = (row.get("page") or "").strip()
    external_id = (row.get("external_id") or "").strip()
    if not page:
        raise ValueError("page is empty")
    # Stripped already, so whitespace inside splits it.
    if len(page) > 64 or len(page.split()) > 1:
        raise ValueError(f"invalid page key {page!r}: 1-64 characters, no spaces")
    if not external_id:
        raise ValueError("external_id is empty")
    for name, most in MAX_LENGTHS.items():
        value = row.get(name) or ""
        if len(value) > most and len(value.strip()) > most:
            raise ValueError(f"{name} is {len(value.strip())} characters long: at most {most}")
    try:
        received_at = parse_instant(row.get("received_at") or "")
    except ValueError as exc:
        raise ValueError(f"received_at: {exc}") from None
    why = implausible(received_at, now)
    if why is not None:
        raise ValueError(f"received_at {received_at.isoformat()} {why}")
    first_raw = _optional(row, "first_response_at")
    first = None
    if first_raw is not None:
        try:
            first = parse_instant(first_raw)
        except ValueError as exc:
            raise ValueError(f"first_response_at: {exc}") from None
        if first < received_at:
            raise ValueError("first_response_at is before received_at")
        why = implausible(first, now)
        if why is not None:
            raise ValueError(f"first_response_at {first.isoformat()} {why}")
    resolution = _optional(row, "resolution")
    if resolution is not None and resolution not in _RESOLUTIONS:
        raise ValueError(
            f"resolution {resolution!r} is not one of {', '.join(sorted(_RESOLUTIONS))}"
        )
    channel = _optional(row, "channel")
    if channel is not None and channel not in _CHANNELS:
        raise ValueError(f"channel {channel!r} is not one of {', '.join(sorted(_CHANNELS))}")
    kind = _optional(row, "kind") or _DEFAULT_KIND
    if kind not in _KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(sorted(_KINDS))}")
    text = row.get("text") or ""
    return NewItem(
        page=page,
        external_id=external_id,
        received_at=received_at,
        text=text,
        channel=channel,
        kind=kind,
        author=(row.get("author") or "").strip(),
        post_id=_optional(row, "post_id"),
        parent_id=_optional(row, "parent_id"),
        first_response_at=first,
        resolution=resolution,
    )


# A CSV row as the reader gives it, with the line it starts on.
RawRow = tuple[int, list[str]]
# What preparing rows needs of a page: id (None for a key not stored yet),
# channel, SLA calendar and target hours.
PageFacts = tuple[int | None, str, str, float]

# Files this large are parsed in a second process while this one writes: parsing
# and preparing rows is Python work that one process cannot overlap with writing.
PROCESS_MIN_BYTES = 2_000_000
WORKERS = 2
_DEFAULTS = (
    pages_actions.DEFAULT_CHANNEL,
    pages_actions.DEFAULT_CALENDAR_KIND,
    pages_actions.DEFAULT_TARGET_HOURS,
)


def _raw_batches(
    handle: TextIO, summary: ImportSummary
) -> Iterator[tuple[list[str], list[RawRow]]]:
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CsvFormatError(f"line 1: {exc}") from None
    if not header:
        raise CsvFormatError("the file is empty: expected a header row")
    bad = _unstorable(header, header)
    if bad is not None:
        raise CsvFormatError(f"line 1: {bad}")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise CsvFormatError(f"missing required column(s): {', '.join(missing)}")
    batch: list[RawRow] = []
    line = reader.line_num
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a field beyond even the reader's limit
            summary.rows += 1
            summary.errors.append((line + 1, f"cannot be read: {exc}"))
            line = reader.line_num
            continue
        start_line, line = line + 1, reader.line_num
        if not values:  # a blank line
            continue
        summary.rows += 1
        bad = _unstorable(header, values)
        if bad is not None:
            summary.errors.append((start_line, bad))
            continue
        batch.append((start_line, values))
        if len(batch) >= BATCH:
            yield header, batch
            batch = []
    if batch:
        yield header, batch


def _unstorable(header: list[str], values: list[str]) -> str | None:
    """Why a row cannot even be looked at (bytes not UTF-8, NUL, an overlong field)."""
    joined = "".join(values)
    try:
        # Bytes not UTF-8 are lone surrogates, which do not encode: encoding is a
        # much faster scan than the pattern's.
        joined.encode()
    except UnicodeEncodeError:
        pass
    else:
        # No field is longer than all of them together.
        if "\x00" not in joined and (
            len(joined) <= MAX_FIELD or max(map(len, values)) <= MAX_FIELD
        ):
            return None
    for at, value in enumerate(values):
        column = header[at] if at < len(header) else f"field {at + 1}"
        found = _UNSTORABLE.search(value)
        if found is not None and found.group() == "\x00":
            return f"{column} contains a NUL character"
        if found is not None:
            byte = ord(found.group()) - 0xDC00
            return f"{column} is not UTF-8 (byte 0x{byte:02X}): save the file as UTF-8"
        if len(value) > MAX_FIELD:
            return f"{column} is {len(value)} characters long: at most {MAX_FIELD:,}"
    return None


def _as_dict(header: list[str], values: list[str]) -> dict[str | None, Any]:
    """As ``csv.DictReader`` makes it: extra fields under ``None``, missing ones ``None``."""
    row: dict[str | None, Any] = dict(zip(header, values, strict=False))
    if len(values) > len(header):
        row[None] = values[len(header) :]
    return row


@dataclass
class Prepared:
    keys: list[tuple[str, str]]
    rows: list[list[Any]]
    errors: list[tuple[int, str]]


def prepare(
    header: list[str],
    raw: list[RawRow],
    pages: dict[str, PageFacts],
    now: datetime,
    calendar: OfficeCalendar,
    dialect: str,
    rules: Rules | None = None,
) -> Prepared:
    """Validate a batch of rows and compute their database rows (due times, SLA state,
    and with ``rules`` the tags and the route), encoded for the driver of ``dialect``.

    Pure, so it can run in another process; pages not yet stored get their default
    settings and no id (the caller fills it in once it has created them).
    """
    items: list[NewItem] = []
    errors: list[tuple[int, str]] = []
    for line, values in raw:
        try:
            items.append(parse_row(_as_dict(header, values), now))  # type: ignore[arg-type]
        except ValueError as exc:
            errors.append((line, str(exc)))
    stand_ins = {
        key: Page(
            id=pid,
            key=key,
            name=key,
            channel=channel,
            calendar=cal,
            target_hours=hours,
            created_at=now,
        )
        for key, (pid, channel, cal, hours) in pages.items()
    }
    rows = intake.item_rows(items, pages=stand_ins, now=now, calendar=calendar, rules=rules)
    return Prepared(
        [(item.page, item.external_id) for item in items],
        intake.bulk_item_rows(dialect, rows),
        errors,
    )


def _facts(page: Page) -> PageFacts:
    return (page.id, page.channel, page.calendar, page.target_hours)


def _page_keys(header: list[str], raw: list[RawRow]) -> set[str]:
    at = header.index("page")
    return {values[at].strip() for _, values in raw if len(values) > at} - {""}


def import_csv(
    engine: Engine,
    path: Path,
    *,
    actor: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    progress: Callable[[int], None] | None = None,
    processes: bool | None = None,
    rules: Rules | None = None,
) -> ImportSummary:
    """Import a CSV file in batches of ``BATCH`` rows, in file order, committed every
    ``COMMIT_ROWS`` rows (each transaction a whole number of batches).

    With ``rules`` every item is stored tagged and routed; without, untagged (for
    ``tag_untagged`` to do later). Rows are parsed (and tagged) in worker processes
    when the file is large (or ``processes`` says so), overlapping with the writes
    here.
    """
    summary = ImportSummary()
    seen: set[tuple[str, str]] = set()
    stored_pages: dict[str, Page] = {}
    dialect = engine.dialect.name

    def facts_for(keys: set[str]) -> dict[str, PageFacts]:
        unknown = keys - set(stored_pages)
        if unknown:
            with Session(engine) as session:
                for page in session.exec(select(Page).where(col(Page.key).in_(unknown))):
                    stored_pages[page.key] = page
        return {
            key: _facts(stored_pages[key]) if key in stored_pages else (None, *_DEFAULTS)
            for key in keys
        }

    open_session: Session | None = None
    uncommitted = 0

    def commit() -> None:
        nonlocal open_session, uncommitted
        if open_session is not None:
            open_session.commit()
            open_session.close()
            open_session = None
        uncommitted = 0

    def store(header: list[str], raw: list[RawRow], done: Prepared) -> None:
        nonlocal open_session, uncommitted
        if open_session is None:
            open_session = Session(engine, expire_on_commit=False)
        session = open_session
        new_keys = {page for page, _ in done.keys} - set(stored_pages)
        if new_keys:
            pages, created = pages_actions.ensure_pages(session, new_keys, actor=actor, now=now)
            summary.created_pages.extend(created)
            stored_pages.update(pages)
            if any(_facts(pages[key])[1:] != _DEFAULTS for key in new_keys):
                # Created meanwhile, with other settings: prepare the batch again.
                done = prepared(header, raw)
        summary.errors.extend(done.errors)
        rows = []
        for key, row in zip(done.keys, done.rows, strict=True):
            if key in seen:
                summary.skipped += 1
                continue
            seen.add(key)
            if row[0] is None:  # a page created since the batch was prepared
                row[0] = stored_pages[key[0]].id
            rows.append(row)
        inserted = intake.store_new_item_rows(session, rows)
        summary.inserted += inserted
        summary.skipped += len(rows) - inserted
        uncommitted += len(rows)
        if uncommitted >= COMMIT_ROWS.get(dialect, BATCH):
            commit()
        if progress is not None:
            progress(len(raw))

    def prepared(header: list[str], raw: list[RawRow]) -> Prepared:
        return prepare(
            header, raw, facts_for(_page_keys(header, raw)), now, calendar, dialect, rules
        )

    if processes is None:
        processes = path.stat().st_size >= PROCESS_MIN_BYTES
    with (
        bulk_writes(engine),
        _seldom_collected(),
        _reader_field_limit(READER_FIELD_LIMIT),
        # BOM from spreadsheets; bytes that are not UTF-8 are kept (as surrogates)
        # so the rows holding them are rejected by line and the others imported.
        path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle,
    ):
        batches = _raw_batches(handle, summary)
        try:
            if not processes:
                for header, raw in batches:
                    store(header, raw, prepared(header, raw))
            else:
                _in_workers(
                    batches,
                    facts_for,
                    store,
                    now=now,
                    calendar=calendar,
                    dialect=dialect,
                    rules=rules,
                )
            commit()
        finally:
            if open_session is not None:  # an error: what is not committed is not imported
                open_session.rollback()
                open_session.close()
    with session_scope(engine) as session:
        audit.record_event(
            session,
            actor=actor,
            kind="csv_import",
            now=now,
            file=path.name,
            rows=summary.rows,
            inserted=summary.inserted,
            skipped=summary.skipped,
            errors=len(summary.errors),
        )
    summary.errors.sort(key=lambda error: error[0])
    return summary


@dataclass
class _Collection:
    """The process's garbage-collector settings while imports run (the first to start
    changes them, the last to end restores them)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    running: int = 0
    threshold: tuple[int, ...] = ()
    frozen: bool = False


_collection = _Collection()


@contextlib.contextmanager
def _seldom_collected() -> Iterator[None]:
    """Garbage collected seldom while a file is read and stored, and the objects that
    were there before not scanned at all: a sixth of the storing process's time
    went to collections otherwise. Restored afterwards (settings are per process)."""
    state = _collection
    with state.lock:
        if state.running == 0:
            state.threshold = gc.get_threshold()
            # Objects someone else froze stay frozen: only a freeze of ours is undone.
            state.frozen = gc.get_freeze_count() == 0
            if state.frozen:
                gc.freeze()
            gc.set_threshold(GC_THRESHOLD, *state.threshold[1:])
        state.running += 1
    try:
        yield
    finally:
        with state.lock:
            state.running -= 1
            if state.running == 0:
                gc.set_threshold(*state.threshold)
                if state.frozen:
                    gc.unfreeze()


@contextlib.contextmanager
def _reader_field_limit(limit: int) -> Iterator[None]:
    before = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _in_workers(
    batches: Iterator[tuple[list[str], list[RawRow]]],
    facts_for: Callable[[set[str]], dict[str, PageFacts]],
    store: Callable[[list[str], list[RawRow], Prepared], None],
    *,
    now: datetime,
    calendar: OfficeCalendar,
    dialect: str,
    rules: Rules | None,
) -> None:
    """Batches prepared by worker processes, stored here in file order."""
    # A forked worker starts at once (a spawned one first imports the package, for
    # over a second); it only parses and computes, and never touches the parent's
    # database connections. The rules go to each worker once, at its start, not
    # with every batch; compiled here first, a forked worker inherits the compiled
    # topic index too.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if rules is not None:
        classifier_for(rules)
    with ProcessPoolExecutor(
        max_workers=WORKERS, mp_context=context, initializer=_worker_rules, initargs=(rules,)
    ) as pool:
        pending: deque[tuple[list[str], list[RawRow], Future[Prepared]]] = deque()
        for header, raw in batches:
            facts = facts_for(_page_keys(header, raw))
            work = pool.submit(_prepare_in_worker, header, raw, facts, now, calendar, dialect)
            pending.append((header, raw, work))
            if len(pending) > WORKERS + 1:
                h, r, future = pending.popleft()
                store(h, r, future.result())
        while pending:
            h, r, future = pending.popleft()
            store(h, r, future.result())


# The rules in a worker process, set once by the pool's initializer.
_rules_here: list[Rules | None] = [None]


# While importing, the garbage collector runs only after this many more new
# objects than freed ones (Python's default is 700): each row makes and frees
# thousands, and a collection every few rows costs a tenth of a worker's time.
GC_THRESHOLD = 20_000


def _worker_rules(rules: Rules | None) -> None:
    _rules_here[0] = rules
    # What the worker inherited from the importing process stays for its whole
    # life: moved out of the collector's sight, it is never scanned again.
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


def _prepare_in_worker(
    header: list[str],
    raw: list[RawRow],
    pages: dict[str, PageFacts],
    now: datetime,
    calendar: OfficeCalendar,
    dialect: str,
) -> Prepared:
    return prepare(header, raw, pages, now, calendar, dialect, _rules_here[0])
