"""A FranceConnect v2 provider faked with requests-mock, and the actions of a relying party.

The fake signs with its own keys (joserfc), returns userinfo as ``application/jwt`` as
FranceConnect does, and lets each test spoil exactly one thing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests_mock
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import ECKey
from joserfc.jwk import Key
from joserfc.jwk import RSAKey
from werkzeug.test import TestResponse

from core.clock import FrozenClock
from tests.conftest import make_app
from tests.enrollment.conftest import enroll  # noqa: F401 - fixtures shared with path A
from tests.enrollment.conftest import registry  # noqa: F401

FC = "https://fcp-low.sbx.dev-franceconnect.fr/api/v2"
CLIENT_ID = "ameli-client-id-6925fb8143c76eed"
CLIENT_SECRET = "ameli-client-secret-for-tests-0123456789abcdef"
REDIRECT_URI = "https://compte.ameli.example/franceconnect/callback"
POST_LOGOUT_REDIRECT_URI = "https://compte.ameli.example/franceconnect/deconnexion/retour"
SUB = "b6048e95bb134ec5b1d1e1fa69f287172e91722b9354d637a1bcf2ebb0fd2ef5v1"
ANGELA = {
    "given_name": "Angela Claire Louise",
    "family_name": "DUBOIS",
    "birthdate": "1962-08-24",
    "gender": "female",
    "birthplace": "75107",
    "birthcountry": "99100",
    "email": "wossewodda-3728@yopmail.com",
}
FC_SETTINGS = {
    "FRANCECONNECT_BASE_URL": FC,
    "FRANCECONNECT_CLIENT_ID": CLIENT_ID,
    "FRANCECONNECT_CLIENT_SECRET": CLIENT_SECRET,
    "FRANCECONNECT_REDIRECT_URI": REDIRECT_URI,
    "FRANCECONNECT_POST_LOGOUT_REDIRECT_URI": POST_LOGOUT_REDIRECT_URI,
}


class FakeFranceConnect:
    """FranceConnect v2 as requests-mock answers it; attributes spoil one thing each."""

    def __init__(self, mock: requests_mock.Mocker, clock: FrozenClock) -> None:
        self.mock = mock
        self.clock = clock
        self.es256 = ECKey.generate_key("P-256", parameters={"kid": "fc-es256", "use": "sig"})
        self.rs256 = RSAKey.generate_key(2048, parameters={"kid": "fc-rs256", "use": "sig"})
        self.published: list[Key] = [self.es256, self.rs256]
        self.nonce = ""
        self.userinfo_claims: dict[str, Any] = {**ANGELA}
        self.id_token_claims: dict[str, Any] = {}
        self.id_token: str | None = None  # sent as is instead of a well-made one
        mock.get(FC + "/.well-known/openid-configuration", json=self.discovery())
        mock.get(FC + "/jwks", json=lambda request, context: self.jwks())
        self.token = mock.post(FC + "/token", json=lambda request, context: self.tokens())
        self.userinfo = mock.get(
            FC + "/userinfo",
            text=lambda request, context: self.sign(self.userinfo_body()),
            headers={"Content-Type": "application/jwt"},
        )

    @staticmethod
    def discovery() -> dict[str, Any]:
        return {
            "issuer": FC,
            "authorization_endpoint": FC + "/authorize",
            "token_endpoint": FC + "/token",
            "userinfo_endpoint": FC + "/userinfo",
            "jwks_uri": FC + "/jwks",
            "end_session_endpoint": FC + "/session/end",
            "id_token_signing_alg_values_supported": ["ES256", "RS256"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self.published]}

    def sign(self, claims: dict[str, Any], key: Key | None = None, kid: str | None = None) -> str:
        key = key or self.es256
        alg = "RS256" if isinstance(key, RSAKey) else "ES256"
        return jwt.encode({"alg": alg, "kid": kid or str(key.kid)}, claims, key)

    def now(self) -> int:
        return int(self.clock.now().timestamp())

    def id_token_body(self) -> dict[str, Any]:
        claims = {
            "iss": FC,
            "sub": SUB,
            "aud": CLIENT_ID,
            "exp": self.now() + 60,
            "iat": self.now(),
            "nonce": self.nonce,
            "acr": "eidas1",
            "amr": ["pwd"],
        }
        claims.update(self.id_token_claims)
        return {name: value for name, value in claims.items() if value is not None}

    def userinfo_body(self) -> dict[str, Any]:
        return {"sub": SUB, "iss": FC, "aud": CLIENT_ID, **self.userinfo_claims}

    def tokens(self) -> dict[str, Any]:
        return {
            "access_token": "access-token-a3f0",
            "token_type": "Bearer",
            "expires_in": 60,
            "id_token": self.id_token or self.sign(self.id_token_body()),
            "scope": "openid given_name family_name",
        }


@pytest.fixture
def fc_app(sqlite_database: dict[str, Any], clock: FrozenClock, tmp_path: Path) -> Iterator[Flask]:
    """The service configured for FranceConnect's sandbox (no database use in these tests)."""
    app = make_app(sqlite_database, tmp_path, clock, **FC_SETTINGS)
    with app.app_context():
        yield app


@pytest.fixture
def provider(clock: FrozenClock) -> Iterator[FakeFranceConnect]:
    with requests_mock.Mocker() as mock:
        yield FakeFranceConnect(mock, clock)


class RelyingParty:
    """The browser's side: press the button, come back from FranceConnect."""

    def __init__(self, client: FlaskClient, provider: FakeFranceConnect) -> None:
        self.client = client
        self.provider = provider
        self.state = ""

    def start(self) -> TestResponse:
        response = self.client.post("/franceconnect/connexion")
        if response.status_code == 302:
            query = parse_qs(urlsplit(response.headers["Location"]).query)
            self.state = query["state"][0]
            self.provider.nonce = query["nonce"][0]
        return response

    def come_back(self, **params: str) -> TestResponse:
        return self.client.get("/franceconnect/callback", query_string=params)

    def sign_in(self) -> TestResponse:
        assert self.start().status_code == 302
        return self.come_back(code="code-7c1d", state=self.state)


@pytest.fixture
def rp(fc_app: Flask, provider: FakeFranceConnect) -> RelyingParty:
    return RelyingParty(fc_app.test_client(), provider)
