"""Enrollment with FranceConnect (SPEC §5.3): the NIR page, matching, exclusions, the shared
steps with the e-mail pre-filled, the ``sub`` on the account, and FranceConnect logout."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from accounts.errors import AccountAlreadyExists
from accounts.models import Account
from accounts.models import EnrollmentPath
from accounts.sessions import MAILBOX
from core.db import db
from core.fields import FieldErrors
from enrollment import franceconnect_path
from enrollment.errors import IdentityNotRecognised
from enrollment.errors import NirNotCertified
from enrollment.errors import RegimeNotEligible
from franceconnect import session as fc_session
from franceconnect.identity import PivotIdentity
from franceconnect.sandbox.identities import BY_LOGIN
from tests.conftest import reconfigure
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import page_text
from tests.franceconnect.conftest import FC_SETTINGS
from tests.franceconnect.conftest import POST_LOGOUT_REDIRECT_URI
from tests.franceconnect.conftest import SUB
from tests.franceconnect.conftest import FakeFranceConnect

NIR_PAGE = "/creation-compte/franceconnect/numero"
IP = "192.0.2.7"
# Sandbox login -> NIR of the demo registry row (enrollment/data/README.md, rows 32-40).
SANDBOX_ROWS = {
    "test": "262087510789179",
    "avec_nom_dusage": "169039527774631",
    "nom_composé": "281071301276596",
    "caractères_spéciaux": "292087511736893",
    "test_CORSE_2A": "181022A00458929",
    "test_CORSE_2B": "181022B05071703",
    "naissance_Espagne": "282029913482932",
    "étranger_présumé_né_jour": "192119921712881",
    "étranger_présumé_né_jour_et_mois": "192209921710158",
}


def identity_of(login: str, **changes: str) -> PivotIdentity:
    claims = BY_LOGIN[login].claims()
    identity = PivotIdentity(
        sub=SUB,
        preferred_username=claims.pop("preferred_username", None),
        **claims,
    )
    return dataclasses.replace(identity, **changes)


def signed_in(client: FlaskClient, identity: PivotIdentity) -> None:
    """Put the browser where the FranceConnect callback leaves it."""
    with client.session_transaction() as session:
        session[fc_session.IDENTITY] = identity.to_json()
        session[fc_session.ID_TOKEN] = "header.payload.signature"


@pytest.mark.parametrize(("login", "nir"), SANDBOX_ROWS.items())
def test_every_sandbox_identity_matches_its_registry_row(
    registry: None, login: str, nir: str
) -> None:
    person = franceconnect_path.match(identity_of(login), nir, IP)

    assert person.nir == nir
    assert person.path is EnrollmentPath.FRANCECONNECT
    assert person.franceconnect_sub == SUB
    assert person.suggested_email == BY_LOGIN[login].email


@pytest.mark.parametrize(
    "changes",
    [
        {"family_name": "DUPONT"},
        {"family_name": "MERCIER"},  # the usage name is not the birth name
        {"given_name": "Claire Angela Louise"},
        {"birthdate": "1962-08-25"},
        {"birthdate": "1962-09-24"},
        {"birthdate": "1963-08-24"},
        {"birthdate": "1962-00-25"},
        {"gender": "male"},
        {"birthplace": "75108"},
        {"birthplace": "", "birthcountry": "99134"},
    ],
)
def test_any_difference_gets_the_generic_message(registry: None, changes: dict[str, str]) -> None:
    with pytest.raises(IdentityNotRecognised):
        franceconnect_path.match(identity_of("test", **changes), "262087510789179", IP)


def test_names_compare_like_path_a(registry: None) -> None:
    identity = identity_of("caractères_spéciaux", family_name="dubinore", given_name="JOELLE")

    person = franceconnect_path.match(identity, "2 92 08 75 117 368 93", IP)

    assert person.family_name == "DUBINÔRE"


def test_born_abroad_must_match_the_country(registry: None) -> None:
    identity = identity_of("naissance_Espagne", birthcountry="99127")

    with pytest.raises(IdentityNotRecognised):
        franceconnect_path.match(identity, "282029913482932", IP)


def test_an_unknown_nir_gets_the_generic_message(registry: None) -> None:
    with pytest.raises(IdentityNotRecognised):
        franceconnect_path.match(identity_of("test"), "1 85 05 75 056 017 97", IP)


def test_a_malformed_nir_gets_its_own_message(registry: None) -> None:
    with pytest.raises(FieldErrors) as caught:
        franceconnect_path.match(identity_of("test"), "2 62 08 75 107 891", IP)

    assert [error.code for error in caught.value.errors.values()] == ["nir.key_missing"]


@pytest.mark.parametrize(
    ("nir", "refusal"),
    [("158031501433966", RegimeNotEligible), ("294089924300207", NirNotCertified)],
)
def test_exclusions_1_and_2_apply(registry: None, nir: str, refusal: type[Exception]) -> None:
    record_identity = {
        "158031501433966": identity_of(
            "test",
            family_name="PERRIN",
            given_name="Bernard Louis",
            birthdate="1958-03-05",
            gender="male",
            birthplace="15014",
        ),
        "294089924300207": identity_of(
            "test",
            family_name="NGUYEN",
            given_name="Thi Lan",
            birthdate="1994-08-07",
            birthplace="",
            birthcountry="99243",
        ),
    }[nir]

    with pytest.raises(refusal):
        franceconnect_path.match(record_identity, nir, IP)


def test_five_mismatches_block_the_nir(app: Flask, registry: None) -> None:
    wrong = identity_of("test", gender="male")
    for _ in range(5):
        with pytest.raises(IdentityNotRecognised):
            franceconnect_path.match(wrong, "262087510789179", IP)

    client = app.test_client()
    signed_in(client, identity_of("test"))
    response = client.post(NIR_PAGE, data={"nir": "262087510789179"})

    assert response.status_code == 422
    assert "Trop de tentatives infructueuses" in page_text(response)


def test_the_nir_page_needs_a_franceconnect_sign_in(client: FlaskClient) -> None:
    response = client.get(NIR_PAGE)

    assert response.status_code == 302
    assert response.headers["Location"] == "/creation-compte/#franceconnect"


def test_the_nir_page_shows_the_identity_read_only(client: FlaskClient) -> None:
    signed_in(client, identity_of("avec_nom_dusage"))

    response = client.get(NIR_PAGE)

    assert response.status_code == 200
    text = page_text(response)
    assert "Nom de naissance MERCIER" in text
    assert "Nom d'usage DUBOIS" in text
    assert "Date de naissance 17/03/1969" in text
    assert "Mon n° de sécurité sociale" in text
    assert "Étape 1 sur 3" in text


def test_a_mismatch_on_the_nir_page_gets_the_generic_message(
    client: FlaskClient, registry: None
) -> None:
    signed_in(client, identity_of("test"))

    response = client.post(NIR_PAGE, data={"nir": "1 69 03 95 277 746 31"})

    assert response.status_code == 422
    assert "ne permettent pas de vous identifier" in page_text(response)
    assert 'value="1 69 03 95 277 746 31"' in response.get_data(as_text=True)


def test_an_existing_account_is_told_on_the_nir_page(client: FlaskClient, registry: None) -> None:
    signed_in(client, identity_of("test"))
    assert client.post(NIR_PAGE, data={"nir": "262087510789179"}).status_code == 302
    client.post(
        "/creation-compte/code-personnel",
        data={"password": GOOD_PASSWORD, "confirmation": GOOD_PASSWORD},
    )
    client.post("/creation-compte/coordonnees", data={"email": "angela@example.org"})
    signed_in(client, identity_of("test"))

    response = client.post(NIR_PAGE, data={"nir": "262087510789179"})

    assert response.status_code == 403
    assert f'data-refusal="{AccountAlreadyExists.code}"' in response.get_data(as_text=True)


def _through_step2(client: FlaskClient, login: str = "test") -> None:
    signed_in(client, identity_of(login))
    response = client.post(NIR_PAGE, data={"nir": SANDBOX_ROWS[login]})
    assert response.headers["Location"] == "/creation-compte/code-personnel"
    page = client.get("/creation-compte/code-personnel").get_data(as_text=True)
    assert f'href="{NIR_PAGE}">Retour</a>' in page
    response = client.post(
        "/creation-compte/code-personnel",
        data={"password": GOOD_PASSWORD, "confirmation": GOOD_PASSWORD},
    )
    assert response.headers["Location"] == "/creation-compte/coordonnees"


def test_step_3_prefills_the_franceconnect_email(client: FlaskClient, registry: None) -> None:
    _through_step2(client)

    page = client.get("/creation-compte/coordonnees").get_data(as_text=True)

    assert 'value="wossewodda-3728@yopmail.com"' in page


def test_the_account_records_the_sub_and_the_person_leaves_franceconnect(
    app: Flask, client: FlaskClient, registry: None, provider: FakeFranceConnect
) -> None:
    reconfigure(app, **FC_SETTINGS)
    _through_step2(client)

    response = client.post("/creation-compte/coordonnees", data={"email": "angela@example.org"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/franceconnect/deconnexion"
    account = db.session.scalars(select(Account).where(Account.nir == "262087510789179")).one()
    assert account.franceconnect_sub == SUB
    assert account.enrollment_path is EnrollmentPath.FRANCECONNECT
    with client.session_transaction() as session:
        assert set(session) == {MAILBOX, fc_session.ID_TOKEN, fc_session.AFTER_LOGOUT}

    response = client.get("/franceconnect/deconnexion")

    location = urlsplit(response.headers["Location"])
    assert (
        f"{location.scheme}://{location.netloc}{location.path}"
        == (FakeFranceConnect.discovery()["end_session_endpoint"])
    )
    query = parse_qs(location.query)
    assert query["id_token_hint"] == ["header.payload.signature"]
    assert query["post_logout_redirect_uri"] == [POST_LOGOUT_REDIRECT_URI]
    state = query["state"][0]

    response = client.get("/franceconnect/deconnexion/retour", query_string={"state": state})

    assert response.status_code == 302
    assert response.headers["Location"] == "/creation-compte/consultez-votre-messagerie"
    page = page_text(client.get(response.headers["Location"]))
    assert "Consultez votre messagerie" in page and "angela@example.org" in page
    with client.session_transaction() as session:
        assert set(session) == {MAILBOX}


@pytest.mark.parametrize("state", ["", "0" * 64])
def test_a_wrong_logout_state_is_refused(
    app: Flask, client: FlaskClient, provider: FakeFranceConnect, state: str
) -> None:
    reconfigure(app, **FC_SETTINGS)
    signed_in(client, identity_of("test"))
    with client.session_transaction() as session:
        session[fc_session.AFTER_LOGOUT] = "/creation-compte/consultez-votre-messagerie"
    assert client.get("/franceconnect/deconnexion").status_code == 302

    response = client.get("/franceconnect/deconnexion/retour", query_string={"state": state})

    assert response.status_code == 400
    text = page_text(response)
    assert "La déconnexion de FranceConnect n'a pas pu être confirmée" in text
    assert 'href="/creation-compte/consultez-votre-messagerie"' in response.get_data(as_text=True)


def test_a_path_a_enrollment_does_not_go_through_franceconnect(enroll: Any) -> None:
    response = enroll.complete()

    assert response.headers["Location"] == "/creation-compte/consultez-votre-messagerie"
