"""What the provider issues: access and refresh tokens, ID tokens, userinfo responses.

Signatures go through :mod:`keys`, whose private keys never leave it. Specification: OpenID
Connect Core 1.0 §2, §3.1.3.6, §5.3 (https://openid.net/specs/openid-connect-core-1_0.html).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from authlib.oidc.core.util import create_half_hash

import accounts
import keys
from core import clock
from idp import claims as claims_module
from idp.models import ACR
from idp.models import AMR
from idp.models import Client
from idp.models import PresentedToken
from idp.settings import get_settings
from idp.subject import subject


def issuer() -> str:
    """Return the issuer identifier: ``ISSUER`` without a trailing slash."""
    return get_settings().issuer


def generate_token(
    grant_type: str,
    client: Client,
    user: accounts.Account | None = None,
    scope: str | None = None,
    expires_in: int | None = None,
    include_refresh_token: bool = True,
) -> dict[str, Any]:
    """Issue a bearer token; a refresh token only when ``offline_access`` was granted.

    OIDC Core §11: offline access is what the ``offline_access`` scope asks for.
    """
    token: dict[str, Any] = {
        "token_type": "Bearer",
        "access_token": secrets.token_urlsafe(32),
        "expires_in": expires_in or get_settings().access_token_lifetime,
        "scope": scope or "",
    }
    if include_refresh_token and "offline_access" in (scope or "").split():
        token["refresh_token"] = secrets.token_urlsafe(32)
    return token


def encode_id_token(
    client: Client,
    account: accounts.Account,
    *,
    auth_time: datetime,
    nonce: str | None,
    claims_request: Mapping[str, Any] | None,
    access_token: str | None,
) -> str:
    """Sign the ID token of ``account`` for ``client`` with the client's algorithm.

    Only ``sub`` and what the ``claims`` request asks for ``id_token`` are in it; the
    scopes' claims are answered by userinfo (OIDC Core §5.4).

    :raises keys.SigningKeyError: when no key can sign.
    See https://openid.net/specs/openid-connect-core-1_0.html#IDToken
    """
    now = int(clock.now().timestamp())
    alg = client.id_token_alg
    payload: dict[str, Any] = {
        "iss": issuer(),
        "sub": subject(account, client),
        "aud": client.client_id,
        "exp": now + get_settings().id_token_lifetime,
        "iat": now,
        "auth_time": int(auth_time.timestamp()),
        "acr": ACR,
        "amr": list(AMR),
    }
    if nonce:
        payload["nonce"] = nonce
    if access_token:
        at_hash = create_half_hash(access_token, alg)
        payload["at_hash"] = at_hash.decode("ascii")
    names = claims_module.requested_claims(claims_request, "id_token")
    payload.update(claims_module.claim_values(account, names))
    return keys.sign(payload, alg)


def userinfo_claims(token: PresentedToken) -> dict[str, Any]:
    """Return the userinfo response of ``token``: its scopes' and requested claims."""
    row = token.row
    names = claims_module.claims_of_scope(row.scope)
    names += claims_module.requested_claims(row.claims, "userinfo")
    return {
        "sub": subject(row.account, row.client),
        **claims_module.claim_values(row.account, dict.fromkeys(names)),
    }


def sign_userinfo(token: PresentedToken, claims: dict[str, Any]) -> str:
    """Sign a userinfo response as a JWT, as FranceConnect wants of its providers.

    OIDC Core §5.3.2: a signed response carries ``iss`` and ``aud``.
    """
    client = token.row.client
    assert client.userinfo_alg is not None
    now = int(clock.now().timestamp())
    payload = {
        **claims,
        "iss": issuer(),
        "aud": client.client_id,
        "iat": now,
        "exp": now + get_settings().id_token_lifetime,
    }
    return keys.sign(payload, client.userinfo_alg, headers={"typ": "JWT"})
