"""Whatever the app (or a robot) sends, the API answers with a problem, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests.api.conftest import App
from tests.api.conftest import field_codes
from tests.api.conftest import identity
from tests.api.conftest import problem

IDENTITY = "/api/v1/enrollment/identity"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("{", "application/json"),
        ("[]", "application/json"),
        ('"venturi"', "application/json"),
        ("null", "application/json"),
        ("name=venturi", "application/x-www-form-urlencoded"),
        ("", "application/json"),
        ('{"name": "\\ud800"}', "text/plain"),
    ],
    ids=["broken JSON", "array", "string", "null", "form", "empty", "not JSON"],
)
def test_a_body_that_is_not_a_json_object_is_malformed(
    client: FlaskClient, data: str, content_type: str
) -> None:
    response = client.post(IDENTITY, data=data, content_type=content_type)

    problem(response, 400, "request.malformed")


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"nir": 162122201000103}, "nir", "field.wrong_type"),
        ({"name": None}, "name", "field.wrong_type"),
        ({"name": ["venturi"]}, "name", "field.wrong_type"),
        ({"postal_code": True}, "postal_code", "field.wrong_type"),
        ({"name": "ven\ud800turi"}, "name", "field.invalid_text"),
        ({"admin": True}, "admin", "field.unknown"),
    ],
)
def test_fields_of_the_wrong_shape_are_named(
    app_client: App, overrides: dict[str, Any], field: str, code: str
) -> None:
    body = problem(app_client.step1(**overrides), 400, "request.malformed")

    assert field_codes(body) == {field: [code]}


def test_a_huge_body_is_refused_before_it_is_read(client: FlaskClient) -> None:
    response = client.post(IDENTITY, json=identity(name="x" * 100_000))

    problem(response, 413, "request.too_large")


def test_marketing_consent_must_be_a_boolean(app_client: App) -> None:
    app_client.through_step2()

    body = problem(app_client.step3(marketing_consent="yes"), 400, "request.malformed")

    assert field_codes(body) == {"marketing_consent": ["field.wrong_type"]}


def test_the_resend_destination_is_same_or_new(app_client: App) -> None:
    app_client.complete()

    body = problem(app_client.resend({"destination": "elsewhere"}), 400, "request.malformed")

    assert field_codes(body) == {"destination": ["field.invalid_choice"]}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=60),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=6,
)
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            name: json_values
            for name in ("name", "nir", "birth_date", "postal_code", "iban_tail", "vitale_tail")
        },
    )
    | json_values
)
def test_step_1_never_fails_on_any_json(app_client: App, body: Any) -> None:
    response = app_client.client.post(IDENTITY, json=body)

    assert response.status_code in (200, 400, 403, 409, 422, 429)
    assert response.mimetype in ("application/json", "application/problem+json")


@FUZZ
@given(
    body=st.fixed_dictionaries({}, optional={"password": json_values, "confirmation": json_values})
)
def test_step_2_never_fails_on_any_json(app_client: App, body: Any) -> None:
    app_client.step1()

    response = app_client.client.post(
        "/api/v1/enrollment/password",
        json=body,
        headers={"Authorization": f"Bearer {app_client.enrollment_token}"},
    )

    assert response.status_code in (200, 400, 422)
