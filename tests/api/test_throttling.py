"""The API shares the web's throttles: the same counters, the same limits, no enumeration."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from tests.api.conftest import App
from tests.api.conftest import problem
from tests.conftest import reconfigure
from tests.enrollment.conftest import VENTURI_NIR
from tests.enrollment.conftest import Enroll
from tests.enrollment.conftest import card_form


def test_five_mismatches_for_a_nir_block_it_with_the_time_to_try_again(app_client: App) -> None:
    for _ in range(5):
        problem(app_client.step1(postal_code="63001"), 422, "identity.not_recognised")

    response = app_client.step1()

    body = problem(response, 429, "throttled")
    assert body["detail"].startswith("Trop de tentatives infructueuses")
    retry_at = datetime.fromisoformat(body["retry_at"])
    assert retry_at.tzinfo is not None
    assert 3000 <= int(response.headers["Retry-After"]) <= 3601


def test_the_web_and_the_app_count_together(app_client: App) -> None:
    web = Enroll(app_client.client)
    for _ in range(3):
        assert web.step1(postal_code="63001").status_code == 422
    for _ in range(2):
        app_client.step1(postal_code="63001")

    problem(app_client.step1(), 429, "throttled")
    assert "Trop de tentatives" in web.client.post(
        "/creation-compte/carte-vitale", data=card_form(VENTURI_NIR)
    ).get_data(as_text=True)


def test_malformed_fields_are_not_counted(app_client: App) -> None:
    for _ in range(6):
        problem(app_client.step1(postal_code="6300"), 422, "fields.invalid")

    assert app_client.step1().status_code == 200


def test_the_block_is_per_nir_so_another_person_can_still_enrol(app_client: App) -> None:
    for _ in range(5):
        app_client.step1(postal_code="63001")

    assert app_client.step1("275033523801408").status_code == 200


def test_the_live_check_is_rate_limited_per_address(app: Flask, app_client: App) -> None:
    reconfigure(app, ENROLLMENT_PASSWORD_CHECKS="3/minute")
    app_client.step1()
    for _ in range(3):
        assert app_client.check_password({"password": "x"}).status_code == 200

    response = app_client.check_password({"password": "x"})

    problem(response, 429, "throttled")
    assert int(response.headers["Retry-After"]) >= 1


def test_resending_is_limited_per_account(app: Flask, app_client: App) -> None:
    app_client.complete()
    for _ in range(5):
        assert app_client.resend({"destination": "same"}).status_code == 200

    problem(app_client.resend({"destination": "same"}), 429, "throttled")
