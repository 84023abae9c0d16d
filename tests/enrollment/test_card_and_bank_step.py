"""Step 1 of the Carte Vitale + IBAN path, as a person meets it on the web."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.enrollment.conftest import Enroll
from tests.enrollment.conftest import page_text

GENERIC = "Les informations saisies ne permettent pas de vous identifier"


def test_the_seed_example_passes_step_1(enroll: Enroll) -> None:
    response = enroll.step1()

    assert response.status_code == 302
    assert response.headers["Location"] == "/creation-compte/code-personnel"


def test_the_form_shows_the_seed_labels_and_the_no_serial_link(client: FlaskClient) -> None:
    text = page_text(client.get("/creation-compte/carte-vitale"))

    for label in (
        "Mon nom",
        "Mon n° de sécurité sociale",
        "Ma date de naissance",
        "Mon code postal",
        "Les 7 derniers caractères de mon IBAN",
        "Les 11 derniers chiffres du numéro de série de ma carte Vitale",
        "Je ne dispose pas du numéro de série de ma carte Vitale",
        "Étape 1 sur 3",
    ):
        assert label in text


def test_the_no_serial_page_offers_the_caisse_and_franceconnect(client: FlaskClient) -> None:
    text = page_text(client.get("/creation-compte/sans-numero-de-serie"))

    assert "Contacter votre caisse" in text
    assert "Créer votre compte avec FranceConnect" in text


@pytest.mark.parametrize(
    ("overrides", "variant"),
    [
        ({"name": "Venturi"}, "case"),
        ({"name": " VENTURÍ "}, "accent and spaces"),
        ({"nir": "1.62.12.2b.010.001.03"}, "dots and lower-case 2b"),
        ({"nir": "1-62-12-2B-010-001-03"}, "dashes"),
        ({"iban_tail": "0g02 443"}, "IBAN tail with a space, lower case"),
        ({"vitale_tail": "467.132.263.01"}, "Vitale tail with dots"),
        ({"birth_date": "18/12/1962"}, "birth date"),
    ],
)
def test_input_is_normalised_before_matching(
    enroll: Enroll, overrides: dict[str, str], variant: str
) -> None:
    assert enroll.step1(**overrides).status_code == 302, variant


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Saisissez"),
        ("nir", "", "Saisissez"),
        ("nir", "1621 22B0 10001", "ajoutez les 2 chiffres de la clé"),
        ("nir", "1 62 12 2B 010 001 04", "n'est pas valide"),
        ("nir", "7 62 12 2B 010 001 03", "provisoire"),
        ("nir", "1 62 12 2B 010 001", "ajoutez les 2 chiffres de la clé"),
        ("birth_date", "31/02/1962", "n'existe pas"),
        ("birth_date", "1962-12-18", "JJ/MM/AAAA"),
        ("birth_date", "18/12/2999", "futur"),
        ("postal_code", "6300", "5 chiffres"),
        ("iban_tail", "0G0244", "7 derniers caractères"),
        ("iban_tail", "0G0244!", "7 derniers caractères"),
        ("vitale_tail", "4671322630", "11 derniers chiffres"),
        ("vitale_tail", "4671322630A", "11 derniers chiffres"),
    ],
)
def test_each_malformed_field_gets_its_own_message_and_the_form_keeps_what_was_typed(
    enroll: Enroll, field: str, value: str, message: str
) -> None:
    response = enroll.step1(**{field: value})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message.lower() in page_text(response).lower()
    assert 'value="venturi"' in html.lower() or field == "name"
    assert "Erreur : 1 erreur" in html
    assert GENERIC not in page_text(response)


def test_a_birth_date_that_disagrees_with_the_nir_is_a_field_error(enroll: Enroll) -> None:
    response = enroll.step1(birth_date="18/11/1962")

    assert response.status_code == 422
    assert 'id="nir-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": "VENTURINI"},
        {"birth_date": "17/12/1962"},
        {"postal_code": "63001"},
        {"iban_tail": "0G02444"},
        {"vitale_tail": "46713226300"},
        {"nir": "1 62 12 2B 010 002 02"},  # well-formed, nobody's
    ],
)
def test_any_identity_mismatch_gets_the_one_generic_message(
    enroll: Enroll, overrides: dict[str, str]
) -> None:
    response = enroll.step1(**overrides)

    assert response.status_code == 422
    assert GENERIC in page_text(response)
    assert "fr-input--error" not in response.get_data(as_text=True)


def test_nothing_typed_is_lost_on_a_refusal(enroll: Enroll) -> None:
    html = enroll.step1(postal_code="63001").get_data(as_text=True)

    for value in (
        "venturi",
        "1 62 12 2B 010 001 03",
        "18/12/1962",
        "63001",
        "0G02443",
        "46713226301",
    ):
        assert f'value="{value}"' in html.replace("VENTURI", "venturi")


def test_five_failures_for_a_nir_block_it_with_the_time_to_try_again(enroll: Enroll) -> None:
    for _ in range(5):
        assert GENERIC in page_text(enroll.step1(postal_code="63001"))

    response = enroll.step1()  # even the right answers are refused while blocked

    assert response.status_code == 422
    text = page_text(response)
    assert "Trop de tentatives infructueuses" in text
    assert "réessayez à " in text


def test_the_block_is_per_nir_so_another_person_can_still_enrol(enroll: Enroll) -> None:
    for _ in range(5):
        enroll.step1(postal_code="63001")

    assert enroll.step1("278043818574771").status_code == 302
