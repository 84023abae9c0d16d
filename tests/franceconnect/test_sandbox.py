"""The sandbox provider (SPEC §5.4) and when FranceConnect is offered at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

import keys
from config import create_app
from core.clock import FrozenClock
from core.errors import ConfigurationError
from tests.conftest import TEST_CONFIG
from tests.conftest import make_app

SANDBOX = "/sandbox/franceconnect/api/v2"
ISSUER = "http://127.0.0.1:5000"
CALLBACK = ISSUER + "/franceconnect/callback"


@pytest.fixture
def sandbox_app(
    sqlite_database: dict[str, Any], clock: FrozenClock, tmp_path: Path
) -> Iterator[Flask]:
    app = make_app(sqlite_database, tmp_path, clock, SANDBOX_ENABLED=True)
    with app.app_context():
        yield app


@pytest.fixture
def browser(sandbox_app: Flask) -> FlaskClient:
    return sandbox_app.test_client()


def authorize(browser: FlaskClient, **changes: str) -> Any:
    params = {
        "response_type": "code",
        "client_id": "ameli-sandbox-client",
        "redirect_uri": CALLBACK,
        "scope": "openid given_name family_name birthdate gender birthplace birthcountry email",
        "acr_values": "eidas1",
        "state": "s" * 64,
        "nonce": "n" * 64,
        **changes,
    }
    return browser.get(SANDBOX + "/authorize", query_string=params)


def code_for(browser: FlaskClient, login: str = "test") -> str:
    assert authorize(browser).status_code == 200
    response = browser.post(SANDBOX + "/authorize", data={"login": login, "password": "123"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = parse_qs(location.query)
    assert query["state"] == ["s" * 64]
    return query["code"][0]


def exchange(browser: FlaskClient, code: str, **changes: str) -> Any:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": "ameli-sandbox-client",
        "client_secret": "ameli-sandbox-client-secret-for-development-only",
        **changes,
    }
    return browser.post(SANDBOX + "/token", data=form)


def test_discovery_points_at_the_sandbox(browser: FlaskClient) -> None:
    document = browser.get(SANDBOX + "/.well-known/openid-configuration").get_json()

    assert document["issuer"] == ISSUER + SANDBOX
    assert document["end_session_endpoint"] == ISSUER + SANDBOX + "/session/end"
    assert document["id_token_signing_alg_values_supported"] == ["ES256"]


def test_a_code_gives_an_es256_id_token_and_a_jwt_userinfo(browser: FlaskClient) -> None:
    tokens = exchange(browser, code_for(browser)).get_json()

    claims = keys.verify(tokens["id_token"], algorithms=["ES256"])
    assert claims["nonce"] == "n" * 64 and claims["acr"] == "eidas1"
    assert claims["aud"] == "ameli-sandbox-client"
    assert re.fullmatch(r"[0-9a-f]{64}v1", claims["sub"])
    userinfo = browser.get(
        SANDBOX + "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.mimetype == "application/jwt"
    info = keys.verify(userinfo.get_data(as_text=True), algorithms=["ES256"])
    assert info["sub"] == claims["sub"]
    assert (info["family_name"], info["birthdate"]) == ("DUBOIS", "1962-08-24")
    assert "preferred_username" not in info  # not in the requested scope


def test_the_sub_is_stable_per_identity(browser: FlaskClient) -> None:
    first = keys.verify(exchange(browser, code_for(browser)).get_json()["id_token"])
    second = keys.verify(exchange(browser, code_for(browser)).get_json()["id_token"])
    other = keys.verify(exchange(browser, code_for(browser, "nom_composé")).get_json()["id_token"])

    assert first["sub"] == second["sub"] != other["sub"]


def test_a_code_is_single_use(browser: FlaskClient) -> None:
    code = code_for(browser)
    assert exchange(browser, code).status_code == 200

    response = exchange(browser, code)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_refused(browser: FlaskClient) -> None:
    response = exchange(browser, code_for(browser), client_secret="guess")

    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_a_wrong_password_stays_on_the_sandbox(browser: FlaskClient) -> None:
    authorize(browser)

    response = browser.post(SANDBOX + "/authorize", data={"login": "test", "password": "124"})

    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in response.get_data(as_text=True)


def test_an_unregistered_redirect_uri_is_never_redirected_to(browser: FlaskClient) -> None:
    response = authorize(browser, redirect_uri="https://evil.example/callback")

    assert response.status_code == 400
    assert "Location" not in response.headers


def test_end_session_returns_with_the_state(browser: FlaskClient) -> None:
    id_token = exchange(browser, code_for(browser)).get_json()["id_token"]

    response = browser.get(
        SANDBOX + "/session/end",
        query_string={
            "id_token_hint": id_token,
            "state": "l" * 64,
            "post_logout_redirect_uri": ISSUER + "/franceconnect/deconnexion/retour",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"] == (
        ISSUER + "/franceconnect/deconnexion/retour?state=" + "l" * 64
    )


def test_the_sandbox_is_not_served_outside_development(client: FlaskClient) -> None:
    assert client.get(SANDBOX + "/.well-known/openid-configuration").status_code == 404


def test_without_settings_the_button_is_not_offered(client: FlaskClient) -> None:
    page = client.get("/creation-compte/").get_data(as_text=True)
    assert "fr-connect" not in page
    assert "La création avec FranceConnect n'est pas proposée sur ce service" in page

    response = client.post("/franceconnect/connexion")

    assert response.status_code == 404
    assert "franceconnect.not_configured" in response.get_data(as_text=True)


def test_production_refuses_a_half_configured_client(tmp_path: Path) -> None:
    config = {
        **TEST_CONFIG,
        "ENV": "production",
        "ISSUER": "https://compte.ameli.example",
        "SMTP_URL": "smtp://127.0.0.1:25",
        "KEY_ENCRYPTION_KEY": "k" * 64,
        "FRANCECONNECT_BASE_URL": "https://oidc.franceconnect.gouv.fr/api/v2",
    }

    with pytest.raises(ConfigurationError, match="AMELI_FRANCECONNECT_CLIENT_ID"):
        create_app(config, instance_path=str(tmp_path))


def test_production_refuses_plain_http(tmp_path: Path) -> None:
    config = {
        **TEST_CONFIG,
        "ENV": "production",
        "ISSUER": "https://compte.ameli.example",
        "SMTP_URL": "smtp://127.0.0.1:25",
        "KEY_ENCRYPTION_KEY": "k" * 64,
        "FRANCECONNECT_BASE_URL": "http://oidc.franceconnect.gouv.fr/api/v2",
        "FRANCECONNECT_CLIENT_ID": "id",
        "FRANCECONNECT_CLIENT_SECRET": "secret",
    }

    with pytest.raises(ConfigurationError, match="https://"):
        create_app(config, instance_path=str(tmp_path))
