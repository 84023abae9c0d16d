"""The enrollment travels in sealed, expiring tokens of its own: forged, stale, misused → 401."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from flask import Flask
from itsdangerous import TimestampSigner

from core.clock import FrozenClock
from enrollment import wizard
from enrollment.api import tokens
from enrollment.wizard import WizardState
from tests.api.conftest import App
from tests.api.conftest import bearer
from tests.api.conftest import problem
from tests.conftest import reconfigure


class SigningClock:
    """The time itsdangerous reads when it signs and checks a token, moved by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_768_467_600  # 2026-01-15 09:00 UTC
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: self.now)

    def advance(self, seconds: int) -> None:
        self.now += seconds


@pytest.fixture
def signing_clock(monkeypatch: pytest.MonkeyPatch) -> SigningClock:
    return SigningClock(monkeypatch)


def tampered(token: str) -> str:
    """Change the signature of an activation token (itsdangerous: payload.time.signature)."""
    payload, timestamp, signature = token.rsplit(".", 2)
    return f"{payload}.{timestamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"


def unsealed(token: str) -> str:
    """Change the last byte of an enrollment token's seal (Fernet's HMAC)."""
    data = bytearray(base64.urlsafe_b64decode(token))
    data[-1] ^= 0x01
    return base64.urlsafe_b64encode(bytes(data)).decode()


def test_after_30_minutes_the_enrollment_token_has_expired(
    app_client: App, clock: FrozenClock
) -> None:
    app_client.step1()
    clock.advance(timedelta(minutes=30, seconds=1))

    response = app_client.step2()

    body = problem(response, 401, "wizard.expired")
    assert body["detail"] == (
        "Votre démarche a expiré après 30 minutes sans validation. Par sécurité, "
        "recommencez depuis la première étape."
    )
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_the_expiry_told_follows_the_setting(
    app: Flask, app_client: App, clock: FrozenClock
) -> None:
    reconfigure(app, ENROLLMENT_WIZARD_MAX_AGE=10 * 60)
    app_client.step1()
    clock.advance(timedelta(minutes=10, seconds=1))

    body = problem(app_client.step2(), 401, "wizard.expired")

    assert "a expiré après 10 minutes sans validation" in body["detail"]


def test_within_30_minutes_the_enrollment_token_is_valid(
    app_client: App, clock: FrozenClock
) -> None:
    app_client.step1()
    clock.advance(timedelta(minutes=30))

    assert app_client.step2().status_code == 200


def test_each_step_hands_a_token_the_next_step_needs(app_client: App) -> None:
    app_client.step1()
    step1_token = app_client.enrollment_token

    problem(app_client.step3(token=step1_token), 409, "enrollment.password_required")


def test_a_web_wizard_token_is_refused_by_the_api(app: Flask, app_client: App) -> None:
    app_client.step1()
    state = tokens.load_wizard(app_client.enrollment_token)

    response = app_client.step2(token=state.dump())

    problem(response, 401, "wizard.invalid")


def test_an_api_token_is_refused_by_the_web(app: Flask, app_client: App) -> None:
    app_client.step1()

    with pytest.raises(wizard.WizardTampered):
        wizard.load(app_client.enrollment_token)


def test_an_activation_token_is_not_an_enrollment_token(app_client: App) -> None:
    app_client.complete()

    problem(app_client.step2(token=app_client.activation_token), 401, "wizard.invalid")
    problem(
        app_client.activation(token=app_client.enrollment_token), 401, "activation.token_invalid"
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer a b"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
    ids=["absent", "empty", "no token", "other scheme", "garbage", "two words", "huge"],
)
def test_a_missing_or_malformed_bearer_is_refused(app_client: App, headers: dict[str, str]) -> None:
    response = app_client.client.post(
        "/api/v1/enrollment/password",
        json={"password": "Ameli-Demo-2026!", "confirmation": "Ameli-Demo-2026!"},
        headers=headers,
    )

    problem(response, 401, "wizard.invalid")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_tampered_enrollment_token_is_refused(app_client: App) -> None:
    app_client.step1()

    problem(app_client.step2(token=unsealed(app_client.enrollment_token)), 401, "wizard.invalid")


def test_a_token_signed_with_another_key_is_refused(app: Flask, app_client: App) -> None:
    app_client.step1()
    state = tokens.load_wizard(app_client.enrollment_token)
    app.config["SECRET_KEY"] = "another-secret-key-that-is-long-enough-9876543210"
    forged = state.dump(salt=tokens.WIZARD_SALT)
    app.config["SECRET_KEY"] = "test-secret-key-that-is-long-enough-0123456789"

    problem(app_client.step2(token=forged), 401, "wizard.invalid")


def test_the_token_hides_the_person_and_the_code_personnel_hash(app_client: App) -> None:
    app_client.through_step2()

    state: WizardState = tokens.load_wizard(app_client.enrollment_token)
    assert state.has_password
    readable = base64.urlsafe_b64decode(app_client.enrollment_token).decode("latin-1")
    for secret in ("argon2", state.person.nir[:13], "VENTURI", "1962"):
        assert secret not in readable


def test_the_activation_token_expires_after_30_days(
    app_client: App, signing_clock: SigningClock
) -> None:
    app_client.complete()
    signing_clock.advance(30 * 24 * 3600 + 1)

    problem(app_client.activation(), 401, "activation.token_expired")


def test_a_tampered_activation_token_is_refused(app_client: App) -> None:
    app_client.complete()

    problem(
        app_client.activation(token=tampered(app_client.activation_token)),
        401,
        "activation.token_invalid",
    )
    problem(
        app_client.resend({"destination": "same"}, token=tampered(app_client.activation_token)),
        401,
        "activation.token_invalid",
    )


def test_an_activation_token_of_a_deleted_account_is_refused(app: Flask, app_client: App) -> None:
    from accounts.models import Account
    from core.db import db

    app_client.complete()
    db.session.execute(db.delete(Account))
    db.session.commit()

    problem(app_client.activation(), 401, "activation.token_invalid")


def test_tokens_are_sent_in_the_header_only(app_client: App) -> None:
    app_client.step1()

    response = app_client.client.post(
        "/api/v1/enrollment/password",
        json={"password": "Ameli-Demo-2026!", "confirmation": "Ameli-Demo-2026!"},
        headers=bearer(""),
    )

    problem(response, 401, "wizard.invalid")
