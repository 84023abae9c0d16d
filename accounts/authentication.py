"""Sign-in with NIR + code personnel: throttled, one generic failure, rehash on success.

A targeted lockout must not lock the owner out. Whoever knows a NIR can spend its limits
with wrong codes; when the NIR's limits block an active account, its owner gets a mail
(at most one each 15 minutes) with a single-use link, valid 30 minutes: opened, it lets
*that browser* try the code personnel again, within limits of its own, despite the block.
The attacker, who does not read the owner's mailbox, stays blocked.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts import hashing
from accounts import links
from accounts import mail
from accounts import sessions
from accounts.errors import SignInFailed
from accounts.models import Account
from accounts.models import AccountStatus
from accounts.models import LinkPurpose
from accounts.settings import get_settings
from core import clock
from core.db import db
from core.nir import check_nir_or_body
from core.throttle import Limit
from core.throttle import Reservation
from core.throttle import Throttled
from core.throttle import get_throttle
from core.urls import public_url

log = logging.getLogger(__name__)
# The counters keep their names of the first version, so that limits survive an upgrade.
PER_ACCOUNT = "idp.sign_in.account"
PER_IP = "idp.sign_in.ip"
# Each failure tier blocks longer than the previous one: delays grow with the failures.
ACCOUNT_LIMITS = ("3/minute", "6/15 minutes", "10/hour", "20/day")
# What an unlocked browser may still try, and how often the owner is told of a block.
UNLOCKED = Limit("accounts.sign_in.unlocked", "5/15 minutes")
BLOCKED_MAILS = Limit("accounts.sign_in.blocked_mail", "1/15 minutes")
UNLOCK_LIFETIME = timedelta(minutes=30)
BLOCKED_SUBJECT = _l("Connexion à votre compte ameli bloquée")


def limits(nir_body: str, client_ip: str) -> tuple[tuple[Limit, str], ...]:
    """Return the limits a sign-in of ``nir_body`` from ``client_ip`` counts against."""
    return (
        *((Limit(PER_ACCOUNT, rate), nir_body) for rate in ACCOUNT_LIMITS),
        (Limit(PER_IP, get_settings().sign_in_failures_per_ip), client_ip),
    )


def authenticate(nir: str, code: str, client_ip: str) -> Account:
    """Return the account of a NIR (13 or 15 characters) and its code personnel.

    The attempt is reserved against the limits of the NIR and of the address before the
    code is checked: simultaneous guesses get no more checks than the limits allow. An
    unknown NIR is verified against a decoy hash of the configured parameters, so that it
    answers as slowly as a known one.

    :raises core.nir.NirError: the NIR is not well-formed (field message).
    :raises core.throttle.Throttled: too many recent failures for this NIR or address.
    :raises SignInFailed: unknown NIR or wrong code personnel.
    """
    body = check_nir_or_body(nir)
    throttle = get_throttle()
    counters = limits(body, client_ip)
    account = db.session.scalar(select(Account).where(Account.nir.startswith(body)))
    try:
        attempt = throttle.reserve(*counters)
    except Throttled as blocked:
        attempt = _attempt_of_the_owner(account, counters[-1], blocked)
    hasher = hashing.get_hasher()
    if account is None:
        hasher.verify_dummy(code)
        attempt.keep()
        raise SignInFailed()
    valid, new_hash = hasher.verify_and_rehash(account.password_hash, code)
    if not valid:
        attempt.keep()
        log.info("sign-in failed for account %s", account.id)
        raise SignInFailed()
    if new_hash is not None:
        account.password_hash = new_hash
        db.session.commit()
        log.info("password hash of account %s upgraded to current parameters", account.id)
    # A success clears the NIR's failures; the address keeps only its failures.
    throttle.reset(*counters[:-1])
    attempt.release(counters[-1])
    return account


def _attempt_of_the_owner(
    account: Account | None, per_address: tuple[Limit, str], blocked: Throttled
) -> Reservation:
    """Reserve the attempt of a browser its owner unlocked; else tell the owner, and refuse.

    :raises Throttled: ``blocked``, or the unlocked browser's own limits.
    """
    link_id = sessions.unlock_of(account.id) if account is not None else None
    if link_id is None:
        if account is not None:
            _tell_the_owner(account, blocked)
        raise blocked
    return get_throttle().reserve((UNLOCKED, str(link_id)), per_address)


def _tell_the_owner(account: Account, blocked: Throttled) -> None:
    """Mail the owner of a blocked account a link to sign in anyway (once in 15 minutes)."""
    if account.status is not AccountStatus.ACTIVE or not account.email:
        return
    try:
        get_throttle().spend((BLOCKED_MAILS, str(account.id)))
    except Throttled:
        return  # told a moment ago: one mail is enough
    token = links.issue(account, LinkPurpose.UNLOCK, UNLOCK_LIFETIME)
    link = public_url("accounts.unlock", token=token)
    expires = clock.now() + UNLOCK_LIFETIME
    values = {"link": link, "expires": expires, "retry_at": blocked.retry_at}
    mail.enqueue(
        account.email,
        str(BLOCKED_SUBJECT),
        render_template("mail/sign_in_blocked.txt", **values),
        render_template("mail/sign_in_blocked.html", **values),
    )
    db.session.commit()
    log.info("sign-in of account %s blocked: its owner was told", account.id)
