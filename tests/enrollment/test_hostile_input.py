"""The web's live checks answer hostile bodies without a crash."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.enrollment.conftest import Enroll

DEEP_JSON = "[" * 5000 + "]" * 5000


def test_a_json_nested_too_deep_gets_an_answer_from_the_live_check(
    client: FlaskClient, app: Flask, registry: None
) -> None:
    Enroll(client).step1()

    response = client.post(
        "/creation-compte/code-personnel/verification",
        data=DEEP_JSON,
        content_type="application/json",
    )

    assert response.status_code == 200 and response.get_json()["acceptable"] is False
