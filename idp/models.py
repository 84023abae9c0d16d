"""Tables of the OpenID Connect provider, behind Authlib's model mixins.

Secrets and tokens are stored as SHA-256 digests only: a database dump gives no usable
client secret, code, access token or refresh token (STYLE 8). Client secrets and tokens
are 256-bit random values, so a fast hash is enough; codes personnels use Argon2.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc6749 import scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin
from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from accounts import Account
from core import clock
from core.db import Base
from core.db import UTCDateTime
from idp.claims import claims_of_scope

ACR = "eidas1"
AMR = ["pwd"]


def digest(secret: str) -> str:
    """Return the SHA-256 hex digest under which a random secret or token is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class AuthMethod(enum.StrEnum):
    """How a client authenticates at the token endpoint (OIDC Core §9)."""

    CLIENT_SECRET_BASIC = "client_secret_basic"
    CLIENT_SECRET_POST = "client_secret_post"
    PRIVATE_KEY_JWT = "private_key_jwt"
    NONE = "none"


class SubjectType(enum.StrEnum):
    PAIRWISE = "pairwise"
    PUBLIC = "public"


# Grants a client may use: everything it needs for the code flow with refresh.
GRANT_TYPES = ("authorization_code", "refresh_token")
# Endpoints where a client authenticates with its registered method.
AUTHENTICATED_ENDPOINTS = ("token", "revocation", "introspection")


class Client(Base, ClientMixin):
    """A partner site (or FranceConnect) registered to sign people in with ameli."""

    __tablename__ = "oidc_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the secret; NULL for public clients and private_key_jwt ones.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    auth_method: Mapped[str] = mapped_column(String(30))
    jwks_uri: Mapped[str | None] = mapped_column(String(500))
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    id_token_alg: Mapped[str] = mapped_column(String(10))
    # None: userinfo answers JSON; RS256/ES256: a signed JWT (FranceConnect's way).
    userinfo_alg: Mapped[str | None] = mapped_column(String(10))
    subject_type: Mapped[str] = mapped_column(String(10))
    sector_identifier: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    trusted: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def is_public(self) -> bool:
        return self.auth_method == AuthMethod.NONE

    @property
    def client_metadata(self) -> dict[str, Any]:
        """The registration metadata Authlib's endpoints read (OIDC Registration §2)."""
        return {
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "token_endpoint_auth_method": self.auth_method,
            "id_token_signed_response_alg": self.id_token_alg,
        }

    @property
    def id_token_signed_response_alg(self) -> str:
        return self.id_token_alg

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # OIDC Core §3.1.2.1 makes redirect_uri required: no default is ever assumed.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        allowed = set(self.scopes)
        return " ".join(dict.fromkeys(s for s in scope_to_list(scope) if s in allowed))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string comparison (OAuth 2.0 Security BCP §4.1.3).
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        if self.secret_hash is None:
            return False
        return hmac.compare_digest(digest(client_secret), self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint in AUTHENTICATED_ENDPOINTS:
            return method == self.auth_method
        return True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


def default_sector(redirect_uris: list[str]) -> str:
    """Return the sector of a client without a sector identifier: its redirect URIs' host.

    OIDC Core §8.1: pairwise subjects are computed per host of the redirect URIs.
    """
    hosts = {urlsplit(uri).hostname or "" for uri in redirect_uris}
    if len(hosts) != 1:
        raise ValueError("redirect URIs on several hosts need an explicit sector identifier")
    return hosts.pop()


class AuthorizationCode(Base, AuthorizationCodeMixin):
    """A single-use authorization code; kept after use to detect its replay."""

    __tablename__ = "oidc_authorization_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("oidc_client.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime())
    acr: Mapped[str] = mapped_column(String(20))
    # The "claims" request parameter (OIDC Core §5.5), parsed.
    claims: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()
    account: Mapped[Account] = relationship()

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.auth_time.timestamp())

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str]:
        return list(AMR)


class Token(Base):
    """An access token and, with ``offline_access``, its refresh token.

    Every token descending from one authorization code shares ``family_id``: presenting a
    rotated refresh token again revokes the whole family (OAuth 2.0 Security BCP §4.14).
    """

    __tablename__ = "oidc_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("oidc_client.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    authorization_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("oidc_authorization_code.id", ondelete="SET NULL"), index=True
    )
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(Text)
    claims: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_in: Mapped[int] = mapped_column(Integer)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the refresh token was exchanged for a new one (rotation).
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()
    account: Mapped[Account] = relationship()

    @property
    def expires_at(self) -> datetime:
        return self.issued_at + timedelta(seconds=self.expires_in)


@dataclass
class PresentedToken(TokenMixin):
    """A token row as one of its two strings was presented: access or refresh token."""

    row: Token
    kind: str  # "access_token" or "refresh_token"

    @property
    def scope(self) -> str:
        return self.row.scope

    def check_client(self, client: Client) -> bool:
        return self.row.client_id == client.id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return self.row.expires_in

    def is_expired(self) -> bool:
        now = clock.now()
        if self.kind == "refresh_token":
            expires_at = self.row.refresh_expires_at
            return expires_at is None or now >= expires_at
        return now >= self.row.expires_at

    def is_revoked(self) -> bool:
        if self.row.revoked_at is not None:
            return True
        return self.kind == "refresh_token" and self.row.rotated_at is not None

    def get_user(self) -> Account:
        return self.row.account

    def get_client(self) -> Client:
        return self.row.client


class Consent(Base):
    """What a person allowed a client to receive; remembered until they revoke it."""

    __tablename__ = "oidc_consent"
    __table_args__ = (UniqueConstraint("account_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(
        ForeignKey("oidc_client.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[list[str]] = mapped_column(JSON)
    # Claims allowed beyond those of the scopes: asked by name with the ``claims`` parameter.
    claims: Mapped[list[str]] = mapped_column(JSON, default=list)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()

    def covers_scopes(self, scopes: list[str]) -> bool:
        """Tell whether the person allowed every scope of ``scopes``, and still does."""
        return self.revoked_at is None and set(scopes) <= set(self.scopes)

    def covers_claims(self, claims: list[str]) -> bool:
        """Tell whether the person allowed every claim of ``claims`` (by scope or by name)."""
        allowed = set(claims_of_scope(" ".join(self.scopes))) | set(self.claims or ())
        return self.revoked_at is None and set(claims) <= allowed


class ClientAssertion(Base):
    """A ``jti`` of a private_key_jwt assertion already used, kept until it expires."""

    __tablename__ = "oidc_client_assertion"

    jti_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
