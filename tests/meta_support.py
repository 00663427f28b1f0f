"""Helpers for the Meta webhook tests: a signed delivery, posting it, processing it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from inbox.channels.meta import processor
from inbox.channels.meta.signature import expected_signature
from inbox.store.models import Delivery, Item


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


def post_signed(
    client: TestClient, body: bytes, secret: str, *, signature: str | None = None
) -> Any:
    """POST ``body`` to ``/webhooks/meta``, signed with ``secret`` unless ``signature`` is given."""
    header = signature if signature is not None else expected_signature(body, secret)
    return client.post("/webhooks/meta", content=body, headers={"X-Hub-Signature-256": header})


def process_all(engine: Engine, now: datetime) -> int:
    """Run the delivery processor until nothing is pending; returns how many it handled."""
    total = 0
    while done := processor.process_pending(engine, now=now):
        total += done
    return total


def stored_items(engine: Engine) -> list[Item]:
    with Session(engine) as session:
        return list(session.exec(select(Item).order_by(col(Item.id))).all())


def stored_deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(col(Delivery.id))).all())


def count_rows(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(sa.func.count()).select_from(model)).one())
