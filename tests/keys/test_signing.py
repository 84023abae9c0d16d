"""The signing API every signer uses, and the verifying helper."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from joserfc import jwt
from joserfc.jwk import KeySet

import keys
from core.clock import FrozenClock
from core.db import db
from keys.settings import KeySettings
from tests.conftest import make_app

CLAIMS = {"iss": "http://127.0.0.1:5000", "sub": "abc", "aud": "client", "given_name": "Angèle"}


def b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def header_of(token: str) -> dict[str, Any]:
    encoded = token.split(".")[0]
    header: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    )
    return header


@pytest.mark.parametrize("alg", keys.ALGORITHMS)
def test_a_signed_token_names_its_key_and_verifies(app: Flask, alg: str) -> None:
    token = keys.sign(CLAIMS, alg, headers={"typ": "JWT"})

    assert header_of(token) == {"alg": alg, "kid": header_of(token)["kid"], "typ": "JWT"}
    assert header_of(token)["kid"] in {jwk["kid"] for jwk in keys.jwks()["keys"]}
    assert keys.verify(token) == CLAIMS


@pytest.mark.parametrize("alg", keys.ALGORITHMS)
def test_a_partner_verifies_the_token_with_the_published_jwks_alone(app: Flask, alg: str) -> None:
    token = keys.sign(CLAIMS, alg)

    decoded = jwt.decode(token, KeySet.import_key_set(keys.jwks()), algorithms=[alg])  # type: ignore[arg-type]

    assert decoded.claims == CLAIMS


def test_es256_is_the_default_and_typ_is_only_set_when_asked(app: Flask) -> None:
    assert set(header_of(keys.sign(CLAIMS))) == {"alg", "kid"}
    assert header_of(keys.sign(CLAIMS))["alg"] == "ES256"


@pytest.mark.parametrize("member", ["alg", "kid", "jku", "jwk", "x5u", "crit"])
def test_callers_cannot_choose_the_key_through_the_header(app: Flask, member: str) -> None:
    with pytest.raises(ValueError, match=f"the signer sets {member} itself"):
        keys.sign(CLAIMS, headers={member: "x"})


@pytest.mark.parametrize("alg", ["HS256", "none", "RS512"])
def test_other_algorithms_are_refused(app: Flask, alg: str) -> None:
    with pytest.raises(keys.UnsupportedAlgorithm):
        keys.sign(CLAIMS, alg)


@pytest.mark.parametrize("alg", keys.ALGORITHMS)
def test_a_token_signed_before_a_rotation_still_verifies_after_it(
    app: Flask, alg: str, after_publication_delay: Callable[[], None]
) -> None:
    before = keys.sign(CLAIMS, alg)
    after_publication_delay()
    rotation = keys.rotate(alg)

    after = keys.sign(CLAIMS, alg)

    assert header_of(before)["kid"] == rotation.retired
    assert header_of(after)["kid"] == rotation.current
    assert keys.verify(before) == keys.verify(after) == CLAIMS


def test_a_token_of_a_removed_key_no_longer_verifies(
    app: Flask, clock: FrozenClock, key_settings: KeySettings
) -> None:
    token = keys.sign(CLAIMS)
    keys.rotate("ES256", force=True)
    clock.advance(key_settings.retired_publication)

    with pytest.raises(keys.TokenVerificationError, match="no published key has kid"):
        keys.verify(token)


def test_signing_picks_up_a_rotation_made_by_another_process(
    app: Flask, database: dict[str, Any], tmp_path: Path, clock: FrozenClock
) -> None:
    before = keys.sign(CLAIMS)
    other = make_app(database, tmp_path / "other", clock)
    with other.app_context():
        try:
            rotation = keys.rotate("ES256", force=True)
        finally:
            db.session.remove()
            db.engine.dispose()

    assert header_of(keys.sign(CLAIMS))["kid"] == rotation.current != header_of(before)["kid"]


def tamper_payload(token: str) -> str:
    header, _, signature = token.split(".")
    return ".".join((header, b64({**CLAIMS, "sub": "someone-else"}), signature))


def tamper_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = "A" if signature[10] != "A" else "B"
    return ".".join((header, payload, signature[:10] + flipped + signature[11:]))


def strip_signature(token: str) -> str:
    header, payload, _ = token.split(".")
    return ".".join((b64({**header_of(token), "alg": "none"}), payload, ""))


def swap_algorithm(token: str) -> str:
    header, payload, signature = token.split(".")
    return ".".join((b64({**header_of(token), "alg": "RS256"}), payload, signature))


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (tamper_payload, "signature does not verify"),
        (tamper_signature, "signature does not verify"),
        (strip_signature, "algorithm 'none' is not accepted"),
        (swap_algorithm, "is for ES256, not RS256"),
        (lambda token: token.replace(".", "", 1), "not a compact JWS"),
        (lambda token: "é" + token, "not a compact JWS"),
    ],
)
def test_a_tampered_token_fails(app: Flask, tamper: Callable[[str], str], reason: str) -> None:
    token = keys.sign(CLAIMS, "ES256")

    with pytest.raises(keys.TokenVerificationError, match=reason):
        keys.verify(tamper(token))


def test_verify_accepts_only_the_algorithms_asked_for(app: Flask) -> None:
    token = keys.sign(CLAIMS, "RS256")

    with pytest.raises(keys.TokenVerificationError, match="'RS256' is not accepted"):
        keys.verify(token, algorithms=["ES256"])


def test_verify_checks_expiry_and_not_before_on_the_application_clock(
    app: Flask, clock: FrozenClock
) -> None:
    now = int(clock.now().timestamp())
    token = keys.sign({**CLAIMS, "nbf": now + 10, "exp": now + 60})

    with pytest.raises(keys.TokenVerificationError, match="not valid yet"):
        keys.verify(token)
    clock.advance(timedelta(seconds=10))
    assert keys.verify(token)["sub"] == "abc"
    clock.advance(timedelta(seconds=50))
    with pytest.raises(keys.TokenVerificationError, match="expired"):
        keys.verify(token)
    assert keys.verify(token, leeway=timedelta(seconds=5))["sub"] == "abc"


def test_a_wrong_kek_fails_signing_with_a_clear_error(
    app: Flask, database: dict[str, Any], tmp_path: Path
) -> None:
    keys.rotate("ES256")
    other = make_app(database, tmp_path / "other", KEY_ENCRYPTION_KEY="another-kek-" + "x" * 30)

    with other.app_context():
        try:
            with pytest.raises(keys.KeyDecryptionError, match="the key-encryption key is wrong"):
                keys.sign(CLAIMS)
        finally:
            db.session.remove()
            db.engine.dispose()
