"""What the provider adds to the Basic OP plan: PKCE, consent, subjects, client settings,
revocation, introspection, logout, pending accounts and the ``ameli clients`` command."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from joserfc import jwt
from joserfc.jwk import ECKey

import keys
from accounts.models import Account
from accounts.models import AccountStatus
from idp.clients import register_client
from idp.models import Client
from tests.enrollment.conftest import page_text
from tests.idp.conftest import DUBOIS_NIR
from tests.idp.conftest import ISSUER
from tests.idp.conftest import POST_LOGOUT_URI
from tests.idp.conftest import REDIRECT_URI
from tests.idp.conftest import RelyingParty
from tests.idp.conftest import location
from tests.idp.conftest import make_account
from tests.idp.conftest import pkce_pair


@pytest.fixture
def public_partner(app: Flask, account: Account) -> RelyingParty:
    client, _ = register_client(
        name="Appli.example", redirect_uris=[REDIRECT_URI], auth_method="none"
    )
    return RelyingParty(app.test_client(), client, None)


# PKCE ---------------------------------------------------------------------------------


def test_pkce_s256_is_checked(public_partner: RelyingParty) -> None:
    verifier, challenge = pkce_pair()
    code = public_partner.code(code_challenge=challenge, code_challenge_method="S256")

    response = public_partner.token(code, code_verifier=verifier)

    assert response.status_code == 200, response.get_data(as_text=True)


def test_pkce_wrong_verifier_is_an_invalid_grant(public_partner: RelyingParty) -> None:
    _, challenge = pkce_pair()
    code = public_partner.code(code_challenge=challenge, code_challenge_method="S256")

    response = public_partner.token(code, code_verifier=pkce_pair()[0])

    assert response.get_json()["error"] == "invalid_grant"


def test_pkce_is_mandatory_for_public_clients(public_partner: RelyingParty) -> None:
    target, query = location(public_partner.authorize())

    assert target == REDIRECT_URI
    assert query["error"] == "invalid_request" and query["state"] == "etat-123"


@pytest.mark.parametrize("method", ["plain", None])
def test_pkce_plain_is_refused(partner: RelyingParty, method: str | None) -> None:
    response = partner.authorize(code_challenge="a" * 43, code_challenge_method=method)

    target, query = location(response)

    assert target == REDIRECT_URI
    assert query["error"] == "invalid_request" and query["state"] == "etat-123"


def test_pkce_verifier_without_challenge_is_refused(partner: RelyingParty) -> None:
    response = partner.token(partner.code(), code_verifier=pkce_pair()[0])

    assert response.get_json()["error"] == "invalid_request"


# Consent ------------------------------------------------------------------------------


def test_consent_page_lists_what_the_partner_receives(partner: RelyingParty) -> None:
    response = partner.follow(partner.sign_in(partner.authorize(scope="openid email birth")))

    text = page_text(response)
    assert "Autoriser Impots.example" in text
    for label in ("votre adresse électronique", "votre lieu de naissance", "votre pays"):
        assert label in text


def test_refused_consent_is_access_denied(partner: RelyingParty) -> None:
    page = partner.follow(partner.sign_in(partner.authorize()))

    target, query = location(partner.consent(page, decision="refuse"))

    assert target == REDIRECT_URI
    assert query == {
        "error": "access_denied",
        "error_description": "The resource owner or authorization server denied the request",
        "state": "etat-123",
    }


def test_consent_is_remembered_per_scope(signed_in: RelyingParty) -> None:
    assert location(signed_in.authorize())[0] == REDIRECT_URI

    response = signed_in.authorize(scope="openid phone")

    assert response.status_code == 200 and "votre numéro de téléphone" in page_text(response)


def test_prompt_consent_asks_again(signed_in: RelyingParty) -> None:
    response = signed_in.authorize(prompt="consent")

    assert response.status_code == 200 and "J'autorise" in page_text(response)


def test_consent_revoked_from_the_account_page(signed_in: RelyingParty) -> None:
    tokens = signed_in.tokens()
    page = signed_in.browser.get("/mon-compte")
    assert "Impots.example" in page_text(page)
    consent_id = page.get_data(as_text=True).split("/mon-compte/autorisations/", 1)[1]
    consent_id = consent_id.split("/", 1)[0]

    response = signed_in.browser.post(f"/mon-compte/autorisations/{consent_id}/retrait")

    assert location(response)[0] == "/mon-compte"
    assert signed_in.userinfo(tokens["access_token"]).status_code == 401
    assert signed_in.authorize().status_code == 200


def test_trusted_client_skips_consent_and_gets_es256_and_jwt_userinfo(
    trusted_partner: RelyingParty,
) -> None:
    tokens = trusted_partner.tokens(scope="openid identite_pivot email")

    header = json.loads(
        __import__("base64").urlsafe_b64decode(tokens["id_token"].split(".")[0] + "==")
    )
    assert header["alg"] == "ES256"
    response = trusted_partner.userinfo(tokens["access_token"])
    assert response.mimetype == "application/jwt"
    claims = keys.verify(response.get_data(as_text=True), algorithms=["ES256"])
    assert claims["iss"] == ISSUER and claims["aud"] == trusted_partner.client_id
    assert claims["sub"] == keys.verify(tokens["id_token"])["sub"]
    assert claims["given_name"] == "Pierre Jean" and claims["birthplace"] == "2B010"
    assert claims["birthcountry"] == "99100" and claims["email_verified"] is True


# Subjects -----------------------------------------------------------------------------


def _other_partner(app: Flask, browser: Any, **settings: Any) -> RelyingParty:
    client, secret = register_client(
        name="Retraite.example", redirect_uris=["https://retraite.example/cb"], **settings
    )
    return RelyingParty(browser, client, secret, "https://retraite.example/cb")


def test_subjects_are_pairwise_per_sector(app: Flask, partner: RelyingParty) -> None:
    other = _other_partner(app, partner.browser)

    first = keys.verify(partner.tokens()["id_token"])["sub"]
    second = keys.verify(other.tokens()["id_token"])["sub"]

    assert first != second


def test_same_sector_same_subject(app: Flask, partner: RelyingParty) -> None:
    other = _other_partner(app, partner.browser, sector_identifier="partenaire.example")

    first = keys.verify(partner.tokens()["id_token"])["sub"]

    assert keys.verify(other.tokens()["id_token"])["sub"] == first


def test_public_subjects_are_shared(app: Flask, partner: RelyingParty) -> None:
    one = _other_partner(app, partner.browser, subject_type="public")
    client, secret = register_client(
        name="Ants.example", redirect_uris=["https://ants.example/cb"], subject_type="public"
    )
    two = RelyingParty(partner.browser, client, secret, "https://ants.example/cb")

    assert (
        keys.verify(one.tokens()["id_token"])["sub"] == keys.verify(two.tokens()["id_token"])["sub"]
    )


# Accounts -----------------------------------------------------------------------------


def test_pending_account_goes_to_the_activation_page(app: Flask, partner: RelyingParty) -> None:
    make_account(DUBOIS_NIR, AccountStatus.PENDING)

    response = partner.sign_in(partner.authorize(), nir=DUBOIS_NIR)

    assert location(response)[0] == "/connexion/activation"
    assert location(partner.authorize(prompt="none"))[1]["error"] == "login_required"


def test_wrong_code_personnel_gets_the_generic_message(partner: RelyingParty) -> None:
    _, query = location(partner.authorize())

    response = partner.browser.post(
        "/connexion", data={"nir": "162122B010001", "password": "Faux-123!", "next": query["next"]}
    )

    assert response.status_code == 422
    assert "Numéro de sécurité sociale ou code personnel incorrect" in page_text(response)


def test_single_sign_on_across_clients(app: Flask, signed_in: RelyingParty) -> None:
    other = _other_partner(app, signed_in.browser, trusted=True)

    target, query = location(other.authorize())

    assert target == "https://retraite.example/cb" and "code" in query


# Revocation and introspection ---------------------------------------------------------


def _basic(rp: RelyingParty) -> dict[str, str]:
    raw = f"{rp.client_id}:{rp.secret}".encode()
    return {"Authorization": "Basic " + __import__("base64").b64encode(raw).decode()}


def test_revocation_of_an_access_token(partner: RelyingParty) -> None:
    tokens = partner.tokens()

    response = partner.browser.post(
        "/revocation", data={"token": tokens["access_token"]}, headers=_basic(partner)
    )

    assert response.status_code == 200
    assert partner.userinfo(tokens["access_token"]).status_code == 401


def test_revocation_of_a_refresh_token_revokes_its_family(partner: RelyingParty) -> None:
    tokens = partner.tokens(scope="openid offline_access")

    partner.browser.post(
        "/revocation",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        headers=_basic(partner),
    )

    assert partner.userinfo(tokens["access_token"]).status_code == 401
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert partner.token_request(refresh).get_json()["error"] == "invalid_grant"


def test_revocation_of_an_unknown_token_is_fine(partner: RelyingParty) -> None:
    response = partner.browser.post("/revocation", data={"token": "x"}, headers=_basic(partner))

    assert response.status_code == 200


def test_introspection(partner: RelyingParty) -> None:
    tokens = partner.tokens(scope="openid profile")

    active = partner.browser.post(
        "/introspection", data={"token": tokens["access_token"]}, headers=_basic(partner)
    ).get_json()
    unknown = partner.browser.post(
        "/introspection", data={"token": "inconnu"}, headers=_basic(partner)
    ).get_json()

    assert active["active"] is True
    assert active["client_id"] == partner.client_id and active["scope"] == "openid profile"
    assert active["sub"] == keys.verify(tokens["id_token"])["sub"]
    assert unknown == {"active": False}


def test_introspection_needs_client_authentication(partner: RelyingParty) -> None:
    response = partner.browser.post("/introspection", data={"token": "x"})

    assert response.status_code == 401


# RP-initiated logout ------------------------------------------------------------------


def test_end_session_with_id_token_hint(signed_in: RelyingParty) -> None:
    id_token = signed_in.tokens()["id_token"]
    query = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": POST_LOGOUT_URI,
        "state": "au-revoir",
    }

    response = signed_in.browser.get("/fin-de-session?" + urlencode(query))

    assert location(response) == (POST_LOGOUT_URI, {"state": "au-revoir"})
    assert location(signed_in.authorize(prompt="none"))[1]["error"] == "login_required"


def test_end_session_without_hint_asks_for_confirmation(signed_in: RelyingParty) -> None:
    page = signed_in.browser.get("/fin-de-session")
    assert page.status_code == 200 and "Je me déconnecte" in page_text(page)
    assert location(signed_in.authorize(prompt="none"))[1].get("code")

    done = signed_in.browser.post("/fin-de-session", data={})

    assert done.status_code == 200 and "Vous êtes déconnecté" in page_text(done)
    assert location(signed_in.authorize(prompt="none"))[1]["error"] == "login_required"


def test_end_session_never_redirects_to_an_unregistered_uri(signed_in: RelyingParty) -> None:
    query = {
        "id_token_hint": signed_in.tokens()["id_token"],
        "post_logout_redirect_uri": "https://attaquant.example/",
    }

    response = signed_in.browser.get("/fin-de-session?" + urlencode(query))

    assert response.status_code == 200 and "Location" not in response.headers


def test_end_session_with_a_bad_hint_is_an_error_page(signed_in: RelyingParty) -> None:
    response = signed_in.browser.get("/fin-de-session?id_token_hint=abc")

    assert response.status_code == 400 and "Location" not in response.headers


# private_key_jwt ----------------------------------------------------------------------


def test_private_key_jwt(app: Flask, account: Account) -> None:
    key = ECKey.generate_key("P-256", parameters={"kid": "rp-1"})
    client, _ = register_client(
        name="Cle.example",
        redirect_uris=[REDIRECT_URI],
        auth_method="private_key_jwt",
        jwks={"keys": [key.as_dict(private=False)]},
    )
    rp = RelyingParty(app.test_client(), client, None)
    now = int(time.time())

    def assertion() -> str:
        claims = {
            "iss": client.client_id,
            "sub": client.client_id,
            "aud": ISSUER + "/token",
            "iat": now,
            "exp": now + 60,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode({"alg": "ES256", "kid": "rp-1"}, claims, key)

    def token(value: str) -> Any:
        return rp.token(
            rp.code(),
            client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            client_assertion=value,
        )

    good = assertion()
    assert token(good).status_code == 200
    assert token(good).get_json()["error"] == "invalid_client"  # jti replayed
    assert rp.token(rp.code(), auth="none").get_json()["error"] == "invalid_client"


# ameli clients ------------------------------------------------------------------------


def test_clients_create_list_delete(app: Flask) -> None:
    runner = app.test_cli_runner()

    created = runner.invoke(
        args=[
            "clients",
            "create",
            "--name",
            "Mairie.example",
            "--redirect-uri",
            "https://mairie.example/cb",
            "--post-logout-redirect-uri",
            "https://mairie.example/",
            "--id-token-alg",
            "ES256",
            "--userinfo-alg",
            "RS256",
            "--scope",
            "openid",
            "--scope",
            "email",
        ]
    )

    assert created.exit_code == 0, created.output
    output = json.loads(created.stdout)  # log lines may go to stderr meanwhile
    stored = app.extensions["sqlalchemy"].session.scalar(
        __import__("sqlalchemy").select(Client).where(Client.client_id == output["client_id"])
    )
    assert output["client_secret"] and stored.secret_hash != output["client_secret"]
    assert stored.check_client_secret(output["client_secret"])
    assert output["scope"] == "openid email" and output["userinfo_signed_response_alg"] == "RS256"
    assert output["sector_identifier"] == "mairie.example"
    listed = runner.invoke(args=["clients", "list"])
    assert json.loads(listed.output) == {k: v for k, v in output.items() if k != "client_secret"}
    deleted = runner.invoke(args=["clients", "delete", output["client_id"]])
    assert deleted.exit_code == 0 and runner.invoke(args=["clients", "list"]).output == ""


def test_clients_create_refuses_private_key_jwt_without_keys(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "clients",
            "create",
            "--name",
            "X",
            "--redirect-uri",
            "https://x.example/cb",
            "--auth-method",
            "private_key_jwt",
        ]
    )

    assert result.exit_code == 2 and "private_key_jwt needs --jwks-uri" in result.output
