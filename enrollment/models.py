"""Tables owned by enrollment."""

from __future__ import annotations

import enum
from datetime import date
from datetime import datetime

from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import Date
from sqlalchemy import Enum
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from core.db import Base
from core.db import UTCDateTime


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


def _values(enumeration: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in enumeration]


class AccountStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"


class EnrollmentPath(enum.StrEnum):
    VITALE_IBAN = "vitale_iban"
    FRANCECONNECT = "franceconnect"


class Account(Base):
    """A compte ameli: one per NIR, ``pending`` until its email address is confirmed."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    nir: Mapped[str] = mapped_column(String(15), unique=True)
    status: Mapped[AccountStatus] = mapped_column(
        Enum(AccountStatus, native_enum=False, length=10, values_callable=_values)
    )
    enrollment_path: Mapped[EnrollmentPath] = mapped_column(
        Enum(EnrollmentPath, native_enum=False, length=20, values_callable=_values)
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    # As typed, domain lower-cased; NULL once deleted by the 21-day purge.
    email: Mapped[str | None] = mapped_column(String(254))
    # Lower-cased copy: the unique constraint makes addresses unique whatever their case.
    email_canonical: Mapped[str | None] = mapped_column(String(254), unique=True)
    mobile_phone: Mapped[str | None] = mapped_column(String(16))
    landline_phone: Mapped[str | None] = mapped_column(String(16))
    marketing_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    franceconnect_sub: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the latest activation link was sent: the 7 / 21-day clock starts here.
    activation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    activation_tokens: Mapped[list[ActivationToken]] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )

    @property
    def marketing_consent(self) -> bool:
        return self.marketing_consent_at is not None


class ActivationToken(Base):
    """An emailed activation link; only the SHA-256 of its random token is kept."""

    __tablename__ = "activation_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when a newer link is sent: only the latest link activates.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    account: Mapped[Account] = relationship(back_populates="activation_tokens")


class OutboxMessage(Base):
    """An email written in the same transaction as what it announces, sent after commit.

    The body is erased once delivered: it may hold a single-use link.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
