"""Settings of enrollment: the limits of step 1 and of the live checks, the wizard's life,
the mobile app's activation token, the registry import."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask

from core import settings

DEFAULTS: dict[str, Any] = {
    "ENROLLMENT_FAILURES_PER_NIR": "5/hour",
    "ENROLLMENT_FAILURES_PER_IP": "20/hour",
    "ENROLLMENT_PASSWORD_CHECKS": "120/minute",
    "ENROLLMENT_FIELD_CHECKS": "240/minute",
    "ENROLLMENT_WIZARD_MAX_AGE": 30 * 60,
    # 21 days of the address plus a margin: the app follows the activation that long.
    "ENROLLMENT_API_ACTIVATION_MAX_AGE": 30 * 24 * 3600,
    "REGISTRY_IMPORT_BATCH_SIZE": 2000,
}
EXTENSION_KEY = "ameli.enrollment.settings"


@dataclass(frozen=True)
class EnrollmentSettings:
    """Enrollment's settings, checked and typed."""

    failures_per_nir: str
    failures_per_ip: str
    password_checks: str
    field_checks: str
    wizard_max_age: int  # seconds
    api_activation_max_age: int  # seconds
    registry_import_batch_size: int


def load(config: Mapping[str, Any]) -> EnrollmentSettings:
    """Read and check enrollment's settings.

    :raises core.errors.ConfigurationError: with a one-line reason.
    """
    return EnrollmentSettings(
        failures_per_nir=settings.rate(config, "ENROLLMENT_FAILURES_PER_NIR"),
        failures_per_ip=settings.rate(config, "ENROLLMENT_FAILURES_PER_IP"),
        password_checks=settings.rate(config, "ENROLLMENT_PASSWORD_CHECKS"),
        field_checks=settings.rate(config, "ENROLLMENT_FIELD_CHECKS"),
        wizard_max_age=settings.whole_number(config, "ENROLLMENT_WIZARD_MAX_AGE", minimum=60),
        api_activation_max_age=settings.whole_number(
            config, "ENROLLMENT_API_ACTIVATION_MAX_AGE", minimum=60
        ),
        registry_import_batch_size=settings.whole_number(
            config, "REGISTRY_IMPORT_BATCH_SIZE", minimum=1
        ),
    )


def init_app(app: Flask) -> None:
    """Default, check and attach enrollment's settings.

    :raises core.errors.ConfigurationError: with a one-line reason.
    """
    settings.install(app, EXTENSION_KEY, load, DEFAULTS)


def get_settings() -> EnrollmentSettings:
    """Return the running application's enrollment settings."""
    found: EnrollmentSettings = settings.installed(EXTENSION_KEY)
    return found
