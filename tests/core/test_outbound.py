"""The platforms' rules: what may be sent for an item, and until when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.kinds import OutboundKind
from inbox.core.outbound import Target, messaging_window_closes, options

T0 = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


def _target(**kw: object) -> Target:
    base: dict[str, object] = {
        "channel": "facebook",
        "kind": "comment",
        "parent_id": None,
        "received_at": T0,
        "last_inbound_at": None,
        "connected": True,
    }
    base.update(kw)
    return Target(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("target", "now", "kind", "allowed"),
    [
        (_target(), T0, OutboundKind.REPLY, True),
        (_target(), T0, OutboundKind.HIDE, True),
        (_target(), T0 + timedelta(days=6), OutboundKind.PRIVATE_REPLY, True),
        (_target(), T0 + timedelta(days=8), OutboundKind.PRIVATE_REPLY, False),
        (_target(private_reply_used=True), T0, OutboundKind.PRIVATE_REPLY, False),
        (_target(channel="instagram"), T0, OutboundKind.REPLY, True),
        (_target(channel="instagram", kind="reply", parent_id="c1"), T0, OutboundKind.REPLY, False),
        (_target(connected=False), T0, OutboundKind.REPLY, False),
        (
            _target(channel="messenger", kind="private_message"),
            T0 + timedelta(hours=23),
            OutboundKind.MESSAGE,
            True,
        ),
        (
            _target(channel="messenger", kind="private_message"),
            T0 + timedelta(hours=25),
            OutboundKind.MESSAGE,
            False,
        ),
        (
            _target(channel="messenger", kind="private_message", human_agent=True),
            T0 + timedelta(days=6),
            OutboundKind.MESSAGE,
            True,
        ),
        (_target(channel="email", kind="email"), T0 + timedelta(days=30), OutboundKind.REPLY, True),
    ],
)
def test_what_may_be_sent(target: Target, now: datetime, kind: OutboundKind, allowed: bool) -> None:
    option = options(target, now)[kind]
    assert option.allowed is allowed
    if not allowed:
        assert option.why_not is not None  # always says why, in Swedish


def test_a_message_after_24_hours_carries_the_human_agent_tag() -> None:
    target = _target(channel="messenger", kind="private_message", human_agent=True)
    late = options(target, T0 + timedelta(hours=30))[OutboundKind.MESSAGE]
    early = options(target, T0 + timedelta(hours=2))[OutboundKind.MESSAGE]
    assert (late.tag, early.tag) == ("HUMAN_AGENT", None)


@pytest.mark.parametrize(
    ("channel", "kind", "human_agent", "closes"),
    [
        ("messenger", "private_message", False, T0 + timedelta(hours=24)),
        ("instagram", "private_message", True, T0 + timedelta(days=7)),
        ("facebook", "comment", False, None),
        ("email", "email", False, None),
    ],
)
def test_the_messaging_window(
    channel: str, kind: str, human_agent: bool, closes: datetime | None
) -> None:
    assert (
        messaging_window_closes(
            channel=channel, kind=kind, last_inbound_at=T0, human_agent=human_agent
        )
        == closes
    )
