"""After step 3 the app follows the activation mail: 7 days to click, 21 to keep the address."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from accounts import activation
from core.clock import FrozenClock
from tests.api.conftest import App
from tests.api.conftest import field_codes
from tests.api.conftest import problem
from tests.enrollment.conftest import GOOD_EMAIL
from tests.enrollment.conftest import latest_activation_token
from tests.enrollment.conftest import sent_mails


def test_the_app_sees_the_account_become_active_once_the_link_is_followed(
    app: Flask, app_client: App, clock: FrozenClock
) -> None:
    app_client.complete()
    assert app_client.activation().get_json()["activation"]["state"] == "awaiting_confirmation"

    clock.advance(timedelta(days=2))
    activation.activate(latest_activation_token(app))

    status = app_client.activation().get_json()["activation"]
    assert status["state"] == "active"
    assert status["activated_at"] == "2026-01-17T09:00:00Z"


def test_after_7_days_the_link_has_expired_and_a_new_one_goes_to_the_same_address(
    app: Flask, app_client: App, clock: FrozenClock
) -> None:
    app_client.complete()
    clock.advance(timedelta(days=8))
    assert app_client.activation().get_json()["activation"]["state"] == "link_expired"

    response = app_client.resend({"destination": "same"})

    assert response.status_code == 200
    status = response.get_json()["activation"]
    assert status["state"] == "awaiting_confirmation"
    assert status["sent_at"] == "2026-01-23T09:00:00Z"
    assert [mail["To"] for mail in sent_mails(app)] == [GOOD_EMAIL, GOOD_EMAIL]
    activation.activate(latest_activation_token(app))


def test_a_new_address_can_be_given_and_the_old_link_stops_working(
    app: Flask, app_client: App
) -> None:
    app_client.complete()
    old_link = latest_activation_token(app)

    response = app_client.resend({"destination": "new", "email": "nouvelle@example.org"})

    assert response.status_code == 200
    assert response.get_json()["activation"]["email"] == "n***@example.org"
    assert sent_mails(app)[-1]["To"] == "nouvelle@example.org"
    assert activation.find_link(old_link).superseded_at is not None


def test_after_21_days_the_address_is_deleted_and_a_new_one_is_required(
    app: Flask, app_client: App, clock: FrozenClock
) -> None:
    app_client.complete()
    clock.advance(timedelta(days=22))
    status = app_client.activation().get_json()["activation"]
    assert status["state"] == "address_deleted"
    assert status["email"] is None

    refused = problem(app_client.resend({"destination": "same"}), 422, "fields.invalid")
    assert field_codes(refused) == {"email": ["email.required"]}

    response = app_client.resend({"destination": "new", "email": "retour@example.org"})
    assert response.status_code == 200
    assert response.get_json()["activation"]["state"] == "awaiting_confirmation"


def test_a_new_address_follows_the_contact_rules(app_client: App) -> None:
    app_client.complete()
    app_client.through_step2("275033523801408")
    app_client.step3("robin@example.org")

    for payload, expected in (
        ({"destination": "new"}, "email.required"),
        ({"destination": "new", "email": "pas-une-adresse"}, "email.malformed"),
        ({"destination": "new", "email": GOOD_EMAIL.upper()}, "email.already_used"),
    ):
        body = problem(app_client.resend(payload), 422, "fields.invalid")
        assert field_codes(body) == {"email": [expected]}


def test_nothing_is_resent_to_an_active_account(app: Flask, app_client: App) -> None:
    app_client.complete()
    activation.activate(latest_activation_token(app))

    body = problem(app_client.resend({"destination": "same"}), 409, "activation.already_active")

    assert body["guidance"] == ["sign_in"]


def test_each_answer_hands_a_fresh_activation_token(app_client: App) -> None:
    app_client.complete()

    answer = app_client.resend({"destination": "same"}).get_json()

    assert app_client.activation(token=answer["activation_token"]).status_code == 200
