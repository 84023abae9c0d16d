"""Steps 2 and 3 on the web: code personnel, contact details, back and forward."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from accounts.models import Account
from accounts.models import AccountStatus
from accounts.models import EnrollmentPath
from core.clock import FrozenClock
from core.db import db
from tests.conftest import reconfigure
from tests.enrollment.conftest import GOOD_EMAIL
from tests.enrollment.conftest import Enroll
from tests.enrollment.conftest import page_text


def test_steps_2_and_3_need_step_1(enroll: Enroll) -> None:
    for path in ("/creation-compte/code-personnel", "/creation-compte/coordonnees"):
        response = enroll.client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == "/creation-compte/"


def test_step_2_lists_every_rule_and_the_strength_indicator(enroll: Enroll) -> None:
    enroll.step1()

    text = page_text(enroll.client.get("/creation-compte/code-personnel"))

    for rule in (
        "comporter entre 8 et 50 caractères",
        "Niveau indicatif de sécurité",
        "Étape 2 sur 3",
        "Mon nouveau code",
        "Confirmer mon nouveau code",
    ):
        assert rule in text


def test_a_code_breaking_rules_is_refused_with_each_broken_rule_named(enroll: Enroll) -> None:
    enroll.step1()

    response = enroll.step2("motdepasse")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'fr-message--error" data-rule="letters_case"' in html
    assert 'fr-message--error" data-rule="digit_or_special"' in html
    assert 'fr-message--valid" data-rule="length"' in html
    assert 'value="motdepasse"' not in html  # secrets are never sent back


def test_a_code_containing_the_nir_or_the_birth_date_is_refused(enroll: Enroll) -> None:
    enroll.step1()

    assert enroll.step2("Abc-1812x-Zz").status_code == 422
    assert enroll.step2("Abc-2122x-Zz").status_code == 422


def test_a_confirmation_that_differs_is_refused(enroll: Enroll) -> None:
    enroll.step1()

    response = enroll.step2(confirmation="Ameli-Demo-2026?")

    assert response.status_code == 422
    assert "Les deux codes saisis ne sont pas identiques" in page_text(response)


def test_the_live_check_answers_rules_and_strength_as_json(enroll: Enroll) -> None:
    enroll.step1()

    answer = enroll.client.post(
        "/creation-compte/code-personnel/verification",
        json={"password": "Password1", "confirmation": "Password1"},
    ).json

    assert answer is not None
    assert answer["acceptable"] is False
    assert answer["strength"]["score"] == 0
    assert answer["confirmation_matches"] is True
    assert {rule["code"] for rule in answer["rules"]} >= {"length", "allowed_characters"}


def test_the_whole_journey_creates_a_pending_account_and_signs_the_person_out(
    app: Flask, enroll: Enroll, clock: FrozenClock
) -> None:
    enroll.through_step2()

    response = enroll.step3(
        "  Pierre.Venturi@EXAMPLE.org ",
        mobile_phone="06 12 34 56 78",
        landline_phone="04 73 12 34 56",
        marketing_consent="y",
    )

    assert response.headers["Location"] == "/creation-compte/consultez-votre-messagerie"
    account = db.session.scalars(select(Account)).one()
    assert account.status is AccountStatus.PENDING
    assert account.enrollment_path is EnrollmentPath.VITALE_IBAN
    assert account.email == "Pierre.Venturi@example.org"
    assert account.email_canonical == "pierre.venturi@example.org"
    assert (account.mobile_phone, account.landline_phone) == ("+33612345678", "+33473123456")
    assert account.marketing_consent_at == clock.now()
    assert account.password_hash.startswith("$argon2id$")
    with enroll.client.session_transaction() as session:
        assert "enrollment.wizard" not in session
    text = page_text(enroll.client.get(response.headers["Location"]))
    assert "Consultez votre messagerie" in text and "Pierre.Venturi@example.org" in text


def test_consent_is_unchecked_by_default_and_stored_as_absent(enroll: Enroll) -> None:
    enroll.through_step2()
    html = enroll.client.get("/creation-compte/coordonnees").get_data(as_text=True)
    checkbox = html.split('id="marketing_consent"')[1].split(">")[0]
    assert "checked" not in checkbox

    enroll.step3()

    assert db.session.scalars(select(Account)).one().marketing_consent_at is None


def test_back_and_forward_keep_what_was_typed_except_secrets(enroll: Enroll) -> None:
    enroll.through_step2()
    enroll.client.post(
        "/creation-compte/coordonnees",
        data={"email": "typed@example.org", "mobile_phone": "06 12 34 56 78", "action": "back"},
    )

    step2 = enroll.client.get("/creation-compte/code-personnel").get_data(as_text=True)
    step1 = enroll.client.get("/creation-compte/carte-vitale").get_data(as_text=True)
    step3 = enroll.client.get("/creation-compte/coordonnees").get_data(as_text=True)

    assert "Vous avez déjà choisi un code personnel" in step2
    assert 'value="Ameli' not in step2
    assert 'value="1 62 12 2B 010 001 03"' in step1 and 'value="0G02443"' in step1
    assert 'value="typed@example.org"' in step3 and 'value="06 12 34 56 78"' in step3


def test_contact_errors_are_specific_and_keep_the_typed_values(enroll: Enroll) -> None:
    enroll.through_step2()

    response = enroll.step3("pas-une-adresse", mobile_phone="01 23 45 67 89", landline_phone="12")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("email", "mobile_phone", "landline_phone"):
        assert f'id="{field}-error"' in html
    assert 'value="pas-une-adresse"' in html and "Erreur : 3 erreurs" in html


def test_an_address_already_used_is_refused_whatever_its_case(app: Flask, enroll: Enroll) -> None:
    enroll.complete()
    other = Enroll(app.test_client())
    other.through_step2("278043818574771")

    response = other.step3(GOOD_EMAIL.upper())

    assert response.status_code == 422
    assert "Cette adresse électronique est déjà utilisée" in page_text(response)


def test_a_second_enrollment_for_the_same_nir_gets_the_sign_in_link(
    app: Flask, enroll: Enroll
) -> None:
    enroll.complete()

    response = Enroll(app.test_client()).step1()

    assert response.status_code == 403
    assert "Vous avez déjà un compte ameli" in page_text(response)
    assert 'href="/connexion"' in response.get_data(as_text=True)


def test_a_double_submit_of_step_3_creates_one_account(enroll: Enroll) -> None:
    enroll.through_step2()
    with enroll.client.session_transaction() as session:
        wizard = session["enrollment.wizard"]

    first = enroll.step3()
    with enroll.client.session_transaction() as session:
        session["enrollment.wizard"] = wizard  # the same form, sent again
    second = enroll.step3()

    assert first.headers["Location"] == second.headers["Location"]
    assert len(db.session.scalars(select(Account)).all()) == 1


def test_the_live_check_is_rate_limited(app: Flask, enroll: Enroll) -> None:
    reconfigure(app, ENROLLMENT_PASSWORD_CHECKS="3/minute")
    enroll.step1()
    for _ in range(3):
        assert (
            enroll.client.post(
                "/creation-compte/code-personnel/verification", json={"password": "x"}
            ).status_code
            == 200
        )

    response = enroll.client.post(
        "/creation-compte/code-personnel/verification", json={"password": "x"}
    )

    assert response.status_code == 429
    assert response.json == {"error": "too_many_checks"}


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "text",
        {"password": None},
        {"password": 12},
        {"password": "é" * 5000},
        {"password": "\ud800"},
        {"confirmation": {"a": 1}},
    ],
)
def test_the_live_check_never_fails_on_odd_input(enroll: Enroll, payload: Any) -> None:
    enroll.step1()

    response = enroll.client.post("/creation-compte/code-personnel/verification", json=payload)

    assert response.status_code == 200
    assert response.json is not None and response.json["acceptable"] is False


def test_the_live_indicator_gets_its_texts_in_the_page_language(enroll: Enroll) -> None:
    enroll.step1()

    english = enroll.client.get(
        "/creation-compte/code-personnel", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)

    assert "data-code-personnel-texts=" in english
    assert "The two codes entered match." in english and "respecté" not in english
