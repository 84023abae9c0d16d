"""Store the code personnel with Argon2id; verify it at sign-in, rehash it when out of date.

Unknown accounts are verified against a decoy hash made with the same parameters, so that
an unknown NIR answers as slowly as a known one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import argon2
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from flask import Flask
from flask import current_app

from accounts.settings import DEFAULTS
from accounts.settings import argon2_parameters

EXTENSION_KEY = "ameli.password_hasher"
# OWASP's parameters, as the settings' defaults give them.
OWASP = argon2_parameters({})


def encode_secret(text: str) -> bytes:
    """Return the UTF-8 bytes of a secret that may hold anything a client sent."""
    # "surrogatepass": a lone surrogate sent in JSON must be compared or refused, not crash.
    return text.encode("utf-8", "surrogatepass")


class PasswordHasher:
    """Hash and verify codes with Argon2id, and tell when a stored hash is out of date."""

    def __init__(
        self,
        time_cost: int = OWASP.time_cost,
        memory_cost: int = OWASP.memory_cost,
        parallelism: int = OWASP.parallelism,
    ) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )
        # A valid hash of a random code, so that unknown accounts cost as much as known ones.
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        """Return the Argon2id hash of ``password``, with a fresh random salt."""
        return self._hasher.hash(encode_secret(password))

    def verify(self, password_hash: str, password: str) -> bool:
        """Tell whether ``password`` matches ``password_hash``; False for an unusable hash."""
        try:
            return self._hasher.verify(password_hash, encode_secret(password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Tell whether ``password_hash`` was made with other parameters (or is unusable)."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def verify_and_rehash(self, password_hash: str, password: str) -> tuple[bool, str | None]:
        """Verify a code at sign-in; return a new hash too when the parameters changed."""
        if not self.verify(password_hash, password):
            return False, None
        if self.needs_rehash(password_hash):
            return True, self.hash(password)
        return True, None

    def verify_dummy(self, password: str) -> bool:
        """Spend the time of a verification for an unknown account; always return False."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hash("dummy code personnel, never a real one")
        self.verify(self._dummy_hash, password)
        return False


def hasher_from_config(config: Mapping[str, Any]) -> PasswordHasher:
    """Build the hasher from ``ARGON2_TIME_COST``, ``ARGON2_MEMORY_COST``, ``ARGON2_PARALLELISM``.

    :raises ConfigurationError: if a parameter is not a whole number Argon2 accepts.
    """
    return PasswordHasher(**asdict(argon2_parameters(config)))


def init_app(app: Flask) -> None:
    """Install the code personnel hasher on ``app``, with OWASP's parameters by default.

    :raises ConfigurationError: if a parameter is not a whole number Argon2 accepts.
    """
    for name, value in DEFAULTS.items():
        if name.startswith("ARGON2_"):
            app.config.setdefault(name, value)
    app.extensions[EXTENSION_KEY] = hasher_from_config(app.config)


def get_hasher() -> PasswordHasher:
    """Return the hasher of the current application.

    :raises RuntimeError: if :func:`init_app` was not called on it.
    """
    try:
        hasher: PasswordHasher = current_app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "The code personnel hasher is not installed: call accounts.hashing.init_app(app)."
        ) from None
    return hasher


def verify_and_rehash(password_hash: str, password: str) -> tuple[bool, str | None]:
    """Verify a code at sign-in with the app's hasher; return a new hash if out of date."""
    return get_hasher().verify_and_rehash(password_hash, password)
