"""The table of signing keys."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import CheckConstraint
from sqlalchemy import Enum
from sqlalchemy import Index
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from core.db import Base
from core.db import UTCDateTime


class KeyState(enum.StrEnum):
    """Where a key is in its life: published ahead, signing, or published after."""

    NEXT = "next"
    CURRENT = "current"
    RETIRED = "retired"


def _values(enumeration: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in enumeration]


def _one_per_algorithm(state: KeyState) -> Index:
    # Partial unique index: the database itself refuses a second current (or next) key
    # for an algorithm, whatever the application does.
    where = text(f"state = '{state.value}'")
    return Index(
        f"uq_signing_key_{state.value}_alg",
        "alg",
        unique=True,
        sqlite_where=where,
        postgresql_where=where,
    )


class SigningKey(Base):
    """A signing key pair; the private half is encrypted under the key-encryption key."""

    __tablename__ = "signing_key"
    __table_args__ = (
        CheckConstraint("alg IN ('RS256', 'ES256')", name="alg"),
        _one_per_algorithm(KeyState.CURRENT),
        _one_per_algorithm(KeyState.NEXT),
    )

    # RFC 7638 thumbprint (SHA-256, base64url): 43 characters.
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(8))
    state: Mapped[KeyState] = mapped_column(
        Enum(KeyState, native_enum=False, length=10, values_callable=_values)
    )
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    private_key_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    # Which key-encryption key encrypted it: a wrong KEK is told apart from corruption.
    kek_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Retired keys leave the JWKS (and the table) then: every token they signed has expired.
    published_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
