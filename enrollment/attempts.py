"""Identity checks of step 1, on either path, throttled per NIR and per client address.

Both paths count against the same limits: switching from the card path to FranceConnect
gives nobody more guesses at who holds a NIR (SPEC §4, §5.3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from core.throttle import Limit
from core.throttle import get_throttle
from enrollment.eligibility import IdentityNotRecognised

PER_NIR = "enrollment.identity.nir"
PER_IP = "enrollment.identity.ip"
T = TypeVar("T")


def limits(nir: str, client_ip: str) -> tuple[tuple[Limit, str], ...]:
    """Return the limits an identity check of ``nir`` from ``client_ip`` counts against."""
    config = current_app.config
    return (
        (Limit(PER_NIR, config["ENROLLMENT_FAILURES_PER_NIR"]), nir),
        (Limit(PER_IP, config["ENROLLMENT_FAILURES_PER_IP"]), client_ip),
    )


def throttled(nir: str, client_ip: str, check: Callable[[], T]) -> T:
    """Run ``check`` unless blocked; count it as a failure when the identity does not match.

    :raises Throttled: too many recent failures for this NIR or this address.
    :raises EnrollmentRefused: what ``check`` raised.
    """
    throttle = get_throttle()
    keys = limits(nir, client_ip)
    throttle.check(*keys)
    try:
        return check()
    except IdentityNotRecognised:
        throttle.record(*keys)
        raise
