"""The email-activation lifecycle of a pending account (SPEC §8).

Time since the latest link was sent decides everything:

==============  =========================================================
0 – 7 days      the link activates the account
7 – 21 days     "the link is no longer active": resend, same or new address
> 21 days       the address is deleted (``ameli accounts purge``); a new one is asked
==============  =========================================================

Any resend supersedes earlier links and restarts the clock. Links carry a random token;
only its SHA-256 is stored, and it works once.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import secrets
from datetime import datetime
from datetime import timedelta

from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from accounts import mail
from accounts import uniqueness
from accounts.contact import EmailAlreadyUsed
from accounts.contact import canonical_email
from accounts.contact import check_email
from accounts.errors import AccountAlreadyActive
from accounts.errors import ActivationAddressDeleted
from accounts.errors import ActivationLinkExpired
from accounts.errors import ActivationLinkSuperseded
from accounts.errors import ActivationLinkUnknown
from accounts.errors import ActivationLinkUsed
from accounts.errors import AddressChangeRefused
from accounts.mail import OutboxMessage
from accounts.models import Account
from accounts.models import AccountStatus
from accounts.models import ActivationToken
from accounts.settings import get_settings
from core import clock
from core.db import db
from core.throttle import Limit
from core.throttle import get_throttle
from core.urls import public_url

LINK_LIFETIME = timedelta(days=7)
ADDRESS_RETENTION = timedelta(days=21)
SUBJECT = _l("Activez votre compte ameli")
# The counter keeps its name of the first version, so that limits survive an upgrade.
RESENDS_PER_ACCOUNT = "enrollment.resend.account"
ADDRESS_IN_USE_PER_PERSON = "accounts.address_in_use.person"
ADDRESS_IN_USE_PER_IP = "accounts.address_in_use.ip"
log = logging.getLogger(__name__)


class ActivationState(enum.StrEnum):
    """What a person sees of their account now (the sign-in page shows the same)."""

    ACTIVE = "active"
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # 0–7 days: click the link
    LINK_EXPIRED = "link_expired"  # 7–21 days: resend, same or new address
    ADDRESS_DELETED = "address_deleted"  # > 21 days: give a new address


def state_of(account: Account, now: datetime | None = None) -> ActivationState:
    """Tell what ``account`` sees now: the one rule used by links, sign-in and the API."""
    if account.status is AccountStatus.ACTIVE:
        return ActivationState.ACTIVE
    now = now or clock.now()
    if account.email is None or account.activation_sent_at is None:
        return ActivationState.ADDRESS_DELETED
    age = now - account.activation_sent_at
    if age <= LINK_LIFETIME:
        return ActivationState.AWAITING_CONFIRMATION
    if age <= ADDRESS_RETENTION:
        return ActivationState.LINK_EXPIRED
    return ActivationState.ADDRESS_DELETED


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_link(account: Account, email: str) -> OutboxMessage:
    """Set ``email`` on the account and queue a new link to it, superseding older ones.

    Nothing is committed: the caller's transaction holds the account, token and mail.
    """
    now = clock.now()
    if account.id is not None:
        db.session.execute(
            update(ActivationToken)
            .where(ActivationToken.account_id == account.id)
            .where(ActivationToken.superseded_at.is_(None))
            .values(superseded_at=now)
        )
    token = secrets.token_urlsafe(32)
    account.email = email
    account.email_canonical = canonical_email(email)
    account.email_deleted_at = None
    account.activation_sent_at = now
    account.activation_tokens.append(
        ActivationToken(token_hash=hash_token(token), email=email, sent_at=now)
    )
    link = public_url("accounts.activate", token=token)
    expires = now + LINK_LIFETIME
    return mail.enqueue(
        email,
        str(SUBJECT),
        render_template("mail/activation.txt", link=link, expires=expires),
        render_template("mail/activation.html", link=link, expires=expires),
    )


def find_link(token: str) -> ActivationToken:
    """Return the link of ``token``.

    :raises ActivationLinkUnknown:
    """
    link = db.session.scalar(
        select(ActivationToken).where(ActivationToken.token_hash == hash_token(token))
    )
    if link is None:
        raise ActivationLinkUnknown()
    return link


def activate(token: str) -> Account:
    """Activate the account of a valid link, once.

    :raises ActivationLinkUnknown, ActivationLinkUsed, ActivationLinkSuperseded,
        ActivationLinkExpired, ActivationAddressDeleted:
    """
    link = find_link(token)
    account = link.account
    if link.used_at is not None or account.status is AccountStatus.ACTIVE:
        raise ActivationLinkUsed(account, link.sent_at)
    if link.superseded_at is not None:
        raise ActivationLinkSuperseded(account, link.sent_at)
    now = clock.now()
    state = state_of(account, now)
    if state is ActivationState.LINK_EXPIRED:
        raise ActivationLinkExpired(account, link.sent_at)
    if state is ActivationState.ADDRESS_DELETED:
        raise ActivationAddressDeleted(account, link.sent_at)
    # Conditional update: of two simultaneous clicks, only one activates.
    used = db.session.execute(
        update(ActivationToken)
        .where(ActivationToken.id == link.id)
        .where(ActivationToken.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise ActivationLinkUsed(account, link.sent_at)
    account.status = AccountStatus.ACTIVE
    account.activated_at = now
    db.session.commit()
    log.info("account %s activated", account.id)
    return account


def resend(account: Account, new_email: str | None = None) -> OutboxMessage:
    """Queue a fresh link to the current address, or to ``new_email``, and commit.

    The mail worker sends it: no request waits for the mail server.

    :raises AccountAlreadyActive: the account is active: there is nothing to confirm.
    :raises EmailAlreadyUsed: ``new_email`` belongs to another account.
    :raises ValueError: the account has no address and none was given.
    """
    if account.status is AccountStatus.ACTIVE:
        raise AccountAlreadyActive()
    now = clock.now()
    if state_of(account, now) is ActivationState.ADDRESS_DELETED:
        _delete_address(account, now)
    email = new_email or account.email
    if email is None:
        raise ValueError("no address to send the link to")
    if new_email is not None:
        check_email_free(new_email, account)
    with uniqueness.violations_explained():
        message = send_link(account, email)
        db.session.commit()
    return message


def is_latest(link: ActivationToken) -> bool:
    """Tell whether ``link`` is the newest one mailed for its account."""
    newest = db.session.scalar(
        select(func.max(ActivationToken.id)).where(ActivationToken.account_id == link.account_id)
    )
    return newest == link.id


def request_new_link(
    account: Account,
    new_email: str | None,
    *,
    client_ip: str,
    via_link: ActivationToken | None = None,
) -> OutboxMessage:
    """Send a new link on the person's request, to the same address or to ``new_email``.

    An address that was deleted (past 21 days) must be replaced: ``new_email`` is then
    required. Requests are limited per account, since each one sends a mail. Asked from a
    link (``via_link``), only the newest link may change the address: an older one may
    have been forwarded or read by someone else.

    :raises AccountAlreadyActive: the account is active: there is nothing to confirm.
    :raises AddressChangeRefused: ``via_link`` is not the newest link and asks a new address.
    :raises core.throttle.Throttled: too many requests, or too many addresses already used.
    :raises ValidationError: ``new_email`` missing, malformed or already used.
    """
    if account.status is AccountStatus.ACTIVE:
        raise AccountAlreadyActive()
    if new_email is not None and via_link is not None and not is_latest(via_link):
        raise AddressChangeRefused()
    limit = (Limit(RESENDS_PER_ACCOUNT, get_settings().resends_per_account), str(account.id))
    attempt = get_throttle().reserve(limit)
    try:
        must_change = state_of(account) is ActivationState.ADDRESS_DELETED
        email = check_email(new_email or "") if (new_email is not None or must_change) else None
        if email is not None:
            check_address_free(email, nir=account.nir, client_ip=client_ip, account=account)
        message = resend(account, email)
    except BaseException:
        attempt.release()
        raise
    attempt.keep()
    return message


def address_counters(nir: str, client_ip: str) -> tuple[tuple[Limit, str], ...]:
    """Return the limits an "address already used" answer counts against."""
    config = get_settings()
    return (
        (Limit(ADDRESS_IN_USE_PER_PERSON, config.address_in_use_per_person), nir),
        (Limit(ADDRESS_IN_USE_PER_IP, config.address_in_use_per_ip), client_ip),
    )


def check_address_free(
    email: str, *, nir: str, client_ip: str, account: Account | None = None
) -> None:
    """Refuse an address already held by another account, counting each such answer.

    "Already used" tells whether someone has an account with an address: so these answers
    are limited per person enrolling (their NIR) and per client address, reserved before
    the look-up like any other guess.

    :raises core.throttle.Throttled: too many such answers lately.
    :raises EmailAlreadyUsed:
    """
    attempt = get_throttle().reserve(*address_counters(nir, client_ip))
    try:
        check_email_free(email, account)
    except EmailAlreadyUsed:
        attempt.keep()
        raise
    attempt.release()


def check_email_free(email: str, account: Account | None = None) -> None:
    """Refuse an address already held by another account (the constraint decides races).

    :raises EmailAlreadyUsed:
    """
    taken = select(Account.id).where(Account.email_canonical == canonical_email(email))
    if account is not None and account.id is not None:
        taken = taken.where(Account.id != account.id)
    if db.session.scalar(select(exists(taken))):
        raise EmailAlreadyUsed()


def _delete_address(account: Account, now: datetime) -> None:
    account.email = None
    account.email_canonical = None
    account.email_deleted_at = now
    db.session.execute(
        update(ActivationToken)
        .where(ActivationToken.account_id == account.id)
        .where(ActivationToken.superseded_at.is_(None))
        .values(superseded_at=now)
    )


def purge_addresses(now: datetime | None = None) -> int:
    """Delete the address of every account pending for more than 21 days; return how many."""
    now = now or clock.now()
    accounts = db.session.scalars(
        select(Account)
        .where(Account.status == AccountStatus.PENDING)
        .where(Account.email.is_not(None))
        .where(Account.activation_sent_at < now - ADDRESS_RETENTION)
    ).all()
    for account in accounts:
        _delete_address(account, now)
    db.session.commit()
    return len(accounts)
