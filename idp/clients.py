"""The partner sites (OpenID Connect clients): their registration, as ``ameli clients`` and
the back-office make it.

A client's secret is shown once and stored as a SHA-256 digest; the algorithms a client may
choose are those :mod:`keys` can sign with.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app

import keys
from core import clock
from idp import claims as claims_module
from idp import storage
from idp.client_keys import ClientKeyError
from idp.client_keys import check_fetchable
from idp.models import AuthMethod
from idp.models import Client
from idp.models import SubjectType
from idp.models import default_sector
from idp.models import digest

# What a client may choose for its ID token and its signed userinfo.
ALGORITHMS: tuple[str, ...] = tuple(keys.ALGORITHMS)


def client_settings(client: Client) -> dict[str, Any]:
    """Return a client's registration, without any secret."""
    return {
        "client_id": client.client_id,
        "name": client.name,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "token_endpoint_auth_method": client.auth_method,
        "jwks_uri": client.jwks_uri,
        "id_token_signed_response_alg": client.id_token_alg,
        "userinfo_signed_response_alg": client.userinfo_alg or "none",
        "subject_type": client.subject_type,
        "sector_identifier": client.sector_identifier,
        "scope": " ".join(client.scopes),
        "trusted": client.trusted,
    }


def register_client(
    *,
    name: str,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str] | None = None,
    auth_method: str = AuthMethod.CLIENT_SECRET_BASIC,
    jwks_uri: str | None = None,
    jwks: dict[str, Any] | None = None,
    id_token_alg: str = "RS256",
    userinfo_alg: str | None = None,
    subject_type: str = SubjectType.PAIRWISE,
    sector_identifier: str | None = None,
    scopes: list[str] | None = None,
    trusted: bool = False,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> tuple[Client, str | None]:
    """Register a client; return it and its secret, which is shown once and stored hashed.

    :raises ValueError: when the settings contradict each other.
    """
    if id_token_alg not in ALGORITHMS or (
        userinfo_alg is not None and userinfo_alg not in ALGORITHMS
    ):
        raise ValueError(f"the algorithms offered are {', '.join(ALGORITHMS)}")
    if not redirect_uris:
        raise ValueError("at least one --redirect-uri is needed")
    if auth_method == AuthMethod.PRIVATE_KEY_JWT and not (jwks_uri or jwks):
        raise ValueError("private_key_jwt needs --jwks-uri")
    if jwks_uri:
        try:
            check_fetchable(jwks_uri, production=current_app.config["ENV"] == "production")
        except ClientKeyError as error:
            raise ValueError(str(error)) from error
    secret: str | None = None
    if auth_method in (AuthMethod.CLIENT_SECRET_BASIC, AuthMethod.CLIENT_SECRET_POST):
        secret = client_secret or secrets.token_urlsafe(32)
    unknown = set(scopes or []) - set(claims_module.SCOPES)
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(sorted(unknown))}")
    client = Client(
        client_id=client_id or secrets.token_urlsafe(24),
        name=name,
        secret_hash=digest(secret) if secret else None,
        redirect_uris=list(redirect_uris),
        post_logout_redirect_uris=list(post_logout_redirect_uris or []),
        auth_method=str(auth_method),
        jwks_uri=jwks_uri,
        jwks=jwks,
        id_token_alg=id_token_alg,
        userinfo_alg=userinfo_alg,
        subject_type=str(subject_type),
        sector_identifier=sector_identifier or default_sector(list(redirect_uris)),
        scopes=list(scopes or claims_module.SCOPES),
        trusted=trusted,
        created_at=clock.now(),
    )
    storage.add_client(client)
    return client, secret
