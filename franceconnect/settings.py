"""Settings of the FranceConnect client, defaulted by :func:`init_app` and read per request.

Values derived from ``ISSUER`` (the sandbox base URL, the redirect URIs) are computed when
read, not at start-up, so that they follow the service's public address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask import current_app

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


@dataclass(frozen=True)
class FranceConnectSettings:
    """How to reach FranceConnect and who this service is to it."""

    base_url: str
    client_id: str
    client_secret: str
    redirect_uri: str
    post_logout_redirect_uri: str
    scope: str = SCOPE
    acr_values: str = "eidas1"
    prompt_login: bool = False
    timeout: float = 5.0
    leeway: int = 30
    cache_ttl: int = 3600

    @property
    def discovery_url(self) -> str:
        return self.base_url.rstrip("/") + "/.well-known/openid-configuration"


def init_app(app: Flask) -> None:
    """Default the ``FRANCECONNECT_*`` settings and refuse a half-configured client.

    :raises ConfigurationError: when a base URL is set without client credentials (or
        credentials without a base URL), or production uses plain HTTP.
    """
    config = app.config
    for name in (
        "BASE_URL",
        "CLIENT_ID",
        "CLIENT_SECRET",
        "REDIRECT_URI",
        "POST_LOGOUT_REDIRECT_URI",
    ):
        config.setdefault(f"FRANCECONNECT_{name}", None)
    config.setdefault("FRANCECONNECT_SCOPE", SCOPE)
    config.setdefault("FRANCECONNECT_ACR_VALUES", "eidas1")
    config.setdefault("FRANCECONNECT_PROMPT_LOGIN", False)
    config.setdefault("FRANCECONNECT_TIMEOUT", 5)
    config.setdefault("FRANCECONNECT_LEEWAY", 30)
    config.setdefault("FRANCECONNECT_CACHE_TTL", 3600)
    _check(config)


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
        redirect_uri=config.get("FRANCECONNECT_REDIRECT_URI") or issuer + CALLBACK_PATH,
        post_logout_redirect_uri=config.get("FRANCECONNECT_POST_LOGOUT_REDIRECT_URI")
        or issuer + LOGOUT_RETURN_PATH,
        scope=str(config.get("FRANCECONNECT_SCOPE") or SCOPE),
        acr_values=str(config.get("FRANCECONNECT_ACR_VALUES") or "eidas1"),
        prompt_login=bool(config.get("FRANCECONNECT_PROMPT_LOGIN")),
        timeout=float(config.get("FRANCECONNECT_TIMEOUT", 5)),
        leeway=int(config.get("FRANCECONNECT_LEEWAY", 30)),
        cache_ttl=int(config.get("FRANCECONNECT_CACHE_TTL", 3600)),
    )


def get_settings() -> FranceConnectSettings | None:
    """Return the running application's FranceConnect settings, None when it is off."""
    return read(current_app.config)


def enabled() -> bool:
    """Tell whether the service offers FranceConnect (for templates)."""
    return get_settings() is not None
