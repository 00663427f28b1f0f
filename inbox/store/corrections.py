"""The communicators' corrections, read as labelled examples."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from inbox.core.suggestions import CorrectedText
from inbox.store.models import Correction

_correction = Correction.__table__  # type: ignore[attr-defined]

# The newest corrections are what suggestions learn from; older ones beyond this
# many say little the newer ones do not.
MAX_CORRECTIONS = 20_000


def topic_corrections(session: Session, *, limit: int = MAX_CORRECTIONS) -> list[CorrectedText]:
    """Each corrected item once, with the topic its latest topic correction gave it."""
    return _corrections(session, "topic", limit=limit)


def department_corrections(
    session: Session, *, limit: int = MAX_CORRECTIONS
) -> list[CorrectedText]:
    """Each corrected item once, with the department its latest department correction
    gave it (in ``CorrectedText.topic``)."""
    return _corrections(session, "department", limit=limit)


def _corrections(session: Session, field: str, *, limit: int) -> list[CorrectedText]:
    c = _correction.c
    latest = (
        sa.select(sa.func.max(c.id)).where(c.field == field).group_by(c.item_id).scalar_subquery()
    )
    rows = session.execute(
        sa.select(c.item_id, c.new_value, c.text)
        .where(c.id.in_(latest))
        .order_by(c.id.desc())
        .limit(limit)
    ).all()
    return [CorrectedText(int(item_id), str(topic), text or "") for item_id, topic, text in rows]
