"""Configuration in layers: defaults, instance file, ``AMELI_*`` environment, test overrides.

Every setting is documented in the README's table. Secrets may come from a file
(``AMELI_SECRET_KEY_FILE=/run/secrets/key``) so that they never sit in the environment.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from core.errors import ConfigurationError

__all__ = ["ConfigurationError", "check_production", "load", "sqlalchemy_url", "warn_production"]

DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"
# A random key of 32 characters has far more: fewer is a key typed by hand, or a pattern.
MINIMUM_SECRET_VARIETY = 12
ENVIRONMENTS = ("development", "demo", "test", "production")
# Settings that may be given as the path of a file holding the value.
FILE_SECRETS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "SMTP_URL",
    "KEY_ENCRYPTION_KEY",
    "FRANCECONNECT_CLIENT_SECRET",
    "IDP_PAIRWISE_SECRET",
)
INSTANCE_FILE = "ameli.cfg"
log = logging.getLogger(__name__)


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the built-in defaults: a development service on SQLite in ``instance/``.

    Each feature package defaults its own settings in its ``init_app``.
    """
    return {
        "ENV": "development",
        "SECRET_KEY": DEFAULT_SECRET_KEY,
        "DATABASE_URL": "sqlite:///" + os.path.join(instance_path, "ameli.sqlite3"),
        "REDIS_URL": None,
        "ISSUER": "http://127.0.0.1:5000",
        "SANDBOX_ENABLED": None,  # None: on in development and demo, off elsewhere
        # How many proxies (nginx, a load balancer) stand before the service and say, in
        # X-Forwarded-*, who the client is; 0: nobody, the headers are ignored.
        "TRUSTED_PROXIES": 0,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


def load(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill ``app.config`` from the four layers, then derive the settings that depend on them."""
    app.config.update(defaults(app.instance_path))
    app.config.from_pyfile(INSTANCE_FILE, silent=True)
    app.config.from_prefixed_env("AMELI")
    _read_secret_files(app.config)
    if overrides:
        app.config.update(overrides)
    _derive(app.config)


def _read_secret_files(config: dict[str, Any]) -> None:
    for name in FILE_SECRETS:
        path = config.get(f"{name}_FILE")
        if not path:
            continue
        try:
            config[name] = Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigurationError(
                f"AMELI_{name}_FILE={path} cannot be read: {error.strerror}"
            ) from error


def _derive(config: dict[str, Any]) -> None:
    if config["ENV"] not in ENVIRONMENTS:
        raise ConfigurationError(
            f"AMELI_ENV={config['ENV']!r} is not one of {', '.join(ENVIRONMENTS)}"
        )
    if config["SANDBOX_ENABLED"] is None:
        config["SANDBOX_ENABLED"] = config["ENV"] in ("development", "demo")
    config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(str(config["DATABASE_URL"]))
    # A failed statement's parameters (a NIR, a hash, an address) never reach a log line.
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **config["SQLALCHEMY_ENGINE_OPTIONS"],
        "hide_parameters": True,
    }
    # Served over https, the session cookie never travels in clear (behind a TLS proxy too).
    config["SESSION_COOKIE_SECURE"] = str(config["ISSUER"]).startswith("https://")


def sqlalchemy_url(url: str) -> str:
    """Return ``url`` with the psycopg 3 driver named for PostgreSQL."""
    # Operators write postgres:// or postgresql://; the driver is psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_production(config: Mapping[str, Any]) -> None:
    """Refuse a production configuration that is unsafe.

    :raises ConfigurationError: with a one-line reason.
    """
    if config["ENV"] != "production":
        return
    secret = config.get("SECRET_KEY")
    if not secret or secret == DEFAULT_SECRET_KEY:
        raise ConfigurationError(
            "production refuses the default secret key: "
            "set AMELI_SECRET_KEY or AMELI_SECRET_KEY_FILE"
        )
    if len(str(secret)) < 32:
        raise ConfigurationError("production needs a secret key of at least 32 characters")
    if len(set(str(secret))) < MINIMUM_SECRET_VARIETY:
        raise ConfigurationError(
            "production refuses a secret key of so few different characters (a repeated "
            "letter): use a random one, such as python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'"
        )
    if config.get("SANDBOX_ENABLED"):
        raise ConfigurationError(
            "production refuses the FranceConnect sandbox: unset AMELI_SANDBOX_ENABLED"
        )
    if not str(config.get("ISSUER", "")).startswith("https://"):
        raise ConfigurationError(
            "production needs an https:// AMELI_ISSUER: the public address people and "
            "partners reach, behind TLS"
        )


def warn_production(config: Mapping[str, Any]) -> None:
    """Say what production may run without, but should not."""
    if config["ENV"] == "production" and not config.get("REDIS_URL"):
        log.warning(
            "production without AMELI_REDIS_URL: limits are counted per process, so each "
            "worker and each instance allows its own share of guesses"
        )
