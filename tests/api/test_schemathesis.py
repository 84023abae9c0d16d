"""Schemathesis against the OpenAPI document: no 5xx, no answer outside the document.

Generated requests rarely hold a real identity, so step 1 also draws from a few demo
registry rows; then the document's links carry the tokens from step to step.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from flask import Flask
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance
from schemathesis.specs.openapi.checks import response_headers_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance
from sqlalchemy import delete

from core.clock import FrozenClock
from core.db import db
from enrollment import registry_import
from enrollment.api.openapi import document
from enrollment.models import Account
from enrollment.models import ActivationToken
from enrollment.models import OutboxMessage
from tests.api.conftest import identity
from tests.conftest import make_app
from tests.enrollment.conftest import DEMO_CSV
from tests.enrollment.conftest import GOOD_PASSWORD

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
KNOWN_PEOPLE = [
    identity(nir)
    for nir in ("162122B01000103", "275033523801408", "158031501433966", "285124410935241")
]
FAST = hypothesis.settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    database=None,
    derandomize=True,
)


@pytest.fixture
def api_app(sqlite_database: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    """The service on SQLite with the demo registry; limits high enough to reach every path."""
    app = make_app(
        sqlite_database,
        tmp_path,
        FrozenClock(),
        ENROLLMENT_FAILURES_PER_NIR="100000/hour",
        ENROLLMENT_FAILURES_PER_IP="100000/hour",
        ENROLLMENT_PASSWORD_CHECKS="100000/minute",
        ENROLLMENT_RESENDS_PER_ACCOUNT="100000/hour",
    )
    with app.app_context():
        with DEMO_CSV.open(encoding="utf-8", newline="") as stream:
            registry_import.import_csv(stream)
        yield app
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def api_schema(api_app: Flask) -> Any:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)

    @schema.hook("flatmap_body")
    def known_answers_too(context: Any, body: Any) -> Any:
        """Send, now and then, what a real person would: a demo identity, a good code."""
        operation = getattr(context, "operation", None)
        path = operation.path if operation is not None else ""
        if path == "/api/v1/enrollment/identity":
            return st.sampled_from([body, *KNOWN_PEOPLE])
        if path == "/api/v1/enrollment/password":
            return st.sampled_from(
                [body, {"password": GOOD_PASSWORD, "confirmation": GOOD_PASSWORD}]
            )
        if path == "/api/v1/enrollment/account":
            addresses = st.integers(0, 10**9).map(lambda n: {"email": f"app{n}@example.org"})
            return st.one_of(st.just(body), addresses)
        return st.just(body)

    return schema


# Negative data needs something to negate: a body (the GETs only take a bearer token).
OPERATIONS = [
    (method.upper(), path, mode)
    for path, operations in document()["paths"].items()
    for method, operation in operations.items()
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or "requestBody" in operation
]


@pytest.mark.parametrize(("method", "path", "mode"), OPERATIONS)
def test_no_operation_fails_or_answers_outside_the_document(
    api_schema: Any, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]

    @FAST
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def call(case: Case) -> None:
        case.call_and_validate(checks=CHECKS)

    call()


def test_the_journey_through_the_links_stays_within_the_document(api_schema: Any) -> None:
    answers: set[tuple[str, int]] = set()
    machine = api_schema.as_state_machine()

    class Journey(machine):  # type: ignore[misc, valid-type]
        def validate_response(self, response: Any, case: Case, **kwargs: Any) -> None:
            answers.add((case.operation.label, response.status_code))
            case.validate_response(response, checks=CHECKS)

        def teardown(self) -> None:
            # Each scenario starts with no account, so that replays behave the same.
            db.session.execute(delete(ActivationToken))
            db.session.execute(delete(OutboxMessage))
            db.session.execute(delete(Account))
            db.session.commit()
            super().teardown()

    Journey.run(
        settings=hypothesis.settings(
            max_examples=100,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            database=None,
            derandomize=True,
        )
    )

    # The links carried the tokens all the way, from step 1 to the activation.
    assert ("POST /api/v1/enrollment/identity", 200) in answers
    assert ("POST /api/v1/enrollment/password", 200) in answers
    assert ("POST /api/v1/enrollment/account", 201) in answers
    assert {
        status for label, status in answers if label.endswith(("/activation", "/activation/resend"))
    } - {401}
