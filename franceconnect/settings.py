"""Settings of the FranceConnect client: defaulted and read once by :func:`init_app`.

Without a base URL, development and demo use the local sandbox provider, whose URLs and
the redirect URIs derive from ``ISSUER``, the service's public address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask

from core import settings
from core.errors import ConfigurationError

SANDBOX_PATH = "/sandbox/franceconnect/api/v2"
CALLBACK_PATH = "/franceconnect/callback"
LOGOUT_RETURN_PATH = "/franceconnect/deconnexion/retour"
# Used only against the local sandbox, which is refused in production.
SANDBOX_CLIENT_ID = "ameli-sandbox-client"
SANDBOX_CLIENT_SECRET = "ameli-sandbox-client-secret-for-development-only"  # noqa: S105
SCOPE = (
    "openid given_name family_name birthdate gender birthplace birthcountry email "
    "preferred_username"
)
DEFAULTS: dict[str, Any] = {
    "FRANCECONNECT_BASE_URL": None,
    "FRANCECONNECT_CLIENT_ID": None,
    "FRANCECONNECT_CLIENT_SECRET": None,
    "FRANCECONNECT_REDIRECT_URI": None,
    "FRANCECONNECT_POST_LOGOUT_REDIRECT_URI": None,
    "FRANCECONNECT_SCOPE": SCOPE,
    "FRANCECONNECT_ACR_VALUES": "eidas1",
    "FRANCECONNECT_PROMPT_LOGIN": False,
    "FRANCECONNECT_TIMEOUT": 5,
    "FRANCECONNECT_LEEWAY": 30,
    "FRANCECONNECT_CACHE_TTL": 3600,
}
EXTENSION_KEY = "ameli.franceconnect.settings"


@dataclass(frozen=True)
class FranceConnectSettings:
    """How to reach FranceConnect and who this service is to it."""

    base_url: str
    client_id: str
    client_secret: str
    redirect_uri: str
    post_logout_redirect_uri: str
    scope: str
    acr_values: str
    prompt_login: bool
    timeout: float
    leeway: int
    cache_ttl: int

    @property
    def discovery_url(self) -> str:
        return self.base_url.rstrip("/") + "/.well-known/openid-configuration"


def _check(config: Mapping[str, Any]) -> None:
    base_url = config["FRANCECONNECT_BASE_URL"]
    credentials = config["FRANCECONNECT_CLIENT_ID"], config["FRANCECONNECT_CLIENT_SECRET"]
    if base_url and not all(credentials):
        raise ConfigurationError(
            "AMELI_FRANCECONNECT_BASE_URL needs AMELI_FRANCECONNECT_CLIENT_ID and "
            "AMELI_FRANCECONNECT_CLIENT_SECRET (or _FILE)"
        )
    if not base_url and any(credentials) and not config["SANDBOX_ENABLED"]:
        raise ConfigurationError(
            "AMELI_FRANCECONNECT_CLIENT_ID is set but AMELI_FRANCECONNECT_BASE_URL is not"
        )
    if config["ENV"] == "production" and base_url and not str(base_url).startswith("https://"):
        raise ConfigurationError("production needs an https:// AMELI_FRANCECONNECT_BASE_URL")


def read(config: Mapping[str, Any]) -> FranceConnectSettings | None:
    """Return the client's settings, or None when FranceConnect is off on this service.

    Without a base URL, development and demo use the local sandbox provider.
    """
    issuer = str(config["ISSUER"]).rstrip("/")
    base_url = config.get("FRANCECONNECT_BASE_URL")
    client_id = config.get("FRANCECONNECT_CLIENT_ID")
    client_secret = config.get("FRANCECONNECT_CLIENT_SECRET")
    if not base_url:
        if not config.get("SANDBOX_ENABLED"):
            return None
        base_url = issuer + SANDBOX_PATH
        client_id = client_id or SANDBOX_CLIENT_ID
        client_secret = client_secret or SANDBOX_CLIENT_SECRET
    return FranceConnectSettings(
        base_url=str(base_url),
        client_id=str(client_id),
        client_secret=str(client_secret),
        redirect_uri=config["FRANCECONNECT_REDIRECT_URI"] or issuer + CALLBACK_PATH,
        post_logout_redirect_uri=config["FRANCECONNECT_POST_LOGOUT_REDIRECT_URI"]
        or issuer + LOGOUT_RETURN_PATH,
        scope=str(config["FRANCECONNECT_SCOPE"] or SCOPE),
        acr_values=str(config["FRANCECONNECT_ACR_VALUES"] or DEFAULTS["FRANCECONNECT_ACR_VALUES"]),
        prompt_login=bool(config["FRANCECONNECT_PROMPT_LOGIN"]),
        timeout=float(config["FRANCECONNECT_TIMEOUT"]),
        leeway=settings.whole_number(config, "FRANCECONNECT_LEEWAY"),
        cache_ttl=settings.whole_number(config, "FRANCECONNECT_CACHE_TTL"),
    )


def load(config: Mapping[str, Any]) -> FranceConnectSettings | None:
    """Check the ``FRANCECONNECT_*`` settings and read them; None when FranceConnect is off.

    :raises ConfigurationError: when a base URL is set without client credentials (or
        credentials without a base URL), or production uses plain HTTP.
    """
    _check(config)
    return read(config)


def init_app(app: Flask) -> None:
    """Default, check and attach the FranceConnect client's settings.

    :raises ConfigurationError: with a one-line reason.
    """
    settings.install(app, EXTENSION_KEY, load, DEFAULTS)


def get_settings() -> FranceConnectSettings | None:
    """Return the running application's FranceConnect settings, None when it is off."""
    found: FranceConnectSettings | None = settings.installed(EXTENSION_KEY)
    return found


def enabled() -> bool:
    """Tell whether the service offers FranceConnect (for templates)."""
    return get_settings() is not None
