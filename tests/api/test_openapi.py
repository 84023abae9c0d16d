"""The OpenAPI 3.1 document is valid and describes every route, status and error code."""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient

from enrollment import contact
from enrollment import password as code_personnel
from enrollment import validators
from enrollment.api import problems
from enrollment.api import views
from enrollment.api.openapi import document
from enrollment.eligibility import EnrollmentRefused
from enrollment.wizard import WizardError

API_FIELDS = {
    "name",
    "nir",
    "birth_date",
    "postal_code",
    "iban_tail",
    "vitale_tail",
    "email",
    "mobile_phone",
    "landline_phone",
}


def schemas() -> dict[str, Any]:
    found: dict[str, Any] = document()["components"]["schemas"]
    return found


def subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for child in list(found):
        found |= subclasses(child)
    return found


def test_the_document_is_served_and_is_valid_openapi_3_1(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    served = response.get_json()
    assert served["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(served).validate()
    for name, schema in served["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name


def test_every_route_of_the_blueprint_is_documented(app: Flask) -> None:
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("enrollment_api.")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    documented = {
        (path, method) for path, operations in document()["paths"].items() for method in operations
    }

    assert routes == documented


def test_the_problem_codes_are_exactly_those_the_code_can_emit() -> None:
    emitted = set(problems.PROBLEMS)
    refusals = {refusal.code for refusal in subclasses(EnrollmentRefused)}
    wizard_errors = {error.code for error in subclasses(WizardError)}

    assert set(schemas()["ProblemCode"]["enum"]) == emitted
    assert refusals | wizard_errors <= emitted
    for code in _literal_problem_codes():
        assert code in emitted


def _literal_problem_codes() -> set[str]:
    """Return the codes the views name literally in ``Problem("...", ...)``."""
    tree = ast.parse(inspect.getsource(views))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "Problem"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_the_field_codes_are_exactly_those_of_the_rules() -> None:
    rules = {
        error.code
        for error in subclasses(validators.ValidationError)
        if error.__module__ in (validators.__name__, contact.__name__)
        and error.field in API_FIELDS
        and error.code != validators.ValidationError.code
    }
    passwords = {f"password.{rule.code}" for rule in code_personnel.RULES} | {
        code_personnel.TOO_WEAK_CODE,
        code_personnel.CONFIRMATION_CODE,
    }

    assert set(schemas()["FieldErrorCode"]["enum"]) == rules | passwords | set(
        problems.SHAPE_ERRORS
    )


def test_every_problem_response_names_its_codes_with_their_status() -> None:
    responses = document()["components"]["responses"]
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = responses[response["$ref"].rsplit("/", 1)[1]]
                content = response.get("content", {})
                if "application/problem+json" not in content:
                    continue
                schema = content["application/problem+json"]["schema"]
                codes = schema["allOf"][1]["properties"]["code"]["enum"]
                for code in codes:
                    assert problems.PROBLEMS[code][0] == int(status), (path, method, code)


@pytest.mark.parametrize(
    "operation_id",
    [
        "verifyIdentity",
        "checkPassword",
        "choosePassword",
        "createAccount",
        "getActivation",
        "resendActivation",
    ],
)
def test_each_operation_is_described(operation_id: str) -> None:
    operations = [
        operation
        for path in document()["paths"].values()
        for operation in path.values()
        if operation["operationId"] == operation_id
    ]

    assert len(operations) == 1
    assert operations[0]["summary"] and operations[0]["description"]
