"""Fixtures and actions of the provider's tests: keys, an active assuré, partner clients.

``RelyingParty`` plays a partner site the way the OpenID Foundation's conformance suite
does: it builds authorization requests, follows the person through sign-in and consent,
and calls the token, userinfo, revocation and introspection endpoints.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

import keys
from accounts import hashing as password
from accounts.models import Account
from accounts.models import AccountStatus
from accounts.models import EnrollmentPath
from core import clock as clock_module
from core.db import db
from enrollment.registry import importer as registry_import
from idp.clients import register_client
from idp.models import Client
from keys import crypto
from tests.enrollment.conftest import DEMO_CSV
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import VENTURI_NIR

REDIRECT_URI = "https://partenaire.example/callback"
POST_LOGOUT_URI = "https://partenaire.example/au-revoir"
DUBOIS_NIR = "262087510789179"
ISSUER = "http://127.0.0.1:5000"


@pytest.fixture(scope="session")
def key_pool() -> dict[str, list[Any]]:
    """A few keys generated once: RSA generation is slow and every test needs keys."""
    return {
        "RS256": [rsa.generate_private_key(65537, 2048) for _ in range(3)],
        "ES256": [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)],
    }


@pytest.fixture(autouse=True)
def pooled_keys(monkeypatch: pytest.MonkeyPatch, key_pool: dict[str, list[Any]]) -> None:
    cycles = {alg: itertools.cycle(pool) for alg, pool in key_pool.items()}
    monkeypatch.setattr(crypto, "generate_private_key", lambda alg, bits=2048: next(cycles[alg]))


def make_account(nir: str, status: AccountStatus = AccountStatus.ACTIVE, **fields: Any) -> Account:
    now = clock_module.now()
    account = Account(
        nir=nir,
        status=status,
        enrollment_path=EnrollmentPath.VITALE_IBAN,
        password_hash=password.get_hasher().hash(GOOD_PASSWORD),
        email=fields.pop("email", f"{nir}@example.org"),
        email_canonical=fields.pop("email_canonical", f"{nir}@example.org"),
        mobile_phone=fields.pop("mobile_phone", "+33612345678"),
        created_at=now,
        activated_at=now if status is AccountStatus.ACTIVE else None,
        activation_sent_at=now,
        **fields,
    )
    db.session.add(account)
    db.session.commit()
    return account


def start_provider(live_server_factory: Any) -> Any:
    """A live service with the demo registry, signing keys and Venturi's active account."""
    server = live_server_factory()
    with server.app.app_context(), DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        registry_import.import_csv(stream)
        keys.ensure_keys()
        make_account(VENTURI_NIR)
    return server


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def location(response: TestResponse) -> tuple[str, dict[str, str]]:
    """Return a redirect's target without its query, and its query parameters."""
    target = response.headers["Location"]
    parts = urlsplit(target)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    return parts._replace(query="", fragment="").geturl(), query


@dataclass
class RelyingParty:
    """A partner site registered at the provider, driving a person's browser."""

    browser: FlaskClient
    client: Client
    secret: str | None
    redirect_uri: str = REDIRECT_URI
    verifiers: dict[str, str] = field(default_factory=dict)

    @property
    def client_id(self) -> str:
        return self.client.client_id

    def request(self, **params: Any) -> dict[str, str]:
        """Return a code-flow authorization request; ``None`` values are left out."""
        base: dict[str, Any] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid",
            "state": "etat-123",
            # A fresh nonce each time: the provider refuses a replayed one.
            "nonce": secrets.token_hex(8),
        }
        base.update(params)
        return {k: str(v) for k, v in base.items() if v is not None}

    def authorize(self, method: str = "GET", **params: Any) -> TestResponse:
        query = self.request(**params)
        if method == "POST":
            return self.browser.post("/autorisation", data=query)
        return self.browser.get("/autorisation?" + urlencode(query))

    def sign_in(self, response: TestResponse, nir: str = VENTURI_NIR) -> TestResponse:
        """Give NIR + code personnel on the sign-in page ``response`` redirected to."""
        target, query = location(response)
        assert target == "/connexion"
        signed_in = self.browser.post(
            "/connexion", data={"nir": nir, "password": GOOD_PASSWORD, "next": query["next"]}
        )
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
        return signed_in

    def follow(self, response: TestResponse) -> TestResponse:
        return self.browser.get(response.headers["Location"])

    def consent(self, page: TestResponse, decision: str = "accept") -> TestResponse:
        html = page.get_data(as_text=True)
        marker = 'name="request" value="'
        signed = html.split(marker, 1)[1].split('"', 1)[0]
        return self.browser.post(
            "/autorisation/consentement", data={"request": signed, "decision": decision}
        )

    def code(self, nir: str = VENTURI_NIR, **params: Any) -> str:
        """Go through sign-in (if needed) and consent (if asked) and return the code."""
        response = self.authorize(**params)
        if response.status_code == 302 and location(response)[0] == "/connexion":
            response = self.follow(self.sign_in(response, nir))
        if response.status_code == 200:
            response = self.consent(response)
        target, query = location(response)
        assert target == self.redirect_uri, query
        assert query.get("state") == params.get("state", "etat-123")
        return query["code"]

    def token(self, code: str, auth: str | None = None, **extra: str) -> TestResponse:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        data.update(extra)
        return self.token_request(data, auth)

    def token_request(self, data: dict[str, str], auth: str | None = None) -> TestResponse:
        method = auth or self.client.auth_method
        headers = {}
        if method == "client_secret_basic":
            assert self.secret is not None
            raw = f"{self.client_id}:{self.secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        elif method == "client_secret_post":
            data = {**data, "client_id": self.client_id, "client_secret": self.secret or ""}
        elif method == "none":
            data = {**data, "client_id": self.client_id}
        return self.browser.post("/token", data=data, headers=headers)

    def tokens(self, **params: Any) -> dict[str, Any]:
        response = self.token(self.code(**params))
        assert response.status_code == 200, response.get_data(as_text=True)
        body: dict[str, Any] = response.get_json()
        return body

    def userinfo(self, access_token: str, method: str = "GET") -> TestResponse:
        headers = {"Authorization": f"Bearer {access_token}"}
        if method == "POST":
            return self.browser.post("/userinfo", headers=headers)
        return self.browser.get("/userinfo", headers=headers)


@pytest.fixture
def registry(app: Flask) -> None:
    """The demo registry, loaded in the test's database."""
    with DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        assert registry_import.import_csv(stream).problems == []


@pytest.fixture
def account(app: Flask, registry: None) -> Account:
    """Pierre VENTURI's active account, and the signing keys."""
    keys.ensure_keys()
    return make_account(VENTURI_NIR)


@pytest.fixture
def partner(app: Flask, account: Account) -> RelyingParty:
    """A confidential partner site with client_secret_basic, asking for consent."""
    client, secret = register_client(
        name="Impots.example",
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=[POST_LOGOUT_URI],
    )
    return RelyingParty(app.test_client(), client, secret)


@pytest.fixture
def trusted_partner(app: Flask, account: Account) -> RelyingParty:
    """A trusted client (like FranceConnect): no consent page."""
    client, secret = register_client(
        name="FranceConnect",
        redirect_uris=["https://fc.example/callback"],
        post_logout_redirect_uris=["https://fc.example/logout-callback"],
        id_token_alg="ES256",
        userinfo_alg="ES256",
        trusted=True,
    )
    return RelyingParty(app.test_client(), client, secret, "https://fc.example/callback")


@pytest.fixture
def signed_in(partner: RelyingParty) -> RelyingParty:
    """The partner, with the person already signed in and consenting once."""
    partner.tokens()
    return partner


def seconds(value: int) -> timedelta:
    return timedelta(seconds=value)


@pytest.fixture
def no_network() -> Iterator[None]:
    yield
