"""Settings of the provider: the lifetimes of what it issues, the pairwise secret."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask

from core import settings
from core.errors import ConfigurationError

DEFAULTS: dict[str, Any] = {
    "IDP_ACCESS_TOKEN_LIFETIME": 600,
    "IDP_ID_TOKEN_LIFETIME": 300,
    "IDP_REFRESH_TOKEN_LIFETIME": 30 * 24 * 3600,
    "IDP_PAIRWISE_SECRET": None,
}
EXTENSION_KEY = "ameli.idp.settings"
_DERIVATION_SALT = b"ameli.idp.pairwise-subject"


@dataclass(frozen=True)
class IdpSettings:
    """The provider's settings, checked and typed."""

    issuer: str  # ISSUER without a trailing slash
    access_token_lifetime: int  # seconds
    id_token_lifetime: int  # seconds, also of a userinfo JWT
    refresh_token_lifetime: timedelta
    # Key of the pairwise ``sub``: changing it changes every partner's ``sub``.
    pairwise_secret: bytes = b""


def _pairwise_secret(config: Mapping[str, Any]) -> bytes:
    configured = config.get("IDP_PAIRWISE_SECRET")
    if configured:
        return str(configured).encode("utf-8")
    # Derived from the secret key with a salt of its own, when not set.
    secret_key = str(config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(secret_key, _DERIVATION_SALT, hashlib.sha256).digest()


def load(config: Mapping[str, Any]) -> IdpSettings:
    """Read and check the provider's settings.

    :raises ConfigurationError: when a lifetime is unusable.
    """
    lifetimes = {
        name: settings.whole_number(config, name, minimum=1)
        for name in (
            "IDP_ACCESS_TOKEN_LIFETIME",
            "IDP_ID_TOKEN_LIFETIME",
            "IDP_REFRESH_TOKEN_LIFETIME",
        )
    }
    # A signed token must not outlive the publication of its key after retirement
    # (KEYS_MAX_TOKEN_LIFETIME is the keys' setting, defaulted and checked by them).
    if lifetimes["IDP_ID_TOKEN_LIFETIME"] > int(config["KEYS_MAX_TOKEN_LIFETIME"]):
        raise ConfigurationError(
            "AMELI_IDP_ID_TOKEN_LIFETIME must not exceed AMELI_KEYS_MAX_TOKEN_LIFETIME"
        )
    return IdpSettings(
        issuer=str(config["ISSUER"]).rstrip("/"),
        access_token_lifetime=lifetimes["IDP_ACCESS_TOKEN_LIFETIME"],
        id_token_lifetime=lifetimes["IDP_ID_TOKEN_LIFETIME"],
        refresh_token_lifetime=timedelta(seconds=lifetimes["IDP_REFRESH_TOKEN_LIFETIME"]),
        pairwise_secret=_pairwise_secret(config),
    )


def init_app(app: Flask) -> None:
    """Default, check and attach the provider's settings.

    :raises ConfigurationError: with a one-line reason.
    """
    settings.install(app, EXTENSION_KEY, load, DEFAULTS)


def get_settings() -> IdpSettings:
    """Return the running application's provider settings."""
    found: IdpSettings = settings.installed(EXTENSION_KEY)
    return found
