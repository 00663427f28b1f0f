"""Hostile input for the parsers: whatever arrives, a parser answers with a value or
its own clean error, never another exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from inbox.channels.csv.importer import OPTIONAL, REQUIRED, parse_row
from inbox.channels.meta.parse import parse_delivery
from inbox.core.incoming import MetaEvent, MetaFormatError, NewItem
from inbox.core.queue_filters import FilterError, QueueFilters, parse_filters

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
# Keys the Meta parser looks for, so generated payloads get past the first checks.
META_KEYS = st.sampled_from(
    [
        "object", "entry", "id", "time", "changes", "messaging", "standby", "field",
        "value", "item", "verb", "comment_id", "post_id", "parent_id", "from", "name",
        "message", "created_time", "sender", "recipient", "timestamp", "mid", "text",
        "attachments", "is_echo", "type", "media", "reaction_type", "edited_time",
    ]
)  # fmt: skip
meta_values = st.recursive(
    scalars
    | st.sampled_from(["page", "instagram", "feed", "comments", "mentions", "add", "comment"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(META_KEYS, inner, max_size=6),
    max_leaves=30,
)
meta_payloads = st.fixed_dictionaries(
    {
        "object": st.sampled_from(["page", "instagram"]),
        "entry": st.lists(
            st.fixed_dictionaries(
                {"id": st.text(max_size=5) | st.integers(), "time": scalars},
                optional={
                    "changes": st.lists(meta_values, max_size=3),
                    "messaging": st.lists(meta_values, max_size=3),
                    "standby": st.lists(meta_values, max_size=3),
                },
            ),
            max_size=3,
        ),
    }
)


def _clean_meta(body: bytes) -> None:
    try:
        events = parse_delivery(body, now=NOW)
    except MetaFormatError:
        return
    assert all(isinstance(e, MetaEvent) for e in events)


@SETTINGS
@given(json_values)
def test_meta_arbitrary_json_is_events_or_a_format_error(doc: Any) -> None:
    _clean_meta(json.dumps(doc).encode())


@SETTINGS
@given(meta_payloads)
def test_meta_payloads_near_the_real_shape_are_events_or_a_format_error(doc: Any) -> None:
    _clean_meta(json.dumps(doc).encode())


@SETTINGS
@given(st.binary(max_size=200))
def test_meta_arbitrary_bytes_are_a_format_error(body: bytes) -> None:
    _clean_meta(body)


timestamps = (
    st.text(max_size=30)
    | st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
    | st.datetimes().map(lambda d: d.isoformat())
)
csv_rows = st.fixed_dictionaries(
    {
        "page": st.text(max_size=70),
        "external_id": st.text(max_size=10),
        "received_at": timestamps,
        "text": st.text(),
    },
    optional={
        "first_response_at": timestamps,
        "resolution": st.text(max_size=10) | st.sampled_from(["answered", "spam"]),
        "author": st.text(max_size=300),
        "channel": st.text(max_size=10) | st.sampled_from(["facebook", "instagram"]),
        "kind": st.text(max_size=10) | st.sampled_from(["comment", "message"]),
        "post_id": st.text(max_size=130),
        "parent_id": st.text(max_size=10),
        None: st.lists(st.text(max_size=5), max_size=2),
    },
)


@SETTINGS
@given(csv_rows)
def test_a_csv_row_is_an_item_or_a_value_error(row: dict[Any, Any]) -> None:
    assert set(row) - {None} <= {*REQUIRED, *OPTIONAL}
    try:
        item = parse_row(row, NOW)
    except ValueError as exc:
        reason = str(exc)
        assert reason
        return
    assert isinstance(item, NewItem)
    assert item.page
    assert not any(ch.isspace() for ch in item.page)
    assert datetime(2000, 1, 1, tzinfo=UTC) <= item.received_at <= NOW.replace(minute=5)


FILTER_KEYS = ["page", "department", "topic", "sentiment", "sla", "status", "mine", "q", "offset"]


@SETTINGS
@given(st.dictionaries(st.sampled_from(FILTER_KEYS), st.text(max_size=80)))
@example({"offset": "²"})  # a digit to str.isdigit, not to int()
@example({"offset": "9" * 5000})  # beyond int()'s digit limit
def test_queue_filters_are_a_value_or_a_filter_error(params: dict[str, str]) -> None:
    try:
        filters = parse_filters(params)
    except FilterError as exc:
        message = str(exc)
        assert message
        return
    assert isinstance(filters, QueueFilters)
    assert 0 <= filters.offset <= 1_000_000
