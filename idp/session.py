"""Who is signed in on this browser: the single sign-on session shared by every client."""

from __future__ import annotations

from datetime import datetime

from flask import session

from core import clock
from core.db import db
from core.language import clear_session
from enrollment.models import Account
from enrollment.models import AccountStatus

ACCOUNT = "idp.account_id"
AUTH_TIME = "idp.auth_time"
PENDING = "idp.pending_account_id"


def sign_in(account: Account) -> None:
    """Remember ``account`` as signed in now; a fresh session id defeats fixation."""
    clear_session()
    if account.status is AccountStatus.ACTIVE:
        session[ACCOUNT] = account.id
        session[AUTH_TIME] = int(clock.now().timestamp())
    else:
        # A pending account may only see its activation page.
        session[PENDING] = account.id


def sign_out() -> None:
    clear_session()


def current_account() -> Account | None:
    """Return the active account signed in on this browser, if any."""
    account_id = session.get(ACCOUNT)
    if account_id is None:
        return None
    account = db.session.get(Account, account_id)
    if account is None or account.status is not AccountStatus.ACTIVE:
        session.pop(ACCOUNT, None)
        return None
    return account


def auth_time() -> datetime | None:
    value = session.get(AUTH_TIME)
    return None if value is None else datetime.fromtimestamp(value, clock.now().tzinfo)


def pending_account() -> Account | None:
    """Return the pending account that just gave its code personnel, if any."""
    account_id = session.get(PENDING)
    return None if account_id is None else db.session.get(Account, account_id)
