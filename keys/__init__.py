"""Signing keys: generation, encryption at rest, rotation and the JWKS."""

from __future__ import annotations

from flask import Flask

from keys.crypto import ALGORITHMS
from keys.errors import KeyAlreadyRetired
from keys.errors import KeyDecryptionError
from keys.errors import NextKeyNotYetPublished
from keys.errors import NoSigningKey
from keys.errors import SigningKeyError
from keys.errors import TokenVerificationError
from keys.errors import UnknownKey
from keys.errors import UnsupportedAlgorithm
from keys.lifecycle import Retirement
from keys.lifecycle import Rotation
from keys.lifecycle import ensure_keys
from keys.lifecycle import prune
from keys.lifecycle import retire
from keys.lifecycle import rotate
from keys.signing import jwks
from keys.signing import sign
from keys.signing import verify

__all__ = [
    "ALGORITHMS",
    "KeyAlreadyRetired",
    "KeyDecryptionError",
    "NextKeyNotYetPublished",
    "NoSigningKey",
    "Retirement",
    "Rotation",
    "SigningKeyError",
    "TokenVerificationError",
    "UnknownKey",
    "UnsupportedAlgorithm",
    "ensure_keys",
    "init_app",
    "jwks",
    "prune",
    "retire",
    "rotate",
    "sign",
    "verify",
]


def init_app(app: Flask) -> None:
    """Install the signing keys' settings, JWKS endpoint and ``ameli keys`` commands.

    :raises core.errors.ConfigurationError: when a setting is unusable, or when
        production has no key-encryption key of its own.
    """
    from keys import cli
    from keys import settings
    from keys import signing
    from keys import views

    settings.init_app(app)
    signing.init_app(app)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.keys_cli)
