"""The app's API refuses hostile bodies with a problem, never a crash."""

from __future__ import annotations

from tests.api.conftest import App
from tests.api.conftest import problem

DEEP_JSON = "[" * 5000 + "]" * 5000


def test_a_json_nested_too_deep_is_a_malformed_body_for_the_app(app_client: App) -> None:
    app_client.step1()

    response = app_client.client.post(
        "/api/v1/enrollment/password-check",
        data=DEEP_JSON,
        content_type="application/json",
        headers={"Authorization": f"Bearer {app_client.enrollment_token}"},
    )

    problem(response, 400, "request.malformed")


def test_the_app_must_name_the_code_it_wants_checked(app_client: App) -> None:
    app_client.step1()

    body = problem(
        app_client.client.post(
            "/api/v1/enrollment/password-check",
            json={},
            headers={"Authorization": f"Bearer {app_client.enrollment_token}"},
        ),
        400,
        "request.malformed",
    )

    assert body["errors"] == [
        {"field": "password", "code": "field.missing", "message": "Ce champ est obligatoire."}
    ]
