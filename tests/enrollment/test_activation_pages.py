"""The activation link and the sign-in of a pending account, as pages (SPEC §8 table)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from accounts.mail.models import OutboxMessage
from accounts.models import Account
from accounts.models import AccountStatus
from core.clock import FrozenClock
from core.db import db
from tests.conftest import reconfigure
from tests.enrollment.conftest import GOOD_EMAIL
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import Enroll
from tests.enrollment.conftest import latest_activation_token
from tests.enrollment.conftest import page_text
from tests.enrollment.conftest import sent_mails


@pytest.fixture
def token(app: Flask, enroll: Enroll) -> str:
    enroll.complete()
    return latest_activation_token(app)


def account() -> Account:
    found = db.session.scalars(select(Account)).one()
    db.session.refresh(found)
    return found


def sign_in(enroll: Enroll, password: str = GOOD_PASSWORD) -> Any:
    return enroll.client.post(
        "/connexion", data={"nir": "1 62 12 2B 010 001", "password": password}
    )


def test_the_link_activates_the_account(enroll: Enroll, token: str) -> None:
    response = enroll.client.get(f"/creation-compte/activation/{token}")

    assert response.status_code == 200
    assert "Votre compte ameli est activé" in page_text(response)
    assert account().status is AccountStatus.ACTIVE


def test_a_link_used_twice_says_the_account_is_already_active(enroll: Enroll, token: str) -> None:
    enroll.client.get(f"/creation-compte/activation/{token}")

    response = enroll.client.get(f"/creation-compte/activation/{token}")

    assert response.status_code == 200
    assert "Votre compte est déjà activé" in page_text(response)


def test_an_unknown_link_gets_a_clear_page(enroll: Enroll, token: str) -> None:
    response = enroll.client.get("/creation-compte/activation/not-a-real-token")

    assert response.status_code == 404
    assert "Ce lien n'est pas reconnu" in page_text(response)


def test_between_7_and_21_days_the_link_offers_a_resend_to_the_same_or_a_new_address(
    enroll: Enroll, token: str, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=7, seconds=1))

    response = enroll.client.get(f"/creation-compte/activation/{token}")

    assert response.status_code == 410
    text = page_text(response)
    assert "Le lien n'est plus actif" in text
    assert f"À la même adresse : {GOOD_EMAIL}" in text and "À une autre adresse" in text
    assert account().status is AccountStatus.PENDING


def test_resending_to_the_same_address_from_the_expired_link(
    app: Flask, enroll: Enroll, token: str, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=10))

    response = enroll.client.post(
        f"/creation-compte/activation/{token}", data={"destination": "same"}
    )

    assert response.headers["Location"] == "/creation-compte/consultez-votre-messagerie"
    newer = latest_activation_token(app)
    assert newer != token and len(sent_mails(app)) == 2
    assert "Ce lien a été remplacé" in page_text(
        enroll.client.get(f"/creation-compte/activation/{token}")
    )
    assert "est activé" in page_text(enroll.client.get(f"/creation-compte/activation/{newer}"))


def test_resending_to_a_new_address_from_the_expired_link(
    app: Flask, enroll: Enroll, token: str, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=10))

    enroll.client.post(
        f"/creation-compte/activation/{token}",
        data={"destination": "new", "email": "autre@example.org"},
    )

    assert sent_mails(app)[-1]["To"] == "autre@example.org"
    assert account().email == "autre@example.org"


def test_a_new_address_must_be_valid_and_the_typed_value_is_kept(
    enroll: Enroll, token: str, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=10))

    response = enroll.client.post(
        f"/creation-compte/activation/{token}", data={"destination": "new", "email": "autre@"}
    )

    assert response.status_code == 422
    assert 'value="autre@"' in response.get_data(as_text=True)
    assert "Saisissez une adresse électronique valide" in page_text(response)


def test_after_21_days_the_link_asks_for_a_new_address(
    app: Flask, enroll: Enroll, token: str, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=21, seconds=1))
    app.test_cli_runner().invoke(args=["accounts", "purge"])

    page = enroll.client.get(f"/creation-compte/activation/{token}")
    assert "Votre adresse électronique doit être renseignée à nouveau" in page_text(page)
    response = enroll.client.post(
        f"/creation-compte/activation/{token}",
        data={"destination": "new", "email": "nouvelle@example.org"},
    )

    assert response.status_code == 302
    assert (
        enroll.client.get(f"/creation-compte/activation/{latest_activation_token(app)}").status_code
        == 200
    )
    assert account().status is AccountStatus.ACTIVE


def test_resends_are_limited_per_account(enroll: Enroll, token: str, clock: FrozenClock) -> None:
    clock.advance(timedelta(days=10))
    for _ in range(5):
        enroll.client.post(f"/creation-compte/activation/{token}", data={"destination": "same"})

    response = enroll.client.post(
        f"/creation-compte/activation/{token}", data={"destination": "same"}
    )

    assert response.status_code == 429
    assert "réessayez à" in page_text(response)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(days=6, hours=23), "cliquez sur le lien envoyé le"),
        (timedelta(days=7, seconds=1), "n'est plus actif"),
        (timedelta(days=20, hours=23), "n'est plus actif"),
        (timedelta(days=21, seconds=1), "elle a été supprimée"),
    ],
)
def test_signing_in_to_a_pending_account_shows_what_to_do_now(
    enroll: Enroll, token: str, clock: FrozenClock, age: timedelta, expected: str
) -> None:
    clock.advance(age)

    response = sign_in(enroll)

    assert response.headers["Location"] == "/connexion/activation"
    text = page_text(enroll.client.get("/connexion/activation"))
    assert "Validation de mon email" in text and expected in text
    assert enroll.client.get("/mon-compte").status_code == 302  # not signed in


def test_a_pending_account_can_get_a_new_link_after_signing_in(
    app: Flask, enroll: Enroll, token: str, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=3))
    sign_in(enroll)

    response = enroll.client.post("/connexion/activation", data={"destination": "same"})

    assert response.headers["Location"] == "/connexion/activation?sent=1"
    assert len(sent_mails(app)) == 2


def test_smtp_down_at_enrollment_keeps_the_account_and_mails_once_it_is_back(
    app: Flask, enroll: Enroll, smtp_server: Any, clock: FrozenClock
) -> None:
    smtp_server.stop()
    reconfigure(app, SMTP_URL=smtp_server.url)

    enroll.complete()
    assert account().status is AccountStatus.PENDING
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert result.exit_code == 0 and result.stdout == "0 sent, 1 to retry, 0 given up\n"

    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.sent_at is None and message.attempts == 1
    smtp_server.start()
    clock.advance(timedelta(minutes=1))
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert [mail["To"] for mail in smtp_server.wait_for(1)] == [GOOD_EMAIL]
    app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert len(smtp_server.messages) == 1
