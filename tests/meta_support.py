"""A signed-webhook payload for the fault tests: one new comment on a page's post."""

from __future__ import annotations

import json


def comment_delivery(page: str, n: int, *, padding: int = 0) -> bytes:
    """Comment ``n`` (external id ``{page}_post_{n}``), ``padding`` characters longer."""
    value = {
        "item": "comment",
        "verb": "add",
        "comment_id": f"{page}_post_{n}",
        "post_id": f"{page}_post",
        "parent_id": f"{page}_post",
        "created_time": 1_763_000_000 + n,
        "from": {"id": f"u{n}", "name": "Anna"},
        "message": f"Fråga nummer {n} " + "x" * padding,
    }
    doc = {
        "object": "page",
        "entry": [{"id": page, "time": 1, "changes": [{"field": "feed", "value": value}]}],
    }
    return json.dumps(doc).encode()
