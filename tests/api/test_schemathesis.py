"""Schemathesis against the OpenAPI document: no 5xx, no answer outside the document.

Generated requests rarely hold a real identity, so step 1 also draws from a few demo
registry rows; then the document's links carry the tokens from step to step.
"""

from __future__ import annotations

import re
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

from accounts.mail.models import OutboxMessage
from accounts.models import Account
from accounts.models import ActivationToken
from core.clock import FrozenClock
from core.db import db
from enrollment.api.openapi import document
from enrollment.registry import importer as registry_import
from tests.api.conftest import identity
from tests.conftest import empty_database
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
        empty_database()


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

    # Random steps reach every step of the enrollment; that each link carries its token
    # all the way to the activation is walked link by link below, without luck.
    assert ("POST /api/v1/enrollment/identity", 200) in answers
    assert ("POST /api/v1/enrollment/password", 200) in answers
    assert ("POST /api/v1/enrollment/account", 201) in answers


# What a person sends when all goes well, for each operation the links lead to.
GOOD_BODIES: dict[str, Any] = {
    "verifyIdentity": KNOWN_PEOPLE[0],
    "checkPassword": {"password": GOOD_PASSWORD},
    "choosePassword": {"password": GOOD_PASSWORD, "confirmation": GOOD_PASSWORD},
    "createAccount": {"email": "par.les.liens@example.org"},
    "getActivation": None,
    "resendActivation": {"destination": "same"},
}
_EXPRESSION = re.compile(r"\{\$response\.body#(/[^}]*)\}")


def _resolve(template: str, body: dict[str, Any]) -> str:
    """Evaluate the ``{$response.body#/pointer}`` runtime expressions of a link parameter."""

    def value(match: re.Match[str]) -> str:
        found: Any = body
        for part in match[1].strip("/").split("/"):
            found = found[part]
        return str(found)

    return _EXPRESSION.sub(value, template)


def test_every_link_of_the_document_carries_its_token_to_the_next_step(api_app: Flask) -> None:
    operations = {
        operation["operationId"]: (path, method, operation)
        for path, methods in document()["paths"].items()
        for method, operation in methods.items()
    }
    every_link = {
        (operation_id, name)
        for operation_id, (_, _, operation) in operations.items()
        for response in operation["responses"].values()
        for name in response.get("links", {})
    }
    client = api_app.test_client()
    followed: set[tuple[str, str]] = set()
    waiting: list[tuple[str, dict[str, str]]] = [("verifyIdentity", {})]
    while waiting:
        operation_id, headers = waiting.pop(0)
        path, method, operation = operations[operation_id]
        response = client.open(
            path, method=method.upper(), json=GOOD_BODIES[operation_id], headers=headers
        )
        assert response.status_code in (200, 201), (operation_id, response.get_json())
        links = operation["responses"][str(response.status_code)].get("links", {})
        for name, link in links.items():
            if (operation_id, name) in followed:
                continue
            followed.add((operation_id, name))
            parameters = {
                key.removeprefix("header."): _resolve(template, response.get_json())
                for key, template in link["parameters"].items()
            }
            waiting.append((link["operationId"], parameters))

    assert followed == every_link
