"""Key material: generation, public JWK, RFC 7638 thumbprint, encryption at rest.

Pure functions over ``cryptography`` objects; nothing here knows Flask or the database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from keys.errors import KeyDecryptionError
from keys.errors import UnsupportedAlgorithm

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

# The algorithms the service signs with, and the key each needs (RFC 7518 §3.1).
ALGORITHMS = ("RS256", "ES256")
MINIMUM_RSA_BITS = 2048
P256_COORDINATE_BYTES = 32

# Members of a public JWK, per key type: nothing else is ever published.
PUBLIC_MEMBERS = {"RSA": ("kty", "n", "e"), "EC": ("kty", "crv", "x", "y")}
# RFC 7638 §3.2: the required members that make up the thumbprint.
THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y")}

_CIPHERTEXT_VERSION = b"\x01"
_NONCE_BYTES = 12


def check_algorithm(alg: str) -> None:
    """Refuse an algorithm the service does not sign with.

    :raises UnsupportedAlgorithm:
    """
    if alg not in ALGORITHMS:
        raise UnsupportedAlgorithm(alg, ALGORITHMS)


def generate_private_key(alg: str, rsa_bits: int = MINIMUM_RSA_BITS) -> PrivateKey:
    """Generate a new private key for ``alg``: RSA of ``rsa_bits`` bits, or EC P-256.

    :raises UnsupportedAlgorithm:
    :raises ValueError: for fewer than 2048 RSA bits.
    """
    check_algorithm(alg)
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if rsa_bits < MINIMUM_RSA_BITS:
        raise ValueError(f"RSA keys need at least {MINIMUM_RSA_BITS} bits, not {rsa_bits}")
    return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)


def _base64url_uint(value: int, length: int | None = None) -> str:
    size = length or max(1, (value.bit_length() + 7) // 8)
    return base64.urlsafe_b64encode(value.to_bytes(size, "big")).rstrip(b"=").decode("ascii")


def public_jwk(private_key: PrivateKey) -> dict[str, str]:
    """Return the public JWK of ``private_key``, with its public members only (RFC 7518 §6)."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        rsa_numbers = private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "n": _base64url_uint(rsa_numbers.n),
            "e": _base64url_uint(rsa_numbers.e),
        }
    if not isinstance(private_key.curve, ec.SECP256R1):
        raise ValueError(f"unsupported curve {private_key.curve.name}")
    point = private_key.public_key().public_numbers()
    # RFC 7518 §6.2.1.2: coordinates keep their full length, leading zeros included.
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _base64url_uint(point.x, P256_COORDINATE_BYTES),
        "y": _base64url_uint(point.y, P256_COORDINATE_BYTES),
    }


def thumbprint(jwk: dict[str, str]) -> str:
    """Return the RFC 7638 SHA-256 thumbprint of ``jwk``, base64url without padding."""
    members = {name: jwk[name] for name in THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _derive(secret: bytes, purpose: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose).derive(secret)


class KeyEncryption:
    """Encrypt private keys at rest with AES-256-GCM under a key derived from the KEK.

    The ``kid`` is the associated data, so a ciphertext cannot be moved to another row;
    ``kek_id`` names the KEK (it reveals nothing of it) so that a wrong one is reported
    as such rather than as a corrupt key.
    """

    def __init__(self, key_encryption_key: str) -> None:
        secret = key_encryption_key.encode("utf-8")
        self._aead = AESGCM(_derive(secret, b"ameli keys: private keys at rest v1"))
        self.kek_id = _derive(secret, b"ameli keys: key-encryption key id v1", 8).hex()

    def encrypt(self, private_key: PrivateKey, kid: str) -> bytes:
        """Return ``private_key`` as PKCS #8, encrypted and bound to ``kid``."""
        plaintext = private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        nonce = os.urandom(_NONCE_BYTES)
        return _CIPHERTEXT_VERSION + nonce + self._aead.encrypt(nonce, plaintext, kid.encode())

    def decrypt(self, ciphertext: bytes, kid: str, kek_id: str) -> PrivateKey:
        """Return the private key stored as ``ciphertext`` for ``kid`` under KEK ``kek_id``.

        :raises KeyDecryptionError: when the configured KEK is not the one that encrypted it.
        """
        if kek_id != self.kek_id or not ciphertext.startswith(_CIPHERTEXT_VERSION):
            raise KeyDecryptionError(kid, kek_id, self.kek_id)
        nonce = ciphertext[1 : 1 + _NONCE_BYTES]
        try:
            plaintext = self._aead.decrypt(nonce, ciphertext[1 + _NONCE_BYTES :], kid.encode())
        except InvalidTag as error:
            raise KeyDecryptionError(kid, kek_id, self.kek_id) from error
        private_key = serialization.load_der_private_key(plaintext, password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyDecryptionError(kid, kek_id, self.kek_id)
        return private_key
