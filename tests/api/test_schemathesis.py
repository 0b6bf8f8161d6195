"""schemathesis against the live schema of a real running server (pytest-django's
live_server): every operation, with generated requests, under the four checks of issue 17.
The examples per operation are bounded (API_FUZZ_EXAMPLES, 6 by default) so the suite stays
fast; raise it for a longer hunt, e.g. API_FUZZ_EXAMPLES=200."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from psm.cases import services as cases
from psm.paging import services as paging
from psm.testing.api import token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))


@pytest.fixture
def live_book(transactional_db: None, book: Any, settings: Any) -> Any:
    settings.PSM_API_RATE = "100000/m"
    case = cases.open_case(None, book.a, title="Printer", text="Jammed", contact=book.contact_a)
    cases.add_note(book.alice, case, "Internal")
    paging.page_psm(book.a, contact=book.contact_a, message="Down")
    return book


@pytest.mark.parametrize("who", ["admin", "client_a"])
def test_the_live_schema_holds_under_generated_requests(live_server: Any, live_book, who) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {token(getattr(live_book, who))}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # one operation's failure must not hide the others'
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
