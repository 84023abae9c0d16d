"""The compte ameli: one per NIR, and the single-use links mailed to confirm its address.

Other packages read accounts through ``accounts``' public functions; the provider's tables
refer to ``account.id`` by foreign key.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from core.db import Base
from core.db import UTCDateTime


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


class BrowserSession(Base):
    """The server's side of a browser's session: the cookie holds only a random key.

    Only the key's SHA-256 is stored. ``account_id`` is set while someone is signed in, so
    that their sessions can be listed and ended (sign-out everywhere, a new code
    personnel, deletion of the account).
    """

    __tablename__ = "browser_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    data: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LinkPurpose(enum.StrEnum):
    """What a single-use mailed link does (activation links have a table of their own)."""

    UNLOCK = "unlock"


class MailedLink(Base):
    """A single-use link mailed to an account's address; only its token's SHA-256 is kept."""

    __tablename__ = "mailed_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[LinkPurpose] = mapped_column(
        Enum(LinkPurpose, native_enum=False, length=20, values_callable=_values)
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
