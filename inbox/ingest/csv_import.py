"""Backfill from a CSV export: validate row by row, store the good rows in batches."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.engine import Engine

from inbox import actions
from inbox.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.db import session_scope
from inbox.ingest.shape import NewItem
from inbox.models import Channel, Kind, Resolution
from inbox.timeutil import parse_instant

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
_RESOLUTIONS = {r.value for r in Resolution}
_CHANNELS = {c.value for c in Channel}
_KINDS = {k.value for k in Kind}


class CsvFormatError(ValueError):
    """The file as a whole cannot be read (no header, missing columns)."""


@dataclass
class ImportSummary:
    rows: int = 0
    inserted: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    created_pages: list[str] = field(default_factory=list)
    inserted_ids: list[int] = field(default_factory=list)


def _optional(row: dict[str, str | None], name: str) -> str | None:
    value = (row.get(name) or "").strip()
    return value or None


def parse_row(row: dict[str, str | None]) -> NewItem:
    """One CSV row to a ``NewItem``; raises ValueError with the reason."""
    if None in row:
        raise ValueError("more fields than the header has columns")
    page = (row.get("page") or "").strip()
    external_id = (row.get("external_id") or "").strip()
    if not page:
        raise ValueError("page is empty")
    if not external_id:
        raise ValueError("external_id is empty")
    try:
        received_at = parse_instant(row.get("received_at") or "")
    except ValueError as exc:
        raise ValueError(f"received_at: {exc}") from None
    first_raw = _optional(row, "first_response_at")
    first = None
    if first_raw is not None:
        try:
            first = parse_instant(first_raw)
        except ValueError as exc:
            raise ValueError(f"first_response_at: {exc}") from None
        if first < received_at:
            raise ValueError("first_response_at is before received_at")
    resolution = _optional(row, "resolution")
    if resolution is not None and resolution not in _RESOLUTIONS:
        raise ValueError(
            f"resolution {resolution!r} is not one of {', '.join(sorted(_RESOLUTIONS))}"
        )
    channel = _optional(row, "channel")
    if channel is not None and channel not in _CHANNELS:
        raise ValueError(f"channel {channel!r} is not one of {', '.join(sorted(_CHANNELS))}")
    kind = _optional(row, "kind") or Kind.COMMENT.value
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


def _records(handle: TextIO, summary: ImportSummary) -> Iterator[NewItem]:
    reader = csv.DictReader(handle)
    header = reader.fieldnames
    if not header:
        raise CsvFormatError("the file is empty: expected a header row")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise CsvFormatError(f"missing required column(s): {', '.join(missing)}")
    seen: set[tuple[str, str]] = set()
    line = reader.line_num
    for row in reader:
        summary.rows += 1
        start_line, line = line + 1, reader.line_num
        try:
            item = parse_row(row)
        except ValueError as exc:
            summary.errors.append((start_line, str(exc)))
            continue
        key = (item.page, item.external_id)
        if key in seen:
            summary.skipped += 1
            continue
        seen.add(key)
        yield item


def _batches(records: Iterable[NewItem], size: int) -> Iterator[list[NewItem]]:
    batch: list[NewItem] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_csv(
    engine: Engine,
    path: Path,
    *,
    actor: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    summary = ImportSummary()

    def store(rows: list[tuple[Any, ...]]) -> actions.IngestResult:
        with session_scope(engine) as session:
            return actions.store_item_rows(session, rows)

    def collect(result: actions.IngestResult, count: int) -> None:
        summary.inserted += result.inserted
        summary.skipped += result.skipped
        summary.inserted_ids.extend(result.inserted_ids)
        if progress is not None:
            progress(count)

    # The database writes a batch (releasing the GIL) while this thread parses and
    # prepares the next one; each batch is still its own transaction, in order.
    pending: tuple[Future[actions.IngestResult], int] | None = None
    with (
        ThreadPoolExecutor(max_workers=1) as writer,
        path.open(encoding="utf-8-sig", newline="") as handle,  # BOM from spreadsheets
    ):
        for batch in _batches(_records(handle, summary), BATCH):
            with session_scope(engine) as session:
                pages, created = actions.ensure_pages(
                    session, {item.page for item in batch}, actor=actor, now=now
                )
            summary.created_pages.extend(created)
            rows = actions.item_rows(batch, pages=pages, now=now, calendar=calendar)
            if pending is not None:
                collect(pending[0].result(), pending[1])
            pending = (writer.submit(store, rows), len(batch))
        if pending is not None:
            collect(pending[0].result(), pending[1])
    with session_scope(engine) as session:
        actions.record_event(
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
    return summary
