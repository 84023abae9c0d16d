"""Settings of the signing keys, their defaults and the checks that refuse unsafe ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask

from core import settings
from core.errors import ConfigurationError
from keys.crypto import MINIMUM_RSA_BITS
from keys.crypto import KeyEncryption

# Development, demo and test only: production refuses it, like the default secret key.
DEVELOPMENT_KEY_ENCRYPTION_KEY = "dev-only-key-encryption-key-change-me"
MINIMUM_KEY_ENCRYPTION_KEY_LENGTH = 32

DEFAULTS: dict[str, Any] = {
    "KEY_ENCRYPTION_KEY": None,
    "KEYS_RSA_BITS": MINIMUM_RSA_BITS,
    # ID tokens and userinfo JWTs live minutes; refresh tokens are opaque, not signed.
    "KEYS_MAX_TOKEN_LIFETIME": 3600,
    # Covers clock skew between servers and workers still finishing a request.
    "KEYS_RETIREMENT_MARGIN": 3600,
    "KEYS_JWKS_MAX_AGE": 300,
    # Twice the JWKS max-age: a verifier that fetched just before the key appeared has it.
    "KEYS_PUBLICATION_DELAY": 600,
}
_SECONDS = ("KEYS_MAX_TOKEN_LIFETIME", "KEYS_RETIREMENT_MARGIN", "KEYS_JWKS_MAX_AGE")

EXTENSION_KEY = "ameli.keys.settings"


@dataclass(frozen=True)
class KeySettings:
    """The signing-key settings of one application, checked and typed."""

    encryption: KeyEncryption
    rsa_bits: int
    max_token_lifetime: timedelta
    retirement_margin: timedelta
    jwks_max_age: int
    publication_delay: timedelta
    # Development, demo and test create missing keys; production wants an operator.
    create_missing_keys: bool

    @property
    def retired_publication(self) -> timedelta:
        """How long a retired key stays in the JWKS: until all it signed has expired."""
        return self.max_token_lifetime + self.retirement_margin


def key_encryption_key(config: Mapping[str, Any]) -> str:
    """Return the configured KEK, or the development one outside production.

    :raises ConfigurationError: in production, when the KEK is missing, the development
        one or too short.
    """
    # The environment layer parses values as JSON, so a KEK of digits arrives as a number.
    configured = config.get("KEY_ENCRYPTION_KEY")
    kek = "" if configured is None else str(configured)
    if config["ENV"] != "production":
        return kek or DEVELOPMENT_KEY_ENCRYPTION_KEY
    if not kek:
        raise ConfigurationError(
            "production needs a key-encryption key for the signing keys: "
            "set AMELI_KEY_ENCRYPTION_KEY or AMELI_KEY_ENCRYPTION_KEY_FILE"
        )
    if kek == DEVELOPMENT_KEY_ENCRYPTION_KEY:
        raise ConfigurationError(
            "production refuses the development key-encryption key: "
            "set AMELI_KEY_ENCRYPTION_KEY or AMELI_KEY_ENCRYPTION_KEY_FILE"
        )
    if len(kek) < MINIMUM_KEY_ENCRYPTION_KEY_LENGTH:
        raise ConfigurationError(
            f"production needs a key-encryption key of at least "
            f"{MINIMUM_KEY_ENCRYPTION_KEY_LENGTH} characters"
        )
    return kek


def load(config: Mapping[str, Any]) -> KeySettings:
    """Read and check the signing-key settings of ``config``.

    :raises ConfigurationError: with a one-line reason.
    """
    seconds = {name: settings.whole_number(config, name, minimum=1) for name in _SECONDS}
    publication_delay = settings.whole_number(config, "KEYS_PUBLICATION_DELAY")
    if publication_delay < seconds["KEYS_JWKS_MAX_AGE"]:
        raise ConfigurationError(
            "AMELI_KEYS_PUBLICATION_DELAY must be at least AMELI_KEYS_JWKS_MAX_AGE: "
            "a new key must reach verifiers' caches before it signs"
        )
    return KeySettings(
        encryption=KeyEncryption(key_encryption_key(config)),
        rsa_bits=settings.whole_number(config, "KEYS_RSA_BITS", minimum=MINIMUM_RSA_BITS),
        max_token_lifetime=timedelta(seconds=seconds["KEYS_MAX_TOKEN_LIFETIME"]),
        retirement_margin=timedelta(seconds=seconds["KEYS_RETIREMENT_MARGIN"]),
        jwks_max_age=seconds["KEYS_JWKS_MAX_AGE"],
        publication_delay=timedelta(seconds=publication_delay),
        create_missing_keys=config["ENV"] != "production",
    )


def init_app(app: Flask) -> None:
    """Default, check and attach the signing-key settings of ``app``.

    :raises ConfigurationError: with a one-line reason.
    """
    settings.install(app, EXTENSION_KEY, load, DEFAULTS)


def get_settings() -> KeySettings:
    """Return the running application's signing-key settings."""
    found: KeySettings = settings.installed(EXTENSION_KEY)
    return found
