"""Fixtures and actions of the ameli app going through the enrollment API: ``api.step1(...)``."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.enrollment.conftest import GOOD_EMAIL
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import VENTURI_NIR
from tests.enrollment.conftest import card_form
from tests.enrollment.conftest import registry  # noqa: F401 - the demo registry fixture

PROBLEM = "application/problem+json"


def identity(row_nir: str = VENTURI_NIR, **overrides: Any) -> dict[str, Any]:
    """Return what the app sends at step 1 for a demo row: the web's form, dates in ISO."""
    form: dict[str, Any] = card_form(row_nir)
    day, month, year = form["birth_date"].split("/")
    form["birth_date"] = date(int(year), int(month), int(day)).isoformat()
    form.update(overrides)
    return form


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class App:
    """The calls of the ameli app, remembering the latest tokens as the app would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.enrollment_token = ""
        self.activation_token = ""

    def _keep(self, response: TestResponse) -> TestResponse:
        if response.is_json and response.status_code < 300:
            payload = response.get_json()
            self.enrollment_token = payload.get("enrollment_token", self.enrollment_token)
            self.activation_token = payload.get("activation_token", self.activation_token)
        return response

    def step1(self, row_nir: str = VENTURI_NIR, **overrides: Any) -> TestResponse:
        return self._keep(
            self.client.post("/api/v1/enrollment/identity", json=identity(row_nir, **overrides))
        )

    def check_password(self, payload: Any, token: str | None = None) -> TestResponse:
        return self.client.post(
            "/api/v1/enrollment/password-check",
            json=payload,
            headers=bearer(self.enrollment_token if token is None else token),
        )

    def step2(
        self,
        password: str = GOOD_PASSWORD,
        confirmation: str | None = None,
        token: str | None = None,
    ) -> TestResponse:
        payload = {
            "password": password,
            "confirmation": password if confirmation is None else confirmation,
        }
        return self._keep(
            self.client.post(
                "/api/v1/enrollment/password",
                json=payload,
                headers=bearer(self.enrollment_token if token is None else token),
            )
        )

    def step3(
        self, email: str = GOOD_EMAIL, token: str | None = None, **fields: Any
    ) -> TestResponse:
        return self._keep(
            self.client.post(
                "/api/v1/enrollment/account",
                json={"email": email, **fields},
                headers=bearer(self.enrollment_token if token is None else token),
            )
        )

    def through_step2(self, row_nir: str = VENTURI_NIR) -> None:
        assert self.step1(row_nir).status_code == 200
        assert self.step2().status_code == 200

    def complete(self, row_nir: str = VENTURI_NIR, email: str = GOOD_EMAIL) -> TestResponse:
        self.through_step2(row_nir)
        response = self.step3(email)
        assert response.status_code == 201, response.get_data(as_text=True)
        return response

    def activation(self, token: str | None = None) -> TestResponse:
        return self._keep(
            self.client.get(
                "/api/v1/activation",
                headers=bearer(self.activation_token if token is None else token),
            )
        )

    def resend(self, payload: Any, token: str | None = None) -> TestResponse:
        return self._keep(
            self.client.post(
                "/api/v1/activation/resend",
                json=payload,
                headers=bearer(self.activation_token if token is None else token),
            )
        )


@pytest.fixture
def app_client(client: FlaskClient, request: pytest.FixtureRequest) -> App:
    """The ameli app, on a service whose registry holds the demo rows."""
    request.getfixturevalue("registry")
    return App(client)


def problem(response: TestResponse, status: int, code: str) -> dict[str, Any]:
    """Assert ``response`` is the RFC 9457 problem ``code`` with ``status``; return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json(force=True)
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] == f"https://ameli.example/problems/{code}"
    assert body["title"] and body["detail"]
    return body


def field_codes(body: dict[str, Any]) -> dict[str, list[str]]:
    """Return the codes of ``errors[]`` by field."""
    codes: dict[str, list[str]] = {}
    for error in body.get("errors", []):
        codes.setdefault(error["field"], []).append(error["code"])
    return codes
