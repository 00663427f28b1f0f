"""Schemathesis against the running server: no server errors, every answer as documented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import Engine

from inbox.api.openapi import openapi_document
from inbox.core.incoming import NewItem
from tests.api_helpers import make_token
from tests.factories import add_items, make_page
from tests.servers import inbox_server

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_api_conforms_to_its_openapi_document(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    make_page(engine, "web", channel="web")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    add_items(
        engine,
        *(
            NewItem(
                page="web", external_id=f"w{i}", received_at=start + timedelta(hours=i), text=""
            )
            for i in range(3)
        ),
    )
    token = make_token(engine, scopes=("read", "items", "reply"))
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_dict(openapi_document())
    with inbox_server(database_url, tmp_path) as base_url:
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == 8
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=40,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Case) -> None:
                case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

            check()
