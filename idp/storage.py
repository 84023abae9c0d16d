"""Every database read and write of the provider; grants and endpoints call these hooks.

Protocol code never queries the tables itself (STYLE 3): it asks this module, which
hides the hashing of secrets and the single-use rules behind plain functions.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from accounts import Account
from core import clock
from core.db import db
from idp.models import AuthorizationCode
from idp.models import Client
from idp.models import ClientAssertion
from idp.models import Consent
from idp.models import PresentedToken
from idp.models import Token
from idp.models import digest

log = logging.getLogger(__name__)
AUTHORIZATION_CODE_LIFETIME = timedelta(seconds=60)


# Clients ------------------------------------------------------------------------------


def find_client(client_id: str | None) -> Client | None:
    """Return the client registered as ``client_id``, or None."""
    if not client_id or not isinstance(client_id, str) or len(client_id) > 64:
        return None
    if not client_id.isprintable():
        # PostgreSQL refuses NUL in text: such an id cannot be registered anyway.
        return None
    return db.session.scalar(select(Client).where(Client.client_id == client_id))


def list_clients() -> Sequence[Client]:
    return db.session.scalars(select(Client).order_by(Client.created_at, Client.id)).all()


def add_client(client: Client) -> None:
    db.session.add(client)
    db.session.commit()


def delete_client(client_id: str) -> bool:
    """Delete a client with its codes, tokens and consents; tell whether it existed."""
    client = find_client(client_id)
    if client is None:
        return False
    for model in (Token, AuthorizationCode, Consent):
        db.session.execute(delete(model).where(model.client_id == client.id))
    db.session.delete(client)
    db.session.commit()
    return True


# Authorization codes -------------------------------------------------------------------


def save_authorization_code(
    code: str,
    *,
    client: Client,
    account: Account,
    redirect_uri: str,
    scope: str,
    nonce: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
    auth_time: datetime,
    acr: str,
    claims: dict[str, Any] | None,
) -> AuthorizationCode:
    now = clock.now()
    row = AuthorizationCode(
        code_hash=digest(code),
        client_id=client.id,
        account_id=account.id,
        redirect_uri=redirect_uri,
        scope=scope,
        nonce=nonce,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        auth_time=auth_time,
        acr=acr,
        claims=claims,
        issued_at=now,
        expires_at=now + AUTHORIZATION_CODE_LIFETIME,
    )
    db.session.add(row)
    db.session.commit()
    return row


def redeem_authorization_code(code: str, client: Client) -> AuthorizationCode | None:
    """Use ``code`` once: return it, or None when unknown, expired or already used.

    A second use revokes every token issued from the code (RFC 6749 §4.1.2).
    """
    row = db.session.scalar(
        select(AuthorizationCode).where(
            AuthorizationCode.code_hash == digest(code),
            AuthorizationCode.client_id == client.id,
        )
    )
    if row is None:
        return None
    now = clock.now()
    # A conditional update: of two simultaneous uses, exactly one wins.
    claimed = db.session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.id == row.id, AuthorizationCode.used_at.is_(None))
        .values(used_at=now)
    )
    db.session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        revoked = db.session.execute(
            update(Token)
            .where(Token.authorization_code_id == row.id, Token.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        db.session.commit()
        log.warning(
            "authorization code %s replayed: %s token(s) revoked",
            row.id,
            revoked.rowcount,  # type: ignore[attr-defined]
        )
        return None
    if now >= row.expires_at:
        return None
    return row


def nonce_used(client: Client, nonce: str) -> bool:
    """Tell whether ``client`` already got a code for ``nonce`` (replay, OIDC Core §15.5.2)."""
    if len(nonce) > 255 or not nonce.isprintable():
        # Never stored (checks.check_nonce refuses it), and PostgreSQL refuses NUL.
        return False
    found = db.session.scalar(
        select(AuthorizationCode.id).where(
            AuthorizationCode.client_id == client.id, AuthorizationCode.nonce == nonce
        )
    )
    return found is not None


# Tokens ------------------------------------------------------------------------------


class RefreshTokenReplayed(Exception):
    """The refresh token was exchanged already (a replay, or a race lost): family revoked."""


def save_token(
    token: dict[str, Any],
    *,
    client: Client,
    account: Account,
    family_id: str | None,
    authorization_code_id: int | None,
    auth_time: datetime,
    claims: dict[str, Any] | None,
    refresh_lifetime: timedelta,
    exchanged: Token | None = None,
) -> Token:
    """Store an issued token; when it replaces ``exchanged`` (a refresh), retire that one in
    the same transaction, if no other request did first.

    A conditional update decides between two simultaneous exchanges of one refresh token:
    exactly one wins; the other is a replay, which revokes the whole family (OAuth 2.0
    Security BCP §4.14.2).

    :raises RefreshTokenReplayed: ``exchanged`` was exchanged already.
    """
    now = clock.now()
    if exchanged is not None:
        retired = db.session.execute(
            update(Token)
            .where(Token.id == exchanged.id, Token.rotated_at.is_(None))
            .where(Token.revoked_at.is_(None))
            .values(rotated_at=now, revoked_at=now)
        )
        if retired.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            revoke_family(exchanged.family_id)
            log.warning(
                "refresh token of family %s used twice: family revoked", exchanged.family_id
            )
            raise RefreshTokenReplayed()
    refresh = token.get("refresh_token")
    row = Token(
        client_id=client.id,
        account_id=account.id,
        family_id=family_id or secrets.token_hex(16),
        authorization_code_id=authorization_code_id,
        access_token_hash=digest(token["access_token"]),
        refresh_token_hash=digest(refresh) if refresh else None,
        scope=token.get("scope", ""),
        claims=claims,
        auth_time=auth_time,
        issued_at=now,
        expires_in=int(token["expires_in"]),
        refresh_expires_at=now + refresh_lifetime if refresh else None,
    )
    db.session.add(row)
    db.session.commit()
    return row


def find_access_token(access_token: str) -> PresentedToken | None:
    row = db.session.scalar(select(Token).where(Token.access_token_hash == digest(access_token)))
    return None if row is None else PresentedToken(row, "access_token")


def find_refresh_token(refresh_token: str) -> PresentedToken | None:
    row = db.session.scalar(select(Token).where(Token.refresh_token_hash == digest(refresh_token)))
    return None if row is None else PresentedToken(row, "refresh_token")


def find_token(token: str, hint: str | None) -> PresentedToken | None:
    """Find an access or refresh token, trying the hinted kind first (RFC 7009 §2.1)."""
    finders = [find_access_token, find_refresh_token]
    if hint == "refresh_token":
        finders.reverse()
    for finder in finders:
        found = finder(token)
        if found is not None:
            return found
    return None


def redeem_refresh_token(refresh_token: str) -> PresentedToken | None:
    """Return a usable refresh token; a rotated one being replayed revokes its family.

    OAuth 2.0 Security BCP §4.14.2: refresh token rotation with reuse detection.
    """
    presented = find_refresh_token(refresh_token)
    if presented is None:
        return None
    if presented.row.rotated_at is not None:
        revoke_family(presented.row.family_id)
        log.warning("refresh token of family %s replayed: family revoked", presented.row.family_id)
        return None
    if presented.is_revoked() or presented.is_expired():
        return None
    return presented


def revoke_family(family_id: str) -> None:
    db.session.execute(
        update(Token)
        .where(Token.family_id == family_id, Token.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    db.session.commit()


def revoke(presented: PresentedToken) -> None:
    """Revoke a token (RFC 7009 §2.1): a refresh token takes its whole family with it."""
    if presented.kind == "refresh_token":
        revoke_family(presented.row.family_id)
        return
    presented.row.revoked_at = presented.row.revoked_at or clock.now()
    db.session.commit()


# Consents ----------------------------------------------------------------------------


def find_consent(account: Account, client: Client) -> Consent | None:
    return db.session.scalar(
        select(Consent).where(Consent.account_id == account.id, Consent.client_id == client.id)
    )


def grant_consent(
    account: Account, client: Client, scopes: Sequence[str], claims: Sequence[str] = ()
) -> Consent:
    """Remember that ``account`` allowed ``client`` these scopes and claims (added to the
    earlier ones, unless those were withdrawn)."""
    consent = find_consent(account, client)
    now = clock.now()
    if consent is None:
        consent = Consent(
            account_id=account.id, client_id=client.id, scopes=[], claims=[], granted_at=now
        )
        db.session.add(consent)
    withdrawn = consent.revoked_at is not None
    consent.scopes = list(dict.fromkeys([*([] if withdrawn else consent.scopes), *scopes]))
    consent.claims = list(dict.fromkeys([*([] if withdrawn else consent.claims or []), *claims]))
    consent.granted_at = now
    consent.revoked_at = None
    try:
        db.session.commit()
    except IntegrityError:
        # Two tabs consented at once: the other one's row stands, add to it.
        db.session.rollback()
        return grant_consent(account, client, scopes, claims)
    return consent


def consents_of(account: Account) -> Sequence[Consent]:
    return db.session.scalars(
        select(Consent)
        .where(Consent.account_id == account.id, Consent.revoked_at.is_(None))
        .order_by(Consent.granted_at)
    ).all()


def revoke_consent(account: Account, consent_id: int) -> bool:
    """Withdraw a consent and the tokens the client holds for this person."""
    consent = db.session.get(Consent, consent_id)
    if consent is None or consent.account_id != account.id or consent.revoked_at is not None:
        return False
    now = clock.now()
    consent.revoked_at = now
    db.session.execute(
        update(Token)
        .where(
            Token.account_id == account.id,
            Token.client_id == consent.client_id,
            Token.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    db.session.commit()
    return True


# Client assertions -------------------------------------------------------------------


def remember_assertion(client_id: str, jti: str, expires_at: datetime) -> bool:
    """Record a private_key_jwt ``jti``; False when it was already used (RFC 7523 §3)."""
    now = clock.now()
    db.session.execute(delete(ClientAssertion).where(ClientAssertion.expires_at < now))
    db.session.add(ClientAssertion(jti_hash=digest(f"{client_id}\x00{jti}"), expires_at=expires_at))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True
