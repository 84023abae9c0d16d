"""Key material: generation, RFC 7638 thumbprints, and encryption at rest."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import JWKRegistry

from keys import crypto
from keys.errors import KeyDecryptionError
from keys.errors import UnsupportedAlgorithm

# RFC 7638 §3.1: the example RSA key and its thumbprint.
RFC7638_KEY = {
    "kty": "RSA",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_B"
        "JECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_F"
        "DW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4"
        "vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    ),
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth")
KEK = "a-key-encryption-key-of-at-least-32-characters"


@pytest.fixture(scope="module", params=crypto.ALGORITHMS)
def private_key(request: pytest.FixtureRequest) -> crypto.PrivateKey:
    return crypto.generate_private_key(request.param)


def test_the_thumbprint_is_the_one_rfc_7638_computes_for_its_example() -> None:
    assert crypto.thumbprint(RFC7638_KEY) == RFC7638_THUMBPRINT


def test_the_thumbprint_agrees_with_joserfc(private_key: crypto.PrivateKey) -> None:
    jwk = crypto.public_jwk(private_key)

    assert crypto.thumbprint(jwk) == JWKRegistry.import_key(dict(jwk)).thumbprint()


def test_rsa_keys_have_at_least_2048_bits_and_es256_keys_are_p256() -> None:
    rsa_key = crypto.generate_private_key("RS256")
    ec_key = crypto.generate_private_key("ES256")

    assert isinstance(rsa_key, rsa.RSAPrivateKey) and rsa_key.key_size == 2048
    assert isinstance(ec_key, ec.EllipticCurvePrivateKey)
    assert isinstance(ec_key.curve, ec.SECP256R1)


def test_fewer_than_2048_rsa_bits_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 2048 bits"):
        crypto.generate_private_key("RS256", 1024)


@pytest.mark.parametrize("alg", ["HS256", "none", "PS256", "es256"])
def test_other_algorithms_are_refused(alg: str) -> None:
    with pytest.raises(UnsupportedAlgorithm, match=f"unsupported signing algorithm '{alg}'"):
        crypto.generate_private_key(alg)


def test_the_public_jwk_has_public_members_only(private_key: crypto.PrivateKey) -> None:
    jwk = crypto.public_jwk(private_key)

    assert set(jwk) in ({"kty", "n", "e"}, {"kty", "crv", "x", "y"})
    assert not set(PRIVATE_MEMBERS) & set(jwk)


def test_the_public_jwk_is_the_key_joserfc_reads_from_the_private_key(
    private_key: crypto.PrivateKey,
) -> None:
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )

    key_type = "RSA" if isinstance(private_key, rsa.RSAPrivateKey) else "EC"
    expected = JWKRegistry.import_key(pem, key_type).as_dict(private=False)

    assert crypto.public_jwk(private_key) == expected


def test_ec_coordinates_keep_their_leading_zeros() -> None:
    # About one P-256 key in 128 has a coordinate below 2^248: find one.
    for _ in range(2000):
        key = crypto.generate_private_key("ES256")
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        numbers = key.public_key().public_numbers()
        if numbers.x < 2**248 or numbers.y < 2**248:
            break
    else:
        pytest.fail("no P-256 key with a short coordinate in 2000 tries")

    jwk = crypto.public_jwk(key)

    assert len(jwk["x"]) == len(jwk["y"]) == 43  # 32 bytes, base64url without padding


def _plaintexts(private_key: crypto.PrivateKey) -> list[bytes]:
    der = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    if isinstance(private_key, rsa.RSAPrivateKey):
        secret = private_key.private_numbers().p
    else:
        secret = private_key.private_numbers().private_value
    return [der, der[-64:], secret.to_bytes((secret.bit_length() + 7) // 8, "big")]


def test_the_stored_key_does_not_contain_the_private_key_in_clear(
    private_key: crypto.PrivateKey,
) -> None:
    ciphertext = crypto.KeyEncryption(KEK).encrypt(private_key, "kid-1")

    for secret in _plaintexts(private_key):
        assert secret not in ciphertext


def test_an_encrypted_key_decrypts_with_the_same_kek(private_key: crypto.PrivateKey) -> None:
    encryption = crypto.KeyEncryption(KEK)

    ciphertext = encryption.encrypt(private_key, "kid-1")
    decrypted = crypto.KeyEncryption(KEK).decrypt(ciphertext, "kid-1", encryption.kek_id)

    assert crypto.public_jwk(decrypted) == crypto.public_jwk(private_key)


def test_a_wrong_kek_is_reported_as_such(private_key: crypto.PrivateKey) -> None:
    right = crypto.KeyEncryption(KEK)
    wrong = crypto.KeyEncryption(KEK + "!")
    ciphertext = right.encrypt(private_key, "kid-1")

    with pytest.raises(KeyDecryptionError) as raised:
        wrong.decrypt(ciphertext, "kid-1", right.kek_id)

    assert str(raised.value) == (
        "signing key kid-1 cannot be decrypted: the key-encryption key is wrong "
        "(AMELI_KEY_ENCRYPTION_KEY / AMELI_KEY_ENCRYPTION_KEY_FILE): it was encrypted under "
        f"key-encryption key {right.kek_id}, but the configured one is {wrong.kek_id}"
    )


def test_a_wrong_kek_fails_even_when_the_stored_kek_id_is_forged(
    private_key: crypto.PrivateKey,
) -> None:
    wrong = crypto.KeyEncryption(KEK + "!")
    ciphertext = crypto.KeyEncryption(KEK).encrypt(private_key, "kid-1")

    with pytest.raises(KeyDecryptionError, match="does not authenticate"):
        wrong.decrypt(ciphertext, "kid-1", wrong.kek_id)


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_a_tampered_ciphertext_is_refused(private_key: crypto.PrivateKey, position: int) -> None:
    encryption = crypto.KeyEncryption(KEK)
    ciphertext = bytearray(encryption.encrypt(private_key, "kid-1"))
    ciphertext[position] ^= 0x01

    with pytest.raises(KeyDecryptionError, match="the key-encryption key is wrong"):
        encryption.decrypt(bytes(ciphertext), "kid-1", encryption.kek_id)


def test_a_ciphertext_moved_to_another_kid_is_refused(private_key: crypto.PrivateKey) -> None:
    encryption = crypto.KeyEncryption(KEK)
    ciphertext = encryption.encrypt(private_key, "kid-1")

    with pytest.raises(KeyDecryptionError):
        encryption.decrypt(ciphertext, "kid-2", encryption.kek_id)


def test_the_kek_id_names_the_kek_without_revealing_it() -> None:
    first = crypto.KeyEncryption(KEK)

    assert first.kek_id == crypto.KeyEncryption(KEK).kek_id
    assert first.kek_id != crypto.KeyEncryption(KEK + "!").kek_id
    assert len(first.kek_id) == 16 and KEK not in first.kek_id
