"""The person the shared steps enrol, whichever path verified them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from accounts import ContactDetails
from accounts import EnrollmentPath
from accounts import NewAccount
from enrollment.registry import BeneficiaryRecord


@dataclass(frozen=True, slots=True)
class VerifiedPerson:
    """Who step 1 (Carte Vitale + IBAN, or FranceConnect) proved the user to be.

    Protocol-neutral: it carries no token, only what the code personnel and contact steps
    need, and what the account records.
    """

    nir: str
    family_name: str
    usage_name: str | None
    given_names: str
    birth_date: date
    path: EnrollmentPath
    franceconnect_sub: str | None = None
    suggested_email: str | None = None

    @classmethod
    def from_record(
        cls,
        record: BeneficiaryRecord,
        path: EnrollmentPath,
        *,
        franceconnect_sub: str | None = None,
        suggested_email: str | None = None,
    ) -> VerifiedPerson:
        return cls(
            nir=record.nir,
            family_name=record.family_name,
            usage_name=record.usage_name,
            given_names=record.given_names,
            birth_date=record.birth_date,
            path=path,
            franceconnect_sub=franceconnect_sub,
            suggested_email=suggested_email,
        )

    def new_account(self, password_hash: str, contact: ContactDetails) -> NewAccount:
        """Return what the account of this person is opened with, at the end of step 3."""
        return NewAccount(
            nir=self.nir,
            path=self.path,
            password_hash=password_hash,
            contact=contact,
            franceconnect_sub=self.franceconnect_sub,
        )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name in (self.family_name, self.usage_name, self.given_names) if name)

    def to_json(self) -> dict[str, Any]:
        return {
            "nir": self.nir,
            "family_name": self.family_name,
            "usage_name": self.usage_name,
            "given_names": self.given_names,
            "birth_date": self.birth_date.isoformat(),
            "path": self.path.value,
            "franceconnect_sub": self.franceconnect_sub,
            "suggested_email": self.suggested_email,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VerifiedPerson:
        return cls(
            nir=data["nir"],
            family_name=data["family_name"],
            usage_name=data["usage_name"],
            given_names=data["given_names"],
            birth_date=date.fromisoformat(data["birth_date"]),
            path=EnrollmentPath(data["path"]),
            franceconnect_sub=data.get("franceconnect_sub"),
            suggested_email=data.get("suggested_email"),
        )
