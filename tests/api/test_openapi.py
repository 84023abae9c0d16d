"""The OpenAPI 3.1 document is valid and describes every route, status and error code."""

from __future__ import annotations

import ast
import inspect
import json
import re
from importlib import resources
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient

from accounts import code_personnel
from accounts import contact
from core import nir
from core.errors import Refusal
from core.fields import ValidationError
from enrollment import errors as enrollment_errors
from enrollment.api import problems
from enrollment.api import views
from enrollment.api.openapi import document
from enrollment.errors import EnrollmentRefused
from enrollment.errors import WizardError

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
    emitted = [kind.code for kind in problems.PROBLEMS]
    refusals = {refusal.code for refusal in subclasses(EnrollmentRefused)}
    wizard_errors = {error.code for error in subclasses(WizardError)}

    assert schemas()["ProblemCode"]["enum"] == emitted
    assert len(set(emitted)) == len(emitted), "one code, one problem"
    assert refusals | wizard_errors <= set(emitted)
    for refusal in _refusals_the_views_raise():
        assert problems.kind_of(refusal) in problems.PROBLEMS, refusal


def test_the_file_does_not_hold_a_second_list_of_problem_codes() -> None:
    text = resources.files("enrollment.api").joinpath("static/openapi.json").read_text("utf-8")

    assert "enum" not in json.loads(text)["components"]["schemas"]["ProblemCode"]


def test_a_refusal_the_api_does_not_document_is_a_defect_not_an_answer() -> None:
    class Undocumented(Refusal):
        code = "undocumented"

    with pytest.raises(LookupError, match="Undocumented is not a documented problem"):
        problems.kind_of(Undocumented())


def _refusals_the_views_raise() -> set[type[Refusal]]:
    """Return every refusal class the views name (``Name`` or ``module.Name``)."""
    tree = ast.parse(inspect.getsource(views))
    found: set[type[Refusal]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            value = getattr(views, node.id, None)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = getattr(views, node.value.id, None)
            value = getattr(module, node.attr, None) if inspect.ismodule(module) else None
        else:
            continue
        if isinstance(value, type) and issubclass(value, Refusal) and value is not Refusal:
            found.add(value)
    assert found, "the views name no refusal: the walk is broken"
    return found


def test_the_field_codes_are_exactly_those_of_the_rules() -> None:
    rules = {
        error.code
        for error in subclasses(ValidationError)
        if error.__module__ in (nir.__name__, enrollment_errors.__name__, contact.__name__)
        and error.field in API_FIELDS
        and error.code != ValidationError.code
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
                    kind = next(kind for kind in problems.PROBLEMS if kind.code == code)
                    assert kind.status == int(status), (path, method, code)


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
