"""Errors of the signing-key lifecycle, each carrying what an operator needs to act."""

from __future__ import annotations

from datetime import datetime


class SigningKeyError(Exception):
    """Base of every error raised by ``keys``."""


class UnsupportedAlgorithm(SigningKeyError, ValueError):
    """The algorithm is not one the service signs with."""

    def __init__(self, alg: str, supported: tuple[str, ...]) -> None:
        super().__init__(
            f"unsupported signing algorithm {alg!r}: use one of {', '.join(supported)}"
        )
        self.alg = alg


class KeyDecryptionError(SigningKeyError):
    """A stored private key cannot be decrypted: the key-encryption key is not the right one."""

    def __init__(self, kid: str, stored_kek_id: str, configured_kek_id: str) -> None:
        if stored_kek_id != configured_kek_id:
            detail = (
                f"it was encrypted under key-encryption key {stored_kek_id}, "
                f"but the configured one is {configured_kek_id}"
            )
        else:
            detail = "its ciphertext does not authenticate (tampered or corrupt)"
        super().__init__(
            f"signing key {kid} cannot be decrypted: the key-encryption key is wrong "
            f"(AMELI_KEY_ENCRYPTION_KEY / AMELI_KEY_ENCRYPTION_KEY_FILE): {detail}"
        )
        self.kid = kid
        self.stored_kek_id = stored_kek_id
        self.configured_kek_id = configured_kek_id


class NoSigningKey(SigningKeyError):
    """No key is current for an algorithm, and this environment does not create one."""

    def __init__(self, alg: str) -> None:
        super().__init__(f"no current {alg} signing key: run `ameli keys rotate --alg {alg}`")
        self.alg = alg


class UnknownKey(SigningKeyError):
    """No stored key has this ``kid``."""

    def __init__(self, kid: str) -> None:
        super().__init__(f"no signing key with kid {kid!r}")
        self.kid = kid


class KeyAlreadyRetired(SigningKeyError):
    """The key was retired before."""

    def __init__(self, kid: str) -> None:
        super().__init__(f"signing key {kid} is already retired")
        self.kid = kid


class NextKeyNotYetPublished(SigningKeyError):
    """The next key has not been in the JWKS long enough for verifiers' caches to hold it."""

    def __init__(self, kid: str, alg: str, usable_at: datetime) -> None:
        super().__init__(
            f"next {alg} key {kid} may sign from {usable_at:%Y-%m-%d %H:%M:%S}Z, once partners' "
            "cached JWKS include it: rotate again then, or use --force"
        )
        self.kid = kid
        self.alg = alg
        self.usable_at = usable_at


class TokenVerificationError(SigningKeyError):
    """A token's signature or time claims do not verify against the published keys."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"token does not verify: {reason}")
        self.reason = reason
