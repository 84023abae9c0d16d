"""Sign-in with NIR + code personnel: throttled, one generic failure, rehash on success."""

from __future__ import annotations

import logging

from sqlalchemy import select

from accounts import hashing
from accounts.errors import SignInFailed
from accounts.models import Account
from accounts.settings import get_settings
from core.db import db
from core.nir import check_nir_or_body
from core.throttle import Limit
from core.throttle import get_throttle

log = logging.getLogger(__name__)
# The counters keep their names of the first version, so that limits survive an upgrade.
PER_ACCOUNT = "idp.sign_in.account"
PER_IP = "idp.sign_in.ip"
# Each failure tier blocks longer than the previous one: delays grow with the failures.
ACCOUNT_LIMITS = ("3/minute", "6/15 minutes", "10/hour", "20/day")


def limits(nir_body: str, client_ip: str) -> tuple[tuple[Limit, str], ...]:
    """Return the limits a sign-in of ``nir_body`` from ``client_ip`` counts against."""
    return (
        *((Limit(PER_ACCOUNT, rate), nir_body) for rate in ACCOUNT_LIMITS),
        (Limit(PER_IP, get_settings().sign_in_failures_per_ip), client_ip),
    )


def authenticate(nir: str, code: str, client_ip: str) -> Account:
    """Return the account of a NIR (13 or 15 characters) and its code personnel.

    An unknown NIR is verified against a decoy hash of the configured parameters, so that
    it answers as slowly as a known one.

    :raises core.nir.NirError: the NIR is not well-formed (field message).
    :raises core.throttle.Throttled: too many recent failures for this NIR or address.
    :raises SignInFailed: unknown NIR or wrong code personnel.
    """
    body = check_nir_or_body(nir)
    throttle = get_throttle()
    keys = limits(body, client_ip)
    throttle.check(*keys)
    account = db.session.scalar(select(Account).where(Account.nir.startswith(body)))
    hasher = hashing.get_hasher()
    if account is None:
        hasher.verify_dummy(code)
        throttle.record(*keys)
        raise SignInFailed()
    valid, new_hash = hasher.verify_and_rehash(account.password_hash, code)
    if not valid:
        throttle.record(*keys)
        log.info("sign-in failed for account %s", account.id)
        raise SignInFailed()
    if new_hash is not None:
        account.password_hash = new_hash
        db.session.commit()
        log.info("password hash of account %s upgraded to current parameters", account.id)
    throttle.reset(*keys[:-1])
    return account
