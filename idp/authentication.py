"""Sign-in with NIR + code personnel: throttled, one generic failure, rehash on success."""

from __future__ import annotations

import logging
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db
from core.throttle import Limit
from core.throttle import get_throttle
from enrollment import password
from enrollment import validators
from enrollment.models import Account

log = logging.getLogger(__name__)
PER_ACCOUNT = "idp.sign_in.account"
PER_IP = "idp.sign_in.ip"
# Each failure tier blocks longer than the previous one: delays grow with the failures.
ACCOUNT_LIMITS = ("3/minute", "6/15 minutes", "10/hour", "20/day")


class SignInFailed(Exception):
    """NIR or code personnel wrong; the message never says which."""

    code = "sign_in.failed"
    message = _l(
        "Numéro de sécurité sociale ou code personnel incorrect. Vérifiez votre saisie et "
        "réessayez."
    )


def limits(nir_body: str, client_ip: str) -> tuple[tuple[Limit, str], ...]:
    per_ip = current_app.config["SIGN_IN_FAILURES_PER_IP"]
    return (
        *((Limit(PER_ACCOUNT, rate), nir_body) for rate in ACCOUNT_LIMITS),
        (Limit(PER_IP, per_ip), client_ip),
    )


@cache
def _decoy_hash() -> str:
    # Verifying against a real hash when the NIR is unknown keeps the timing the same.
    return password.PasswordHasher().hash("decoy-password-never-valid")


def authenticate(nir: str, code: str, client_ip: str) -> Account:
    """Return the account of a NIR (13 or 15 characters) and its code personnel.

    :raises validators.ValidationError: the NIR is not well-formed (field message).
    :raises core.throttle.Throttled: too many recent failures for this NIR or address.
    :raises SignInFailed: unknown NIR or wrong code personnel.
    """
    body = validators.check_nir_or_body(nir)
    throttle = get_throttle()
    keys = limits(body, client_ip)
    throttle.check(*keys)
    account = db.session.scalar(select(Account).where(Account.nir.startswith(body)))
    hasher = password.get_hasher()
    if account is None:
        hasher.verify(_decoy_hash(), code)
        throttle.record(*keys)
        raise SignInFailed()
    valid, new_hash = password.verify_and_rehash(account.password_hash, code)
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
