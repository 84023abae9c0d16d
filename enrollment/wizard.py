"""The state of an enrollment in progress, carried by the client as a signed, expiring token.

The web keeps the token in its session cookie; the mobile API hands it to the app. It is
signed (itsdangerous, a salt of its own, a maximum age) so nobody can forge a verified
identity, and the code personnel's hash inside it is encrypted as well, so the token never
reveals even a hash of the secret.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer

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
    encrypted_password_hash: str | None = None

    @property
    def has_password(self) -> bool:
        return self.encrypted_password_hash is not None

    def with_password_hash(self, password_hash: str) -> WizardState:
        return replace(
            self, encrypted_password_hash=_fernet().encrypt(password_hash.encode()).decode()
        )

    def password_hash(self) -> str:
        """Return the chosen code personnel's hash.

        :raises WizardTampered: when there is none or it cannot be decrypted.
        """
        if self.encrypted_password_hash is None:
            raise WizardTampered()
        try:
            return _fernet().decrypt(self.encrypted_password_hash.encode()).decode()
        except InvalidToken as error:
            raise WizardTampered() from error

    def with_contact(self, contact: dict[str, str]) -> WizardState:
        return replace(self, contact=dict(contact))

    def dump(self, salt: str = SALT) -> str:
        """Return the signed token that carries this state, signed for the purpose ``salt``."""
        payload: dict[str, Any] = {
            "person": self.person.to_json(),
            "step1": self.step1,
            "contact": self.contact,
            "password": self.encrypted_password_hash,
        }
        return _serializer(salt).dumps(payload)


def load(token: str, salt: str = SALT) -> WizardState:
    """Read a wizard token back; ``salt`` must be the one it was signed with.

    :raises WizardExpired: older than ``ENROLLMENT_WIZARD_MAX_AGE`` seconds.
    :raises WizardTampered: not a token this service signed.
    """
    max_age = get_settings().wizard_max_age
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
        return WizardState(
            person=VerifiedPerson.from_json(payload["person"]),
            step1=dict(payload.get("step1") or {}),
            contact=dict(payload.get("contact") or {}),
            encrypted_password_hash=payload.get("password"),
        )
    except SignatureExpired as error:
        raise WizardExpired(max_age) from error
    except (BadSignature, KeyError, TypeError, ValueError) as error:
        raise WizardTampered() from error


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=hashlib.sha256(SALT.encode()).digest(),
        info=b"password-hash-encryption",
    ).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))
