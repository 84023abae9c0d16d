"""What an authorization request needs next: a sign-in, a consent, or a code.

The order follows OIDC Core §3.1.2.3 and §3.1.2.4: authenticate the person (``prompt``,
``max_age``, ``id_token_hint``), then obtain their consent, then issue the code. With
``prompt=none`` every needed interaction becomes an error sent back to the client.
"""

from __future__ import annotations

import enum
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer

import keys
from core import clock
from enrollment.models import Account
from idp import storage
from idp.errors import ConsentRequiredError
from idp.errors import InvalidRequestError
from idp.errors import LoginRequiredError
from idp.server import issuer
from idp.subject import subject

# The parameter that tells a returning request when a fresh sign-in was demanded.
LOGIN_MARKER = "ameli_login_demanded"
_LOGIN_SALT = "ameli.idp.login-demanded"
_LOGIN_MAX_AGE = 30 * 60
# An expired ID token is still a good hint of who the client expects (OIDC Core §3.1.2.1).
_HINT_LEEWAY = timedelta(days=3650)


class Next(enum.StrEnum):
    SIGN_IN = "sign_in"
    CONSENT = "consent"
    ISSUE_CODE = "issue_code"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_LOGIN_SALT)


def login_demand() -> str:
    """Return a signed marker saying "a fresh sign-in was demanded now"."""
    return _serializer().dumps(int(clock.now().timestamp()))


def _login_demanded_at(marker: str | None) -> int | None:
    if not marker:
        return None
    try:
        value = _serializer().loads(marker, max_age=_LOGIN_MAX_AGE)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def _hinted_subject(grant: Any) -> str | None:
    """Return the ``sub`` of a valid ``id_token_hint`` issued to this client.

    :raises InvalidRequestError: when the hint is not an ID token of ours for the client.
    """
    hint = grant.request.payload.data.get("id_token_hint")
    if not hint:
        return None
    try:
        claims = keys.verify(str(hint), leeway=_HINT_LEEWAY)
    except keys.TokenVerificationError as error:
        raise InvalidRequestError("The 'id_token_hint' is not valid.") from error
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if claims.get("iss") != issuer() or grant.request.client.client_id not in audiences:
        raise InvalidRequestError("The 'id_token_hint' was not issued to this client.")
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else None


def needs_sign_in(
    grant: Any, account: Account | None, auth_time: datetime | None, marker: str | None
) -> bool:
    """Tell whether the person must (again) give their NIR and code personnel.

    :raises InvalidRequestError: for an invalid ``id_token_hint``.
    """
    hinted = _hinted_subject(grant)
    if account is None or auth_time is None:
        return True
    demanded_at = _login_demanded_at(marker)
    fresh = demanded_at is not None and auth_time.timestamp() >= demanded_at
    if fresh:
        return False
    data = grant.request.payload.data
    if "login" in str(data.get("prompt") or "").split():
        return True
    max_age = data.get("max_age")
    if max_age is not None and clock.now() - auth_time > timedelta(seconds=int(max_age)):
        return True
    return hinted is not None and hinted != subject(account, grant.request.client)


def needs_consent(grant: Any, account: Account) -> bool:
    """Tell whether the person must agree to share what the client asks for (§3.1.2.4)."""
    client = grant.request.client
    if client.trusted:
        return False
    if "consent" in str(grant.request.payload.data.get("prompt") or "").split():
        return True
    consent = storage.find_consent(account, client)
    return consent is None or not consent.covers(grant.request.scope.split())


def next_step(
    grant: Any, account: Account | None, auth_time: datetime | None, marker: str | None
) -> Next:
    """Decide what the authorization request needs now.

    :raises LoginRequiredError: ``prompt=none`` but a sign-in is needed.
    :raises ConsentRequiredError: ``prompt=none`` but a consent is needed.
    :raises InvalidRequestError: for an invalid ``id_token_hint``.
    See https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
    """
    silent = "none" in str(grant.request.payload.data.get("prompt") or "").split()
    redirect_uri = grant.redirect_uri
    try:
        sign_in = needs_sign_in(grant, account, auth_time, marker)
    except InvalidRequestError as error:
        error.redirect_uri = redirect_uri
        raise
    if sign_in:
        if silent:
            raise LoginRequiredError(redirect_uri=redirect_uri)
        return Next.SIGN_IN
    assert account is not None
    if needs_consent(grant, account):
        if silent:
            raise ConsentRequiredError(redirect_uri=redirect_uri)
        return Next.CONSENT
    return Next.ISSUE_CODE
