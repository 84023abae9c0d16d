"""The JWKS document: public members only, cacheable, with an ETag."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

import keys
from keys import lifecycle
from keys.models import KeyState

JWKS_PATH = "/.well-known/jwks.json"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
PUBLIC_MEMBERS = {
    "RSA": {"kty", "n", "e", "use", "alg", "kid"},
    "EC": {"kty", "crv", "x", "y", "use", "alg", "kid"},
}


@pytest.fixture
def every_state(app: Flask) -> dict[str, KeyState]:
    """Keys of both algorithms in every published state: current, next and retired."""
    for alg in keys.ALGORITHMS:
        keys.rotate(alg)
        keys.rotate(alg, force=True)
    return {key.kid: key.state for key in lifecycle.all_keys()}


def test_the_jwks_is_served_as_json_with_every_published_key(
    client: FlaskClient, every_state: dict[str, KeyState]
) -> None:
    response = client.get(JWKS_PATH)

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == keys.jwks()
    assert {jwk["kid"] for jwk in keys.jwks()["keys"]} == set(every_state)
    assert sorted(every_state.values()) == sorted(
        [KeyState.CURRENT, KeyState.NEXT, KeyState.RETIRED] * 2
    )


@pytest.mark.parametrize("state", list(KeyState))
def test_no_private_member_is_ever_published(
    client: FlaskClient, every_state: dict[str, KeyState], state: KeyState
) -> None:
    response = client.get(JWKS_PATH)
    assert response.json is not None
    published = [jwk for jwk in response.json["keys"] if every_state[jwk["kid"]] is state]

    assert len(published) == 2
    for jwk in published:
        assert set(jwk) == PUBLIC_MEMBERS[jwk["kty"]]
        assert not PRIVATE_MEMBERS & set(jwk)
        assert jwk["use"] == "sig"
        assert jwk["alg"] == ("RS256" if jwk["kty"] == "RSA" else "ES256")


def test_the_body_holds_no_private_member_anywhere(
    client: FlaskClient, every_state: dict[str, KeyState]
) -> None:
    body = client.get(JWKS_PATH).get_data(as_text=True)

    for member in PRIVATE_MEMBERS:
        assert f'"{member}"' not in body


def test_current_keys_come_first(client: FlaskClient, every_state: dict[str, KeyState]) -> None:
    response = client.get(JWKS_PATH)
    assert response.json is not None

    first_es256 = next(jwk for jwk in response.json["keys"] if jwk["alg"] == "ES256")
    assert every_state[first_es256["kid"]] is KeyState.CURRENT


def test_the_jwks_may_be_cached_and_read_by_any_origin(client: FlaskClient) -> None:
    response = client.get(JWKS_PATH)

    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_an_unchanged_jwks_answers_304_to_its_etag(client: FlaskClient) -> None:
    etag = client.get(JWKS_PATH).headers["ETag"]

    response = client.get(JWKS_PATH, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag


def test_the_etag_changes_when_the_keys_do(client: FlaskClient) -> None:
    etag = client.get(JWKS_PATH).headers["ETag"]
    keys.rotate("RS256", force=True)

    response = client.get(JWKS_PATH, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response.headers["ETag"] != etag
