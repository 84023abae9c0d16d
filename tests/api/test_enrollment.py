"""The ameli app enrols a person with Carte Vitale + IBAN: the web's steps, rules and texts."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from accounts import code_personnel
from accounts import hashing
from accounts.errors import AccountAlreadyExists
from accounts.models import Account
from accounts.models import AccountStatus
from accounts.models import EnrollmentPath
from core.db import db
from core.nir import NirKeyMismatch
from enrollment.errors import IdentityNotRecognised
from enrollment.errors import NirNotCertified
from enrollment.errors import NoActiveVitaleCard
from enrollment.errors import NoBankDetails
from enrollment.errors import RegimeNotEligible
from tests.api.conftest import App
from tests.api.conftest import field_codes
from tests.api.conftest import problem
from tests.enrollment.conftest import GOOD_EMAIL
from tests.enrollment.conftest import VENTURI_NIR
from tests.enrollment.conftest import sent_mails

PERRIN_MSA = "158031501433966"
NGUYEN_UNCERTIFIED = "294089924300207"
LAMBERT_NO_IBAN = "285124410935241"
FONTAINE_INACTIVE_CARD = "160047654031046"
BONNET_NO_SERIAL = "299103155561695"
ROBIN_MARCHAND = "275033523801408"


def test_the_whole_journey_creates_a_pending_account_and_mails_the_link(
    app: Flask, app_client: App
) -> None:
    step1 = app_client.step1()
    assert step1.status_code == 200
    assert step1.get_json()["next"] == "password"
    assert step1.get_json()["person"] == {
        "family_name": "VENTURI",
        "usage_name": None,
        "given_names": "Pierre Jean",
    }
    assert step1.get_json()["expires_in"] == 30 * 60
    assert step1.headers["Cache-Control"] == "no-store"

    step2 = app_client.step2()
    assert step2.status_code == 200
    assert step2.get_json()["next"] == "contact"
    assert step2.get_json()["strength"]["score"] >= 1

    step3 = app_client.step3(mobile_phone="06 12 34 56 78", marketing_consent=True)
    assert step3.status_code == 201
    answer = step3.get_json()
    assert answer["activation"]["state"] == "awaiting_confirmation"
    assert answer["activation"]["email"] == "p***@example.org"
    assert answer["activation"]["sent_at"] == "2026-01-15T09:00:00Z"
    assert answer["activation"]["link_expires_at"] == "2026-01-22T09:00:00Z"
    assert answer["activation"]["address_kept_until"] == "2026-02-05T09:00:00Z"
    account = db.session.scalars(select(Account)).one()
    assert account.nir == VENTURI_NIR
    assert account.status is AccountStatus.PENDING
    assert account.enrollment_path is EnrollmentPath.VITALE_IBAN
    assert account.email == GOOD_EMAIL
    assert account.mobile_phone == "+33612345678"
    assert account.marketing_consent
    assert hashing.get_hasher().verify(account.password_hash, "Ameli-Demo-2026!")
    assert [mail["To"] for mail in sent_mails(app)] == [GOOD_EMAIL]


@pytest.mark.parametrize(
    ("overrides", "variant"),
    [
        ({"name": " VENTURÍ "}, "accent and spaces"),
        ({"nir": "1.62.12.2b.010.001.03"}, "dots and lower-case 2b"),
        ({"iban_tail": "0g02 443"}, "IBAN tail with a space, lower case"),
        ({"vitale_tail": "467.132.263.01"}, "Vitale tail with dots"),
    ],
)
def test_input_is_normalised_as_on_the_web(
    app_client: App, overrides: dict[str, str], variant: str
) -> None:
    assert app_client.step1(**overrides).status_code == 200, variant


def test_a_usage_name_is_accepted(app_client: App) -> None:
    assert app_client.step1(ROBIN_MARCHAND, name="marchand").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"name": ""}, "name", "name.required"),
        ({"name": "x" * 101}, "name", "name.malformed"),
        ({"nir": ""}, "nir", "nir.required"),
        ({"nir": "1621"}, "nir", "nir.malformed"),
        ({"nir": "1 62 12 2B 010 001"}, "nir", "nir.key_missing"),
        ({"nir": "1 62 12 2B 010 001 04"}, "nir", "nir.key_mismatch"),
        ({"nir": "7 62 12 2B 010 001 03"}, "nir", "nir.provisional"),
        ({"nir": "3 62 12 2B 010 001 03"}, "nir", "nir.out_of_range"),
        ({"birth_date": "1963-12-18"}, "nir", "nir.birth_date_mismatch"),
        ({"birth_date": ""}, "birth_date", "birth_date.required"),
        ({"birth_date": "18/12/1962"}, "birth_date", "birth_date.malformed"),
        ({"birth_date": "1962-02-30"}, "birth_date", "birth_date.impossible"),
        ({"birth_date": "1899-12-31"}, "birth_date", "birth_date.too_old"),
        ({"birth_date": "2030-01-01"}, "birth_date", "birth_date.in_future"),
        ({"postal_code": ""}, "postal_code", "postal_code.required"),
        ({"postal_code": "6300"}, "postal_code", "postal_code.malformed"),
        ({"iban_tail": ""}, "iban_tail", "iban_tail.required"),
        ({"iban_tail": "0G0244"}, "iban_tail", "iban_tail.malformed"),
        ({"vitale_tail": ""}, "vitale_tail", "vitale_tail.required"),
        ({"vitale_tail": "4671322630A"}, "vitale_tail", "vitale_tail.malformed"),
    ],
)
def test_each_malformed_field_gets_its_own_code_and_the_web_message(
    app_client: App, overrides: dict[str, str], field: str, code: str
) -> None:
    body = problem(app_client.step1(**overrides), 422, "fields.invalid")

    assert field_codes(body) == {field: [code]}


def test_field_messages_are_the_webs(app_client: App) -> None:
    body = problem(app_client.step1(nir="1 62 12 2B 010 001 04"), 422, "fields.invalid")

    assert body["errors"] == [
        {"field": "nir", "code": "nir.key_mismatch", "message": NirKeyMismatch.message}
    ]


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": "VENTURA"},
        {"nir": "2 95 10 99 126 111 93", "birth_date": "1995-10-01"},
        {"birth_date": "1962-12-19"},
        {"postal_code": "63001"},
        {"iban_tail": "0G02444"},
        {"vitale_tail": "46713226300"},
    ],
    ids=["name", "nir", "birth date", "postal code", "IBAN", "Vitale"],
)
def test_any_mismatch_gets_the_one_generic_problem(
    app_client: App, overrides: dict[str, str]
) -> None:
    body = problem(app_client.step1(**overrides), 422, "identity.not_recognised")

    assert body["detail"] == IdentityNotRecognised.message
    assert "errors" not in body


@pytest.mark.parametrize(
    ("row_nir", "status", "refusal"),
    [
        (PERRIN_MSA, 403, RegimeNotEligible),
        (NGUYEN_UNCERTIFIED, 403, NirNotCertified),
        (LAMBERT_NO_IBAN, 403, NoBankDetails),
        (FONTAINE_INACTIVE_CARD, 403, NoActiveVitaleCard),
        (BONNET_NO_SERIAL, 403, NoActiveVitaleCard),
    ],
)
def test_each_exclusion_has_its_code_message_and_guidance(
    app_client: App, row_nir: str, status: int, refusal: type[Any]
) -> None:
    body = problem(app_client.step1(row_nir), status, refusal.code)

    assert body["detail"] == refusal.message
    assert body["guidance"] == list(refusal.guidance)


def test_a_second_enrollment_of_the_same_person_is_told_to_sign_in(app_client: App) -> None:
    app_client.complete()

    body = problem(app_client.step1(), 409, "exclusion.account_exists")

    assert body["detail"] == AccountAlreadyExists.message
    assert body["guidance"] == ["sign_in"]


@pytest.mark.parametrize(
    ("password", "confirmation", "expected"),
    [
        ("Zq8!vT", "Zq8!vT", {"password": ["password.length"]}),
        ("amelidemo2026!", "amelidemo2026!", {"password": ["password.letters_case"]}),
        ("AmeliDemoDeux", "AmeliDemoDeux", {"password": ["password.digit_or_special"]}),
        ("Améli-Démo-2026", "Améli-Démo-2026", {"password": ["password.allowed_characters"]}),
        ("Ameli-1621-Demo!", "Ameli-1621-Demo!", {"password": ["password.no_nir"]}),
        ("Ameli-18/12-Demo!", "Ameli-18/12-Demo!", {"password": ["password.no_birth_date"]}),
        ("Password1", "Password1", {"password": ["password.too_weak"]}),
        (
            "Ameli-Demo-2026!",
            "Ameli-Demo-2027!",
            {"confirmation": ["password.confirmation_mismatch"]},
        ),
        (
            "",
            "x",
            {
                "password": [
                    "password.length",
                    "password.letters_case",
                    "password.digit_or_special",
                    "password.too_weak",
                ],
                "confirmation": ["password.confirmation_mismatch"],
            },
        ),
    ],
)
def test_step_2_lists_every_broken_rule_with_its_code(
    app_client: App, password: str, confirmation: str, expected: dict[str, list[str]]
) -> None:
    app_client.step1()

    body = problem(app_client.step2(password, confirmation), 422, "fields.invalid")

    assert field_codes(body) == expected


def test_the_live_check_answers_the_webs_verdict(app_client: App) -> None:
    app_client.step1()

    response = app_client.check_password({"password": "Ameli-1621", "confirmation": "Ameli"})

    assert response.status_code == 200
    verdict = response.get_json()
    assert verdict["acceptable"] is False
    assert {rule["code"]: rule["ok"] for rule in verdict["rules"]} == {
        "length": True,
        "letters_case": True,
        "digit_or_special": True,
        "allowed_characters": True,
        "no_nir": False,
        "no_birth_date": True,
    }
    assert verdict["confirmation_matches"] is False
    assert {"code": "password.no_nir", "message": code_personnel.RULES[4].message} in verdict[
        "errors"
    ]


def test_the_rules_are_published_with_the_pages_labels(app_client: App) -> None:
    response = app_client.client.get("/api/v1/enrollment/password-rules")

    assert response.status_code == 200
    assert [rule["label"] for rule in response.get_json()["rules"]] == [
        rule.label for rule in code_personnel.RULES
    ]
    assert response.get_json()["min_length"] == 8
    assert response.get_json()["max_length"] == 50


def test_step_3_before_step_2_is_refused(app_client: App) -> None:
    app_client.step1()

    problem(app_client.step3(), 409, "enrollment.password_required")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"email": ""}, {"email": ["email.required"]}),
        ({"email": "pierre@@example.org"}, {"email": ["email.malformed"]}),
        ({"mobile_phone": "01 23 45 67 89"}, {"mobile_phone": ["mobile_phone.malformed"]}),
        ({"landline_phone": "12"}, {"landline_phone": ["landline_phone.malformed"]}),
    ],
)
def test_contact_errors_have_their_codes(
    app_client: App, fields: dict[str, str], expected: dict[str, list[str]]
) -> None:
    app_client.through_step2()

    body = problem(
        app_client.step3(**{"email": "pierre.venturi@example.org", **fields}), 422, "fields.invalid"
    )

    assert field_codes(body) == expected


def test_an_address_already_used_is_refused_whatever_its_case(app_client: App) -> None:
    app_client.complete(email="Famille@Example.org")
    app_client.through_step2(ROBIN_MARCHAND)

    body = problem(app_client.step3("famille@EXAMPLE.org"), 422, "fields.invalid")

    assert field_codes(body) == {"email": ["email.already_used"]}


def test_a_retried_step_3_gets_the_same_answer_and_one_account(app: Flask, app_client: App) -> None:
    app_client.through_step2()

    first = app_client.step3()
    again = app_client.step3()

    assert first.status_code == again.status_code == 201
    assert again.get_json()["activation"] == first.get_json()["activation"]
    assert len(db.session.scalars(select(Account)).all()) == 1
    assert len(sent_mails(app)) == 1


def test_a_token_of_a_finished_enrollment_is_refused_at_every_step(app_client: App) -> None:
    app_client.through_step2()
    token = app_client.enrollment_token
    app_client.step3()

    for response in (
        app_client.check_password({"password": "x"}, token=token),
        app_client.step2(token=token),
        app_client.step3("autre@example.org", token=token),
    ):
        body = problem(response, 409, "enrollment.finished")
        assert body["guidance"] == ["sign_in"]
