"""Finding a lost send among what the platform shows (inbox.core.lookup)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.lookup import SCHEDULE, Seen, find_sent, graph_time, next_lookup, seen

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PAGE = "108300000000001"


def post(
    id_: str, text: str = "Hej! Vi öppnar 8.", *, by: str = PAGE, at: datetime | None = T0
) -> Seen:
    return Seen(id=id_, text=text, author_id=by, author_name="", created_at=at)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-23T12:00:05+0000", T0 + timedelta(seconds=5)),
        ("2026-11-23T13:00:05+0100", T0 + timedelta(seconds=5)),
        ("2026-11-23T12:00:05.250+0000", T0 + timedelta(seconds=5, milliseconds=250)),
        ("23 nov 2026", None),
        (1764000000, None),
        (None, None),
    ],
)
def test_graph_time(value: object, expected: datetime | None) -> None:
    assert graph_time(value) == expected


def test_seen_reads_facebook_instagram_and_messenger_shapes() -> None:
    fb = seen(
        {
            "id": "1_2",
            "message": "Tack!",
            "from": {"id": PAGE, "name": "Region"},
            "created_time": "2026-11-23T12:00:00+0000",
        }
    )
    assert fb == Seen("1_2", "Tack!", PAGE, "Region", T0)
    ig = seen(
        {
            "id": "178",
            "text": "Tack!",
            "username": "regionen",
            "timestamp": "2026-11-23T12:00:00+0000",
        }
    )
    assert ig == Seen("178", "Tack!", "", "regionen", T0)
    assert seen({"message": "no id"}) is None
    assert seen({"id": "", "message": "empty id"}) is None


def test_find_sent_takes_the_pages_own_post_with_the_same_words() -> None:
    found = find_sent(
        [
            post("a", by="615001"),  # a citizen quoting us
            post("b", "Hej! Vi öppnar 9."),  # other words
            post("c", "Hej!  Vi öppnar\n8."),  # the same words, other spacing
            post("d", at=T0 + timedelta(minutes=5)),  # a later one with the same words
        ],
        text="Hej! Vi öppnar 8.",
        owners={PAGE},
        since=T0 - timedelta(seconds=30),
        taken=set(),
    )
    assert found is not None
    assert found.id == "c"


def test_find_sent_skips_what_is_older_than_the_send_or_already_someone_elses() -> None:
    older = post("old", at=T0 - timedelta(hours=1))
    taken = post("taken")
    assert (
        find_sent([older, taken], text=taken.text, owners={PAGE}, since=T0, taken={"taken"}) is None
    )
    # Within a minute of slack for the platform's clock.
    slightly = post("slightly", at=T0 - timedelta(seconds=50))
    assert find_sent([slightly], text=taken.text, owners={PAGE}, since=T0, taken=set()) == slightly


def test_an_instagram_reply_is_known_by_the_accounts_name() -> None:
    reply = Seen("178", "Tack!", "", "regionen", T0)
    assert find_sent([reply], text="Tack!", owners={"regionen"}, since=T0, taken=set()) == reply
    assert find_sent([reply], text="Tack!", owners={PAGE}, since=T0, taken=set()) is None


def test_the_schedule_ends() -> None:
    at = T0
    times = []
    for done in range(len(SCHEDULE)):
        upcoming = next_lookup(done, at)
        assert upcoming is not None
        times.append(upcoming - at)
        at = upcoming
    assert times == list(SCHEDULE)
    assert next_lookup(len(SCHEDULE), at) is None
