"""Settings of the account: hashing of the code personnel, sign-in and resend limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask

from core import settings
from core.errors import ConfigurationError

# OWASP Password Storage Cheat Sheet, Argon2id: m = 19 MiB, t = 2, p = 1.
DEFAULTS: dict[str, Any] = {
    "ARGON2_TIME_COST": 2,
    "ARGON2_MEMORY_COST": 19456,
    "ARGON2_PARALLELISM": 1,
    # New activation links a person may ask for (each one sends a mail).
    "ENROLLMENT_RESENDS_PER_ACCOUNT": "5/hour",
    "SIGN_IN_FAILURES_PER_IP": "50/hour",
    # "Address already used" answers: they tell who has an account with an address.
    "ADDRESS_IN_USE_PER_PERSON": "5/hour",
    "ADDRESS_IN_USE_PER_IP": "20/hour",
    # A browser's session ends after this long without a request, or this long after it began.
    "SESSION_IDLE_TIMEOUT": 30 * 60,
    "SESSION_ABSOLUTE_TIMEOUT": 12 * 3600,
}
EXTENSION_KEY = "ameli.accounts.settings"


@dataclass(frozen=True)
class Argon2Parameters:
    """How costly one hash of a code personnel is (Argon2id)."""

    time_cost: int
    memory_cost: int  # KiB
    parallelism: int


@dataclass(frozen=True)
class AccountSettings:
    """The account's settings, checked and typed (the hasher reads its own, once)."""

    resends_per_account: str
    sign_in_failures_per_ip: str
    address_in_use_per_person: str
    address_in_use_per_ip: str
    session_idle_timeout: timedelta
    session_absolute_timeout: timedelta


def argon2_parameters(config: Mapping[str, Any]) -> Argon2Parameters:
    """Read the three ``ARGON2_*`` settings, OWASP's values where one is not given.

    :raises ConfigurationError: if a parameter is not a whole number Argon2 accepts.
    """
    values = {name: DEFAULTS[name] for name in DEFAULTS if name.startswith("ARGON2_")}
    values.update({name: config[name] for name in values if name in config})
    parameters = Argon2Parameters(
        time_cost=settings.whole_number(values, "ARGON2_TIME_COST", minimum=1),
        memory_cost=settings.whole_number(values, "ARGON2_MEMORY_COST", minimum=1),
        parallelism=settings.whole_number(values, "ARGON2_PARALLELISM", minimum=1),
    )
    # Argon2 needs 8 KiB of memory per lane; found now rather than at the first sign-up.
    if parameters.memory_cost < 8 * parameters.parallelism:
        raise ConfigurationError(
            f"AMELI_ARGON2_MEMORY_COST ({parameters.memory_cost} KiB) must be at least "
            f"8 × AMELI_ARGON2_PARALLELISM ({8 * parameters.parallelism} KiB)"
        )
    return parameters


def load(config: Mapping[str, Any]) -> AccountSettings:
    """Read and check the account's settings.

    :raises ConfigurationError: with a one-line reason.
    """
    return AccountSettings(
        resends_per_account=settings.rate(config, "ENROLLMENT_RESENDS_PER_ACCOUNT"),
        sign_in_failures_per_ip=settings.rate(config, "SIGN_IN_FAILURES_PER_IP"),
        address_in_use_per_person=settings.rate(config, "ADDRESS_IN_USE_PER_PERSON"),
        address_in_use_per_ip=settings.rate(config, "ADDRESS_IN_USE_PER_IP"),
        session_idle_timeout=timedelta(
            seconds=settings.whole_number(config, "SESSION_IDLE_TIMEOUT", minimum=60)
        ),
        session_absolute_timeout=timedelta(
            seconds=settings.whole_number(config, "SESSION_ABSOLUTE_TIMEOUT", minimum=60)
        ),
    )


def init_app(app: Flask) -> None:
    """Default, check and attach the account's settings.

    :raises ConfigurationError: with a one-line reason.
    """
    settings.install(app, EXTENSION_KEY, load, DEFAULTS)


def get_settings() -> AccountSettings:
    """Return the running application's account settings."""
    found: AccountSettings = settings.installed(EXTENSION_KEY)
    return found
