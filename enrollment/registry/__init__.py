"""The beneficiary registry: "who is this NIR", behind an interface a remote adapter can replace.

In production the caisse's systems answer; here a table does. Enrollment only ever sees
:class:`BeneficiaryRecord`, never the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from flask import Flask
from flask import current_app

from core.db import db
from enrollment.registry.models import Beneficiary

# Régimes whose members may create their account immediately (seed: "cas d'exclusion").
ELIGIBLE_REGIMES = frozenset(
    {"general", "CAMIEG", "CANSSM", "CAVIMAC", "CNMSS", "CRPCEN", "ENIM", "MGP"}
)


@dataclass(frozen=True, slots=True)
class BeneficiaryRecord:
    """What the caisse knows of a person, as read from the registry."""

    nir: str
    family_name: str
    usage_name: str | None
    given_names: str
    birth_date: date
    gender: str
    birthplace: str | None
    birthcountry: str
    postal_code: str
    regime: str
    nir_certified: bool
    iban: str | None
    vitale_serial: str | None
    vitale_active: bool

    @property
    def regime_eligible(self) -> bool:
        return self.regime in ELIGIBLE_REGIMES

    @property
    def first_given_name(self) -> str:
        return self.given_names.split(" ", 1)[0]

    @property
    def display_name(self) -> str:
        """The name a page greets the person by: first given name, then usage or birth name."""
        return f"{self.first_given_name} {self.usage_name or self.family_name}"


class Registry(Protocol):
    """Answer "who is this NIR"."""

    def find(self, nir: str) -> BeneficiaryRecord | None:
        """Return the person registered under the 15-character ``nir``, or None."""
        ...


class DatabaseRegistry:
    """The registry kept in the service's own database (imported from CSV)."""

    def find(self, nir: str) -> BeneficiaryRecord | None:
        row = db.session.get(Beneficiary, nir)
        return None if row is None else record_from_row(row)


def record_from_row(row: Beneficiary) -> BeneficiaryRecord:
    """Copy a registry row into the immutable record enrollment works with."""
    return BeneficiaryRecord(
        nir=row.nir,
        family_name=row.family_name,
        usage_name=row.usage_name,
        given_names=row.given_names,
        birth_date=row.birth_date,
        gender=row.gender,
        birthplace=row.birthplace,
        birthcountry=row.birthcountry,
        postal_code=row.postal_code,
        regime=row.regime,
        nir_certified=row.nir_certified,
        iban=row.iban,
        vitale_serial=row.vitale_serial,
        vitale_active=row.vitale_active,
    )


EXTENSION_KEY = "ameli.registry"


def init_app(app: Flask, registry: Registry | None = None) -> None:
    """Install the registry the application answers with (the database one by default)."""
    app.extensions[EXTENSION_KEY] = registry or DatabaseRegistry()


def get_registry() -> Registry:
    """Return the running application's registry."""
    registry: Registry = current_app.extensions[EXTENSION_KEY]
    return registry
