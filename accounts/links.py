"""Single-use links mailed to an account's own address (SPEC §14).

A link holds a random token; only its SHA-256 is stored. It works once, until it expires;
redeeming it is a conditional update, so two clicks at once redeem it once. Activation
links, older, have their own table and lifecycle (:mod:`accounts.activation`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy import update

from accounts.errors import LinkExpired
from accounts.errors import LinkUnknown
from accounts.errors import LinkUsed
from accounts.models import Account
from accounts.models import LinkPurpose
from accounts.models import MailedLink
from core import clock
from core.db import db


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(account: Account, purpose: LinkPurpose, lifetime: timedelta) -> str:
    """Add a link of ``purpose`` for ``account`` to the session, and return its token.

    Nothing is committed: the caller's transaction holds the link and its mail.
    """
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(
        MailedLink(
            account_id=account.id,
            purpose=purpose,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def redeem(token: str, purpose: LinkPurpose) -> MailedLink:
    """Use a link once and return it.

    :raises LinkUnknown: no such link of this purpose.
    :raises LinkUsed: it was used already.
    :raises LinkExpired: its time is over.
    """
    if len(token) > 100:
        raise LinkUnknown()
    link = db.session.scalar(
        select(MailedLink).where(
            MailedLink.token_hash == _hash(token), MailedLink.purpose == purpose
        )
    )
    if link is None:
        raise LinkUnknown()
    now = clock.now()
    if link.used_at is not None:
        raise LinkUsed()
    if now >= link.expires_at:
        raise LinkExpired()
    used = db.session.execute(
        update(MailedLink)
        .where(MailedLink.id == link.id, MailedLink.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise LinkUsed()
    db.session.commit()
    return link
