"""The beneficiary registry's table: who the caisse knows under a NIR (SPEC §3)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import Date
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from core.db import Base


class Beneficiary(Base):
    """One row of the beneficiary registry: who the caisse knows under a NIR (SPEC §3)."""

    __tablename__ = "beneficiary"
    __table_args__ = (CheckConstraint("gender IN ('male', 'female')", name="gender"),)

    nir: Mapped[str] = mapped_column(String(15), primary_key=True)
    family_name: Mapped[str] = mapped_column(String(100))
    usage_name: Mapped[str | None] = mapped_column(String(100))
    given_names: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(6))
    birthplace: Mapped[str | None] = mapped_column(String(5))
    birthcountry: Mapped[str] = mapped_column(String(5))
    postal_code: Mapped[str] = mapped_column(String(5))
    regime: Mapped[str] = mapped_column(String(20))
    nir_certified: Mapped[bool] = mapped_column(Boolean)
    iban: Mapped[str | None] = mapped_column(String(34))
    vitale_serial: Mapped[str | None] = mapped_column(String(32))
    vitale_active: Mapped[bool] = mapped_column(Boolean)
