"""The state of an enrollment in progress, carried as a sealed, expiring token.

The web keeps the token in its server-side session; the mobile API hands it to the app. It
is sealed (Fernet: AES and HMAC, a key of its own per purpose, derived from the secret key)
so nobody can forge a verified identity, and nobody holding it can read it: not the NIR,
the birth date, the IBAN and Vitale endings typed at step 1, nor the code personnel's hash.
It expires ``ENROLLMENT_WIZARD_MAX_AGE`` seconds after it was sealed, by the service's clock.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from core import clock
from enrollment.errors import WizardExpired
from enrollment.errors import WizardTampered
from enrollment.person import VerifiedPerson
from enrollment.settings import get_settings

SALT = "ameli.enrollment.wizard"


@dataclass(frozen=True)
class WizardState:
    """Where an enrollment stands: who was verified, what was typed, the chosen code."""

    person: VerifiedPerson
    # What the person typed at step 1 and step 3, to refill the forms on "back" (no secret).
    step1: dict[str, str] = field(default_factory=dict)
    contact: dict[str, str] = field(default_factory=dict)
    chosen_password_hash: str | None = None

    @property
    def has_password(self) -> bool:
        return self.chosen_password_hash is not None

    def with_password_hash(self, password_hash: str) -> WizardState:
        return replace(self, chosen_password_hash=password_hash)

    def password_hash(self) -> str:
        """Return the chosen code personnel's hash.

        :raises WizardTampered: there is none (step 3 before step 2).
        """
        if self.chosen_password_hash is None:
            raise WizardTampered()
        return self.chosen_password_hash

    def with_contact(self, contact: dict[str, str]) -> WizardState:
        return replace(self, contact=dict(contact))

    def dump(self, salt: str = SALT) -> str:
        """Return the sealed token that carries this state, for the purpose ``salt``."""
        payload: dict[str, Any] = {
            "person": self.person.to_json(),
            "step1": self.step1,
            "contact": self.contact,
            "password": self.chosen_password_hash,
        }
        sealed = _fernet(salt).encrypt_at_time(
            json.dumps(payload, separators=(",", ":")).encode(), _seconds_now()
        )
        return sealed.decode("ascii")


def load(token: str, salt: str = SALT) -> WizardState:
    """Read a wizard token back; ``salt`` must be the one it was sealed for.

    :raises WizardExpired: older than ``ENROLLMENT_WIZARD_MAX_AGE`` seconds.
    :raises WizardTampered: not a token this service sealed for ``salt``.
    """
    max_age = get_settings().wizard_max_age
    fernet = _fernet(salt)
    try:
        # The seal is checked first: a forged token is forged, however old it claims to be.
        sealed_at = fernet.extract_timestamp(token.encode("ascii"))
        if _seconds_now() - sealed_at > max_age:
            raise WizardExpired(max_age)
        text = fernet.decrypt_at_time(token.encode("ascii"), max_age, _seconds_now())
        payload = json.loads(text)
        password = payload.get("password")
        if password is not None and not isinstance(password, str):
            raise TypeError("password hash")
        return WizardState(
            person=VerifiedPerson.from_json(payload["person"]),
            step1=dict(payload.get("step1") or {}),
            contact=dict(payload.get("contact") or {}),
            chosen_password_hash=password,
        )
    except (InvalidToken, UnicodeError, AttributeError, KeyError, TypeError, ValueError) as error:
        raise WizardTampered() from error


def _seconds_now() -> int:
    return int(clock.now().timestamp())


def _fernet(salt: str) -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=hashlib.sha256(salt.encode()).digest(),
        info=b"enrollment-wizard-seal",
    ).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))
