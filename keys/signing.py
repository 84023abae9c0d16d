"""The one signing API of the service, its verifying counterpart, and the JWKS document.

Every signer (ID tokens, userinfo JWTs, the FranceConnect sandbox) calls :func:`sign`;
partners verify with the keys of :func:`jwks`.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Collection
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask import current_app
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from joserfc.jwk import JWKRegistry
from joserfc.jwk import Key
from joserfc.jwk import RSAKey

from core import clock
from keys import crypto
from keys import lifecycle
from keys.errors import TokenVerificationError
from keys.models import SigningKey
from keys.settings import get_settings

# Header members the signer sets itself: a caller may not point a token at another key.
_RESERVED_HEADERS = frozenset({"alg", "kid", "jku", "jwk", "x5u", "x5c", "crit"})
_CACHE_KEY = "ameli.keys.private_keys"
# A few rotations' worth: keys are cached by kid, which names one key pair forever.
_CACHE_SIZE = 8


class _PrivateKeyCache:
    """Decrypted private keys by ``kid``: decrypting and parsing on every token is slow."""

    def __init__(self) -> None:
        self._keys: OrderedDict[str, Key] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, kid: str) -> Key:
        """Return the signing key ``kid``, decrypted on first use."""
        with self._lock:
            if kid in self._keys:
                self._keys.move_to_end(kid)
                return self._keys[kid]
        ciphertext, kek_id = lifecycle.private_key_ciphertext(kid)
        private_key = get_settings().encryption.decrypt(ciphertext, kid, kek_id)
        key: Key
        if isinstance(private_key, rsa.RSAPrivateKey):
            key = RSAKey(private_key, private_key)
        else:
            key = ECKey(private_key, private_key)
        with self._lock:
            self._keys[kid] = key
            while len(self._keys) > _CACHE_SIZE:
                self._keys.popitem(last=False)
        return key


def init_app(app: Flask) -> None:
    """Give ``app`` its own cache of decrypted private keys."""
    app.extensions[_CACHE_KEY] = _PrivateKeyCache()


def _private_keys() -> _PrivateKeyCache:
    cache: _PrivateKeyCache = current_app.extensions[_CACHE_KEY]
    return cache


def sign(
    claims: Mapping[str, Any], alg: str = "ES256", *, headers: Mapping[str, Any] | None = None
) -> str:
    """Sign ``claims`` with ``alg``'s current key; return a compact JWS naming it by ``kid``.

    ``headers`` adds protected header members such as ``typ``.

    :raises UnsupportedAlgorithm:
    :raises ValueError: when ``headers`` tries to set ``alg``, ``kid`` or another key reference.
    :raises NoSigningKey: in production, when no key is current (``ameli keys rotate``).
    :raises KeyDecryptionError: when the KEK cannot decrypt the current key.
    """
    crypto.check_algorithm(alg)
    extra = dict(headers or {})
    reserved = sorted(_RESERVED_HEADERS & extra.keys())
    if reserved:
        raise ValueError(f"the signer sets {', '.join(reserved)} itself")
    # Asked on every token, so that a rotation made by another process applies at once.
    kid = lifecycle.current_kid(alg)
    payload = json.dumps(dict(claims), separators=(",", ":"), ensure_ascii=False)
    protected = {**extra, "alg": alg, "kid": kid}
    return jws.serialize_compact(protected, payload, _private_keys().get(kid), algorithms=[alg])


def public_jwk(key: SigningKey) -> dict[str, str]:
    """Return ``key`` as a JWKS entry: its public members, ``use``, ``alg`` and ``kid``."""
    members = crypto.PUBLIC_MEMBERS[key.public_jwk["kty"]]
    jwk = {name: str(key.public_jwk[name]) for name in members}
    return {**jwk, "use": "sig", "alg": key.alg, "kid": key.kid}


def jwks() -> dict[str, list[dict[str, str]]]:
    """Return the JWK Set of the keys verifiers may meet (RFC 7517 §5).

    In development, demo and test the first keys are created on the first call.
    """
    if get_settings().create_missing_keys:
        lifecycle.ensure_keys()
    return {"keys": [public_jwk(key) for key in lifecycle.published_keys()]}


def verify(
    token: str,
    *,
    algorithms: Collection[str] = crypto.ALGORITHMS,
    leeway: timedelta = timedelta(0),
) -> dict[str, Any]:
    """Verify ``token`` against the published keys and return its claims.

    ``exp`` and ``nbf``, when present, are checked against the application's clock.
    Meant for tests and the sandbox; relying parties use their own library.

    :raises TokenVerificationError: with the reason.
    """
    try:
        signed = jws.extract_compact(token.encode("ascii"))
    except (JoseError, ValueError, UnicodeError) as error:
        raise TokenVerificationError("not a compact JWS") from error
    header = signed.headers()
    alg = header.get("alg")
    if alg not in algorithms:
        raise TokenVerificationError(f"algorithm {alg!r} is not accepted")
    jwk = next((key for key in jwks()["keys"] if key["kid"] == header.get("kid")), None)
    if jwk is None:
        raise TokenVerificationError(f"no published key has kid {header.get('kid')!r}")
    if jwk["alg"] != alg:
        raise TokenVerificationError(f"key {jwk['kid']} is for {jwk['alg']}, not {alg}")
    try:
        valid = jws.validate_compact(signed, JWKRegistry.import_key(dict(jwk)), algorithms=[alg])
    except (JoseError, ValueError) as error:
        raise TokenVerificationError("signature does not verify") from error
    if not valid:
        raise TokenVerificationError("signature does not verify")
    try:
        claims = json.loads(signed.payload)
    except ValueError as error:
        raise TokenVerificationError("payload is not JSON") from error
    if not isinstance(claims, dict):
        raise TokenVerificationError("payload is not a JSON object")
    _check_times(claims, leeway)
    return claims


def _check_times(claims: Mapping[str, Any], leeway: timedelta) -> None:
    now = clock.now().timestamp()
    slack = leeway.total_seconds()
    for name in ("exp", "nbf"):
        if name in claims and (
            not isinstance(claims[name], int | float) or isinstance(claims[name], bool)
        ):
            raise TokenVerificationError(f"{name} is not a number")
    if "exp" in claims and now >= claims["exp"] + slack:
        raise TokenVerificationError("token has expired")
    if "nbf" in claims and now < claims["nbf"] - slack:
        raise TokenVerificationError("token is not valid yet")
