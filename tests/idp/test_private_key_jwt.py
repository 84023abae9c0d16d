"""``private_key_jwt`` holds against forged assertions: nothing is fetched for an unsigned
one, a client's keys are fetched rarely, redirects are not followed, every key problem is
``invalid_client``, and an assertion valid far into the future is refused."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from joserfc import jwt
from joserfc.jwk import ECKey

from accounts.models import Account
from idp import client_keys
from idp.clients import register_client
from tests.idp.conftest import ISSUER
from tests.idp.conftest import REDIRECT_URI
from tests.idp.conftest import RelyingParty

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class KeysServer:
    """A client's ``jwks_uri``: serves its JWK Set, or a redirect, and counts the requests."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.redirect_to: str | None = None
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append(self.path)
                if server.redirect_to and self.path == "/jwks":
                    self.send_response(302)
                    self.send_header("Location", server.redirect_to)
                    self.end_headers()
                    return
                body = json.dumps(server.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_port}"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def keys_server() -> Iterator[KeysServer]:
    server = KeysServer()
    yield server
    server.close()


@pytest.fixture
def signing_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "rp-1"})


@pytest.fixture
def rp(app: Flask, account: Account, keys_server: KeysServer, signing_key: ECKey) -> RelyingParty:
    keys_server.document = {"keys": [signing_key.as_dict(private=False)]}
    client, _ = register_client(
        name="Cle.example",
        redirect_uris=[REDIRECT_URI],
        auth_method="private_key_jwt",
        jwks_uri=keys_server.url + "/jwks",
    )
    return RelyingParty(app.test_client(), client, None)


def assertion(rp: RelyingParty, key: ECKey, *, kid: str = "rp-1", lifetime: int = 60) -> str:
    now = int(time.time())
    claims = {
        "iss": rp.client_id,
        "sub": rp.client_id,
        "aud": ISSUER + "/token",
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode({"alg": "ES256", "kid": kid}, claims, key)


def unsigned(rp: RelyingParty) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    now = int(time.time())
    claims = {"iss": rp.client_id, "sub": rp.client_id, "aud": ISSUER + "/token", "exp": now + 60}
    return f"{part({'alg': 'none', 'kid': 'rp-1'})}.{part(claims)}."


def token_with(rp: RelyingParty, value: str) -> Any:
    return rp.token(rp.code(), client_assertion_type=ASSERTION_TYPE, client_assertion=value)


def test_forged_unsigned_assertions_fetch_nothing(
    rp: RelyingParty, keys_server: KeysServer
) -> None:
    for _ in range(10):
        response = token_with(rp, unsigned(rp))
        assert response.get_json()["error"] == "invalid_client"

    assert keys_server.requests == []


def test_the_keys_are_fetched_once_then_kept(
    rp: RelyingParty, keys_server: KeysServer, signing_key: ECKey
) -> None:
    for _ in range(3):
        response = token_with(rp, assertion(rp, signing_key))
        assert response.status_code == 200, response.get_data(as_text=True)

    assert keys_server.requests == ["/jwks"]


def test_an_unknown_kid_refetches_at_most_once_a_minute(
    app: Flask, rp: RelyingParty, keys_server: KeysServer, signing_key: ECKey
) -> None:
    assert token_with(rp, assertion(rp, signing_key)).status_code == 200
    stranger = ECKey.generate_key("P-256", parameters={"kid": "inconnu"})

    for _ in range(5):
        response = token_with(rp, assertion(rp, stranger, kid="inconnu"))
        assert response.get_json()["error"] == "invalid_client"

    # Fetched for the first assertion; the unknown kid is the client's, fetched again
    # only once the minute has passed.
    assert keys_server.requests == ["/jwks"]
    cache: client_keys.ClientKeys = app.extensions[client_keys.EXTENSION_KEY]
    cache._now = lambda: time.monotonic() + client_keys.REFETCH_SECONDS
    keys_server.document = {"keys": [stranger.as_dict(private=False)]}
    assert token_with(rp, assertion(rp, stranger, kid="inconnu")).status_code == 200
    assert keys_server.requests == ["/jwks", "/jwks"]


def test_a_redirect_of_the_jwks_uri_is_not_followed(
    rp: RelyingParty, keys_server: KeysServer, signing_key: ECKey
) -> None:
    keys_server.redirect_to = keys_server.url + "/ailleurs"

    response = token_with(rp, assertion(rp, signing_key))

    assert response.status_code in (400, 401) and response.get_json()["error"] == "invalid_client"
    assert keys_server.requests == ["/jwks"]


@pytest.mark.parametrize(
    "document", [{"keys": []}, {"keys": [{"kty": "EC", "kid": "rp-1"}]}, {"clés": 1}, []]
)
def test_unusable_keys_are_invalid_client_not_an_error_of_ours(
    rp: RelyingParty, keys_server: KeysServer, signing_key: ECKey, document: Any
) -> None:
    keys_server.document = document  # type: ignore[assignment]

    response = token_with(rp, assertion(rp, signing_key))

    assert response.status_code in (400, 401) and response.get_json()["error"] == "invalid_client"


def test_an_assertion_valid_far_ahead_is_refused(
    rp: RelyingParty, keys_server: KeysServer, signing_key: ECKey
) -> None:
    response = token_with(rp, assertion(rp, signing_key, lifetime=600))

    assert response.get_json()["error"] == "invalid_client"
    assert keys_server.requests == []


@pytest.mark.parametrize(
    "uri",
    [
        "http://partenaire.example/jwks",
        "https://127.0.0.1/jwks",
        "https://10.1.2.3/jwks",
        "https://[::1]/jwks",
        "https://169.254.169.254/latest/meta-data",
        "ftp://partenaire.example/jwks",
    ],
)
def test_production_fetches_only_public_https_addresses(uri: str) -> None:
    with pytest.raises(client_keys.ClientKeyError):
        client_keys.check_fetchable(uri, production=True)


def test_registering_a_client_checks_its_jwks_uri(app: Flask) -> None:
    with pytest.raises(ValueError, match="not an http"):
        register_client(
            name="Cle.example",
            redirect_uris=[REDIRECT_URI],
            auth_method="private_key_jwt",
            jwks_uri="file:///etc/passwd",
        )
