"""Who is signed in on this browser: the single sign-on session shared by every client.

Pages that need a signed-in person are decorated with :func:`login_required`, which sends
anyone else to the sign-in page and back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import ParamSpec
from typing import TypeVar

from flask import redirect
from flask import request
from flask import session
from flask import url_for
from werkzeug.wrappers import Response

from accounts.models import Account
from accounts.models import AccountStatus
from core import clock
from core.db import db
from core.language import clear_session

ACCOUNT = "idp.account_id"
AUTH_TIME = "idp.auth_time"
PENDING = "idp.pending_account_id"
# The sign-in page is the provider's (it names the partner that asks); by name only.
SIGN_IN_ENDPOINT = "signin.sign_in"
P = ParamSpec("P")
R = TypeVar("R")


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
    """Forget who is signed in on this browser (the chosen language stays)."""
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
    """Return when the person signed in on this browser gave their code personnel."""
    value = session.get(AUTH_TIME)
    return None if value is None else datetime.fromtimestamp(value, clock.now().tzinfo)


def pending_account() -> Account | None:
    """Return the pending account that just gave its code personnel, if any."""
    account_id = session.get(PENDING)
    return None if account_id is None else db.session.get(Account, account_id)


def login_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Let only a signed-in person see ``view``; send anyone else to sign in, then back."""

    @functools.wraps(view)
    def signed_in_only(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if current_account() is None:
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for(SIGN_IN_ENDPOINT, next=target))
        return view(*args, **kwargs)

    return signed_in_only


MAILBOX = "accounts.mailbox"


def remember_mailbox(email: str) -> None:
    """Keep the address a link was just sent to, for the "consultez votre messagerie" page."""
    session[MAILBOX] = email


def remembered_mailbox() -> str | None:
    """Return the address a link was just sent to on this browser, if any."""
    email = session.get(MAILBOX)
    return email if isinstance(email, str) else None


UNLOCK = "accounts.unlock"


def grant_unlock(account_id: int, link_id: int, until: datetime) -> None:
    """Let this browser try the account's code personnel despite a block, until ``until``."""
    session[UNLOCK] = {"account": account_id, "link": link_id, "until": int(until.timestamp())}


def unlock_of(account_id: int) -> int | None:
    """Return the unlock link this browser opened for ``account_id``, while it holds."""
    unlock = session.get(UNLOCK)
    if not isinstance(unlock, dict) or unlock.get("account") != account_id:
        return None
    if int(unlock.get("until", 0)) <= clock.now().timestamp():
        return None
    link = unlock.get("link")
    return link if isinstance(link, int) else None
