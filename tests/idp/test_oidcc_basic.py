"""The OpenID Foundation's ``oidcc-basic-certification-test-plan``, one test per module.

Each test is named after the conformance module it plays (``oidcc-prompt-none-logged-in``
→ ``test_oidcc_prompt_none_logged_in``). Modules about flows this provider does not offer
(implicit, hybrid, ``address``) are played as the plan expects of a code-only provider.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask

import keys
from core.clock import FrozenClock
from idp.models import Client
from tests.enrollment.conftest import page_text
from tests.idp.conftest import ISSUER
from tests.idp.conftest import REDIRECT_URI
from tests.idp.conftest import RelyingParty
from tests.idp.conftest import location
from tests.idp.conftest import seconds


def id_token_claims(tokens: dict[str, Any]) -> dict[str, Any]:
    return keys.verify(tokens["id_token"])


def test_oidcc_server(app: Flask, partner: RelyingParty) -> None:
    discovery = partner.browser.get("/.well-known/openid-configuration").get_json()
    assert discovery["issuer"] == ISSUER
    assert discovery["authorization_endpoint"] == ISSUER + "/autorisation"
    assert discovery["token_endpoint"] == ISSUER + "/token"
    assert discovery["userinfo_endpoint"] == ISSUER + "/userinfo"
    assert discovery["jwks_uri"] == ISSUER + "/.well-known/jwks.json"
    assert discovery["end_session_endpoint"] == ISSUER + "/fin-de-session"
    assert discovery["response_types_supported"] == ["code"]
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["subject_types_supported"] == ["pairwise", "public"]
    assert discovery["request_parameter_supported"] is False
    assert set(discovery["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    }

    tokens = partner.tokens(nonce="nonce-456")

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 600
    assert "refresh_token" not in tokens
    claims = id_token_claims(tokens)
    assert claims["iss"] == ISSUER
    assert claims["aud"] == partner.client_id
    assert claims["nonce"] == "nonce-456"
    assert claims["acr"] == "eidas1"
    assert claims["amr"] == ["pwd"]
    assert claims["auth_time"] == int(FrozenClock().now().timestamp())
    assert claims["exp"] - claims["iat"] == 300
    assert len(claims["sub"]) == 64
    assert "at_hash" in claims


def test_oidcc_response_type_missing(partner: RelyingParty) -> None:
    response = partner.authorize(response_type=None)

    target, query = location(response)
    assert target == REDIRECT_URI
    assert query == {"error": "unsupported_response_type", "state": "etat-123"}


def test_oidcc_userinfo_get(partner: RelyingParty) -> None:
    tokens = partner.tokens(scope="openid profile")

    response = partner.userinfo(tokens["access_token"])

    assert response.status_code == 200
    assert response.get_json() == {
        "sub": id_token_claims(tokens)["sub"],
        "given_name": "Pierre Jean",
        "family_name": "VENTURI",
        "birthdate": "1962-12-18",
        "gender": "male",
    }


def test_oidcc_userinfo_post_header(partner: RelyingParty) -> None:
    tokens = partner.tokens(scope="openid email")

    response = partner.userinfo(tokens["access_token"], method="POST")

    assert response.status_code == 200
    assert response.get_json() == {
        "sub": id_token_claims(tokens)["sub"],
        "email": "162122B01000103@example.org",
        "email_verified": True,
    }


def test_oidcc_userinfo_without_token_is_refused(partner: RelyingParty) -> None:
    response = partner.browser.get("/userinfo")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_replayed_nonce_is_refused(partner: RelyingParty) -> None:
    partner.tokens(nonce="deja-vu")

    target, query = location(partner.authorize(nonce="deja-vu"))

    assert target == REDIRECT_URI
    assert query["error"] == "invalid_request" and query["state"] == "etat-123"


def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(partner: RelyingParty) -> None:
    tokens = partner.tokens(nonce=None)

    assert "nonce" not in id_token_claims(tokens)


@pytest.mark.parametrize(
    ("scope", "claims"),
    [
        ("openid profile", {"given_name", "family_name", "birthdate", "gender"}),
        ("openid email", {"email", "email_verified"}),
        ("openid phone", {"phone_number"}),
        ("openid birth", {"birthdate", "birthplace", "birthcountry"}),
        (
            "openid identite_pivot",
            {"given_name", "family_name", "birthdate", "gender", "birthplace", "birthcountry"},
        ),
    ],
    ids=["profile", "email", "phone", "birth", "identite_pivot"],
)
def test_oidcc_scope(partner: RelyingParty, scope: str, claims: set[str]) -> None:
    tokens = partner.tokens(scope=scope)

    info = partner.userinfo(tokens["access_token"]).get_json()

    assert set(info) == {"sub", *claims}


def test_oidcc_scope_profile(partner: RelyingParty) -> None:
    info = partner.userinfo(partner.tokens(scope="openid profile")["access_token"]).get_json()

    assert info["given_name"] == "Pierre Jean" and info["family_name"] == "VENTURI"


def test_oidcc_scope_email(partner: RelyingParty) -> None:
    info = partner.userinfo(partner.tokens(scope="openid email")["access_token"]).get_json()

    assert info["email"] == "162122B01000103@example.org" and info["email_verified"] is True


def test_oidcc_scope_address(partner: RelyingParty) -> None:
    """``address`` is not offered: the request succeeds without it (Core §5.4)."""
    tokens = partner.tokens(scope="openid address")

    assert tokens["scope"] == "openid"
    assert set(partner.userinfo(tokens["access_token"]).get_json()) == {"sub"}


def test_oidcc_scope_phone(partner: RelyingParty) -> None:
    info = partner.userinfo(partner.tokens(scope="openid phone")["access_token"]).get_json()

    assert info["phone_number"] == "+33612345678"


def test_oidcc_scope_all(partner: RelyingParty) -> None:
    tokens = partner.tokens(scope="openid profile email address phone")

    info = partner.userinfo(tokens["access_token"]).get_json()

    assert set(info) == {
        "sub",
        "given_name",
        "family_name",
        "birthdate",
        "gender",
        "email",
        "email_verified",
        "phone_number",
    }


def test_oidcc_ensure_other_scope_order_succeeds(partner: RelyingParty) -> None:
    tokens = partner.tokens(scope="email openid")

    assert tokens["scope"] == "email openid"
    assert "email" in partner.userinfo(tokens["access_token"]).get_json()


@pytest.mark.parametrize("display", ["page", "popup"])
def test_oidcc_display(partner: RelyingParty, display: str) -> None:
    assert partner.tokens(display=display)["access_token"]


def test_oidcc_display_page(partner: RelyingParty) -> None:
    assert partner.tokens(display="page")["access_token"]


def test_oidcc_display_popup(partner: RelyingParty) -> None:
    assert partner.tokens(display="popup")["access_token"]


def test_oidcc_prompt_login(signed_in: RelyingParty, clock: FrozenClock) -> None:
    clock.advance(seconds(120))

    response = signed_in.authorize(prompt="login")

    assert location(response)[0] == "/connexion"
    response = signed_in.follow(signed_in.sign_in(response))
    target, query = location(response)
    assert target == REDIRECT_URI and query["state"] == "etat-123"
    tokens = signed_in.token(query["code"]).get_json()
    assert id_token_claims(tokens)["auth_time"] == int(clock.now().timestamp())


def test_oidcc_prompt_none_not_logged_in(partner: RelyingParty) -> None:
    response = partner.authorize(prompt="none")

    target, query = location(response)
    assert target == REDIRECT_URI
    assert query == {"error": "login_required", "state": "etat-123"}


def test_oidcc_prompt_none_logged_in(signed_in: RelyingParty) -> None:
    response = signed_in.authorize(prompt="none")

    target, query = location(response)
    assert target == REDIRECT_URI
    assert set(query) == {"code", "state"} and query["state"] == "etat-123"


def test_oidcc_prompt_none_without_consent(partner: RelyingParty, app: Flask) -> None:
    from idp.clients import register_client

    other, _ = register_client(
        name="Retraite.example", redirect_uris=["https://retraite.example/cb"]
    )
    partner.tokens()
    rp = RelyingParty(partner.browser, other, None, "https://retraite.example/cb")

    target, query = location(rp.authorize(prompt="none"))

    assert target == "https://retraite.example/cb"
    assert query == {"error": "consent_required", "state": "etat-123"}


def test_oidcc_max_age_1(signed_in: RelyingParty, clock: FrozenClock) -> None:
    first_auth_time = int(clock.now().timestamp())
    clock.advance(seconds(2))

    response = signed_in.authorize(max_age=1)

    assert location(response)[0] == "/connexion"
    response = signed_in.follow(signed_in.sign_in(response))
    tokens = signed_in.token(location(response)[1]["code"]).get_json()
    assert id_token_claims(tokens)["auth_time"] == first_auth_time + 2


def test_oidcc_max_age_10000(signed_in: RelyingParty, clock: FrozenClock) -> None:
    first_auth_time = int(clock.now().timestamp())
    clock.advance(seconds(2))

    response = signed_in.authorize(max_age=10000)

    target, query = location(response)
    assert target == REDIRECT_URI
    tokens = signed_in.token(query["code"]).get_json()
    assert id_token_claims(tokens)["auth_time"] == first_auth_time


def test_oidcc_ensure_request_with_unknown_parameter_succeeds(partner: RelyingParty) -> None:
    assert partner.tokens(extra="foobar", ameli_inconnu="1")["id_token"]


def test_oidcc_id_token_hint(signed_in: RelyingParty) -> None:
    first = signed_in.tokens()

    response = signed_in.authorize(prompt="none", id_token_hint=first["id_token"])

    target, query = location(response)
    assert target == REDIRECT_URI and set(query) == {"code", "state"}
    second = signed_in.token(query["code"]).get_json()
    assert id_token_claims(second)["sub"] == id_token_claims(first)["sub"]


def test_oidcc_id_token_hint_that_is_not_ours(signed_in: RelyingParty) -> None:
    response = signed_in.authorize(prompt="none", id_token_hint="not.a.token")

    target, query = location(response)
    assert target == REDIRECT_URI
    assert query["error"] == "invalid_request" and query["state"] == "etat-123"


def test_oidcc_login_hint(partner: RelyingParty) -> None:
    response = partner.authorize(login_hint="1 62 12 2B 010 001")

    target, query = location(response)
    assert target == "/connexion"
    page = partner.browser.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="1621 22B010001"'.replace(" ", "") in page


def test_oidcc_ui_locales(partner: RelyingParty) -> None:
    assert partner.tokens(ui_locales="se")["id_token"]


def test_oidcc_claims_locales(partner: RelyingParty) -> None:
    tokens = partner.tokens(claims_locales="se", scope="openid profile")

    assert partner.userinfo(tokens["access_token"]).get_json()["family_name"] == "VENTURI"


def test_oidcc_ensure_request_with_acr_values_succeeds(partner: RelyingParty) -> None:
    tokens = partner.tokens(acr_values="1 2")

    assert id_token_claims(tokens)["acr"] == "eidas1"


def test_oidcc_codereuse(partner: RelyingParty) -> None:
    code = partner.code()
    first = partner.token(code)
    assert first.status_code == 200

    second = partner.token(code)

    assert second.status_code == 400
    assert second.get_json()["error"] == "invalid_grant"
    assert partner.userinfo(first.get_json()["access_token"]).status_code == 401


def test_oidcc_codereuse_30seconds(partner: RelyingParty, clock: FrozenClock) -> None:
    code = partner.code()
    first = partner.token(code)
    clock.advance(seconds(30))

    second = partner.token(code)

    assert second.get_json()["error"] == "invalid_grant"
    assert partner.userinfo(first.get_json()["access_token"]).status_code == 401


def test_code_expires_after_60_seconds(partner: RelyingParty, clock: FrozenClock) -> None:
    code = partner.code()
    clock.advance(seconds(60))

    assert partner.token(code).get_json()["error"] == "invalid_grant"


def test_oidcc_ensure_registered_redirect_uri(partner: RelyingParty) -> None:
    response = partner.authorize(redirect_uri="https://attaquant.example/callback")

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "adresse de retour demandée n'est pas enregistrée" in page_text(response)


def test_oidcc_ensure_redirect_uri_in_authorization_request(partner: RelyingParty) -> None:
    response = partner.authorize(redirect_uri=None)

    assert response.status_code == 400 and "Location" not in response.headers


def test_oidcc_redirect_uri_query_mismatch(partner: RelyingParty) -> None:
    response = partner.authorize(redirect_uri=REDIRECT_URI + "?foo=bar")

    assert response.status_code == 400 and "Location" not in response.headers


def test_unknown_client_gets_an_error_page(partner: RelyingParty) -> None:
    response = partner.authorize(client_id="inconnu")

    assert response.status_code == 400 and "Location" not in response.headers
    assert "n'est pas reconnu comme partenaire" in page_text(response)


def test_oidcc_server_client_secret_post(app: Flask, account: Any) -> None:
    from idp.clients import register_client

    client, secret = register_client(
        name="Post.example", redirect_uris=[REDIRECT_URI], auth_method="client_secret_post"
    )
    rp = RelyingParty(app.test_client(), client, secret)

    assert "id_token" in rp.tokens()
    assert rp.token(rp.code(), auth="client_secret_basic").status_code == 401


def test_wrong_client_secret_is_refused(partner: RelyingParty) -> None:
    partner.secret = "faux"

    response = partner.token(partner.code())

    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported(
    partner: RelyingParty,
) -> None:
    request_object = "eyJhbGciOiJub25lIn0.eyJzdGF0ZSI6ImEifQ."

    response = partner.authorize(request=request_object)

    target, query = location(response)
    assert target == REDIRECT_URI
    assert query["error"] == "request_not_supported" and query["state"] == "etat-123"


def test_oidcc_ensure_request_object_with_redirect_uri(partner: RelyingParty) -> None:
    response = partner.authorize(request="eyJhbGciOiJub25lIn0.e30.")

    assert location(response)[1]["error"] == "request_not_supported"


def test_request_uri_is_not_supported(partner: RelyingParty) -> None:
    response = partner.authorize(request_uri="https://partenaire.example/request.jwt")

    assert location(response)[1]["error"] == "request_uri_not_supported"


def test_oidcc_claims_essential(partner: RelyingParty) -> None:
    claims = {"userinfo": {"name": {"essential": True}, "birthplace": {"essential": True}}}

    tokens = partner.tokens(claims=json.dumps(claims))

    assert partner.userinfo(tokens["access_token"]).get_json() == {
        "sub": id_token_claims(tokens)["sub"],
        "birthplace": "2B010",
    }


def test_claims_request_for_the_id_token(partner: RelyingParty) -> None:
    claims = {"id_token": {"family_name": None, "email": {"essential": True}}}

    tokens = partner.tokens(claims=json.dumps(claims))

    id_token = id_token_claims(tokens)
    assert id_token["family_name"] == "VENTURI"
    assert id_token["email"] == "162122B01000103@example.org"


def test_malformed_claims_request(partner: RelyingParty) -> None:
    target, query = location(partner.authorize(claims="{pas du json"))

    assert target == REDIRECT_URI and query["error"] == "invalid_request"


def test_oidcc_refresh_token(partner: RelyingParty) -> None:
    tokens = partner.tokens(scope="openid offline_access profile")
    refresh = tokens["refresh_token"]

    refreshed = partner.token_request({"grant_type": "refresh_token", "refresh_token": refresh})

    assert refreshed.status_code == 200, refreshed.get_data(as_text=True)
    body = refreshed.get_json()
    assert body["refresh_token"] != refresh
    assert id_token_claims(body)["sub"] == id_token_claims(tokens)["sub"]
    assert "nonce" not in id_token_claims(body)
    assert partner.userinfo(body["access_token"]).status_code == 200


def test_refresh_token_reuse_revokes_the_family(partner: RelyingParty) -> None:
    first = partner.tokens(scope="openid offline_access")["refresh_token"]
    second = partner.token_request({"grant_type": "refresh_token", "refresh_token": first})
    newest = second.get_json()

    replay = partner.token_request({"grant_type": "refresh_token", "refresh_token": first})

    assert replay.get_json()["error"] == "invalid_grant"
    assert partner.userinfo(newest["access_token"]).status_code == 401
    again = {"grant_type": "refresh_token", "refresh_token": newest["refresh_token"]}
    assert partner.token_request(again).get_json()["error"] == "invalid_grant"


def test_no_refresh_token_without_offline_access(partner: RelyingParty) -> None:
    assert "refresh_token" not in partner.tokens(scope="openid profile")


def test_oidcc_ensure_post_request_succeeds(partner: RelyingParty) -> None:
    response = partner.authorize(method="POST")
    response = partner.follow(partner.sign_in(response))
    response = partner.consent(response)

    target, query = location(response)
    assert target == REDIRECT_URI and query["state"] == "etat-123"
    assert partner.token(query["code"]).status_code == 200


def test_authorization_request_with_an_unsupported_response_type(partner: RelyingParty) -> None:
    target, query = location(partner.authorize(response_type="id_token"))

    assert target == REDIRECT_URI
    assert query["error"] == "unsupported_response_type" and query["state"] == "etat-123"


def test_authorization_request_without_openid(partner: RelyingParty) -> None:
    target, query = location(partner.authorize(scope="profile"))

    assert target == REDIRECT_URI
    assert query["error"] == "invalid_scope" and query["state"] == "etat-123"


@pytest.mark.parametrize(
    "params",
    [
        {"prompt": "none login"},
        {"prompt": "bientot"},
        {"max_age": "-1"},
        {"max_age": "dix"},
        {"nonce": "n" * 256},
        {"nonce": "a\x00b"},
    ],
)
def test_invalid_parameters_are_sent_back(partner: RelyingParty, params: dict[str, str]) -> None:
    target, query = location(partner.authorize(**params))

    assert target == REDIRECT_URI
    assert query["error"] == "invalid_request" and query["state"] == "etat-123"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "client_id=",
        "client_id=%00&redirect_uri=%ff",
        "response_type=code&client_id=" + "x" * 5000,
        "response_type=code&client_id=a&client_id=b",
        "response_type=code%20id_token&scope=openid",
        "claims=%5B%5D&response_type=code",
    ],
)
def test_no_server_error_on_odd_requests(partner: RelyingParty, query: str) -> None:
    response = partner.browser.get("/autorisation?" + query)

    assert response.status_code in (302, 400)


def test_no_server_error_at_the_token_endpoint(partner: RelyingParty) -> None:
    for data in (
        {},
        {"grant_type": "authorization_code"},
        {"grant_type": "password", "username": "a", "password": "b"},
        {"grant_type": "refresh_token", "refresh_token": "x", "client_id": "nobody"},
        {
            "grant_type": "authorization_code",
            "code": "x",
            "client_assertion": "a.b.c",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        },
    ):
        response = partner.browser.post("/token", data=data)
        assert response.status_code in (400, 401), (data, response.status_code)


def test_discovery_lists_what_is_supported(partner: RelyingParty) -> None:
    document = partner.browser.get("/.well-known/openid-configuration").get_json()

    assert document["scopes_supported"][:2] == ["openid", "offline_access"]
    assert {"profile", "email", "phone", "birth", "identite_pivot"} <= set(
        document["scopes_supported"]
    )
    assert document["id_token_signing_alg_values_supported"] == list(keys.ALGORITHMS)
    assert document["acr_values_supported"] == ["eidas1"]
    assert document["claims_parameter_supported"] is True
    jwks = partner.browser.get("/.well-known/jwks.json").get_json()
    assert {key["alg"] for key in jwks["keys"]} == set(keys.ALGORITHMS)


def test_public_client_authorization_request_url(partner: RelyingParty) -> None:
    assert urlencode(partner.request()).startswith("response_type=code")


def test_client_row(partner: RelyingParty) -> None:
    assert isinstance(partner.client, Client)
