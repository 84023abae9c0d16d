"""The OpenID Connect provider: Authlib's authorization server with ameli's storage.

Authlib runs the protocol (request validation, PKCE, client authentication, token
responses, revocation, introspection, RP-initiated logout); this module plugs in the
storage hooks of :mod:`idp.storage` and signs with :mod:`keys`, whose private keys never
leave it. Specifications: OpenID Connect Core 1.0
(https://openid.net/specs/openid-connect-core-1_0.html), RFC 6749, RFC 7636, RFC 7009,
RFC 7662, RFC 7523, RP-Initiated Logout 1.0.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import requests
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core.util import create_half_hash
from authlib.oidc.rpinitiated import EndSessionEndpoint
from authlib.oidc.rpinitiated import EndSessionRequest
from flask import Flask
from flask import current_app
from joserfc.jwk import KeySet

import keys
from core import clock
from enrollment.models import Account
from enrollment.models import AccountStatus
from idp import claims as claims_module
from idp import session as sso
from idp import storage
from idp.checks import AuthorizationRequestChecks
from idp.errors import InvalidClientError
from idp.errors import InvalidRedirectURIError
from idp.models import ACR
from idp.models import AMR
from idp.models import AuthorizationCode
from idp.models import Client
from idp.models import PresentedToken
from idp.subject import subject

EXTENSION_KEY = "ameli.idp.server"
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
CONFIDENTIAL_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
JWKS_URI_TIMEOUT = 5


def issuer() -> str:
    """Return the issuer identifier: ``ISSUER`` without a trailing slash."""
    return str(current_app.config["ISSUER"]).rstrip("/")


def _settings_lifetime(name: str) -> int:
    return int(current_app.config[name])


class ParamsRequest(OAuth2Request):
    """An authorization request rebuilt from its parameters (the consent form carries them)."""

    def __init__(self, params: Mapping[str, str], uri: str) -> None:
        super().__init__("GET", uri, headers={})
        self.payload = BasicOAuth2Payload(dict(params))

    @property
    def args(self) -> dict[str, str]:
        return dict(self.payload.data)

    @property
    def form(self) -> dict[str, str]:
        return {}


class Server(AuthorizationServer):
    """Authlib's Flask authorization server on ameli's storage."""

    def query_client(self, client_id: str) -> Client | None:
        return storage.find_client(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        code: AuthorizationCode | None = request.authorization_code
        refreshed: PresentedToken | None = request.refresh_token
        family_id: str | None
        code_id: int | None
        if code is not None:
            family_id, code_id, auth_time, claims = None, code.id, code.auth_time, code.claims
        else:
            assert refreshed is not None
            row = refreshed.row
            family_id, code_id, auth_time, claims = (
                row.family_id,
                row.authorization_code_id,
                row.auth_time,
                row.claims,
            )
        storage.save_token(
            token,
            client=request.client,
            account=request.user,
            family_id=family_id,
            authorization_code_id=code_id,
            auth_time=auth_time,
            claims=claims,
            refresh_lifetime=timedelta(seconds=_settings_lifetime("IDP_REFRESH_TOKEN_LIFETIME")),
        )

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, Mapping):
            return ParamsRequest(request, issuer() + "/autorisation")
        return super().create_oauth2_request(request)


def generate_token(
    grant_type: str,
    client: Client,
    user: Account | None = None,
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
        "expires_in": expires_in or _settings_lifetime("IDP_ACCESS_TOKEN_LIFETIME"),
        "scope": scope or "",
    }
    if include_refresh_token and "offline_access" in (scope or "").split():
        token["refresh_token"] = secrets.token_urlsafe(32)
    return token


def encode_id_token(
    client: Client,
    account: Account,
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
        "exp": now + _settings_lifetime("IDP_ID_TOKEN_LIFETIME"),
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
        "exp": now + _settings_lifetime("IDP_ID_TOKEN_LIFETIME"),
    }
    return keys.sign(payload, client.userinfo_alg, headers={"typ": "JWT"})


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    """The code flow; only the storage hooks are ameli's."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    @staticmethod
    def validate_authorization_redirect_uri(request: OAuth2Request, client: Client) -> str:
        """Accept only a registered ``redirect_uri``; it is required (OIDC Core §3.1.2.1).

        :raises InvalidRedirectURIError: never redirected, shown on a page.
        """
        redirect_uri = request.payload.redirect_uri
        if not redirect_uri or not client.check_redirect_uri(redirect_uri):
            raise InvalidRedirectURIError()
        return str(redirect_uri)

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        storage.save_authorization_code(
            code,
            client=request.client,
            account=request.user,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            nonce=data.get("nonce") or None,
            code_challenge=data.get("code_challenge") or None,
            code_challenge_method=data.get("code_challenge_method") or None,
            auth_time=sso.auth_time() or clock.now(),
            acr=ACR,
            claims=claims_module.parse_claims_request(data.get("claims")),
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        return storage.redeem_authorization_code(code, client)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Already marked used when redeemed: kept to detect a replay.
        return None

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Account | None:
        account = authorization_code.account
        return account if account.status is AccountStatus.ACTIVE else None


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """Refresh with rotation: each use returns a new refresh token (Security BCP §4.14)."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> PresentedToken | None:
        return storage.redeem_refresh_token(refresh_token)

    def authenticate_user(self, refresh_token: PresentedToken) -> Account | None:
        account = refresh_token.row.account
        return account if account.status is AccountStatus.ACTIVE else None

    def revoke_old_credential(self, refresh_token: PresentedToken) -> None:
        storage.rotate(refresh_token.row)


class PKCE(CodeChallenge):
    """PKCE with S256 only (RFC 7636, OAuth 2.0 Security BCP §2.1.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def get_authorization_code_challenge(self, authorization_code: AuthorizationCode) -> Any:
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: AuthorizationCode) -> Any:
        return authorization_code.code_challenge_method


class IDToken(OpenIDCode):
    """Adds the ID token to token responses whose scope has ``openid``."""

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return storage.nonce_used(request.client, nonce)

    def encode_id_token(self, token: dict[str, Any], request: OAuth2Request) -> str:
        """Sign with :func:`keys.sign`: the private keys stay inside ``keys``."""
        code: AuthorizationCode | None = request.authorization_code
        if code is not None:
            auth_time, nonce, claims_request = code.auth_time, code.nonce, code.claims
        else:
            row = request.refresh_token.row
            # OIDC Core §12.2: a refreshed ID token keeps auth_time and has no nonce.
            auth_time, nonce, claims_request = row.auth_time, None, row.claims
        return encode_id_token(
            request.client,
            request.user,
            auth_time=auth_time,
            nonce=nonce,
            claims_request=claims_request,
            access_token=token.get("access_token"),
        )


class PrivateKeyJWT(JWTBearerClientAssertion):
    """``private_key_jwt`` client authentication (OIDC Core §9, RFC 7523 §2.2)."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def get_audiences(self) -> list[str]:
        return [issuer() + "/token", issuer()]

    def validate_jti(self, claims: Mapping[str, Any], jti: str) -> bool:
        expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
        return storage.remember_assertion(str(claims["sub"]), str(jti), expires_at)

    def resolve_client_public_key(self, client: Client) -> KeySet:
        """Return the client's registered keys, or those served at its ``jwks_uri``.

        :raises InvalidClientError: when the client has no usable keys.
        """
        document = client.jwks
        if document is None and client.jwks_uri:
            try:
                response = requests.get(client.jwks_uri, timeout=JWKS_URI_TIMEOUT)
                response.raise_for_status()
                document = response.json()
            except (requests.RequestException, ValueError) as error:
                raise InvalidClientError(description="The client keys cannot be read.") from error
        try:
            return KeySet.import_key_set(document or {"keys": []})  # type: ignore[arg-type]
        except (ValueError, TypeError, KeyError) as error:
            raise InvalidClientError(description="The client keys are not a JWK Set.") from error


class Revocation(RevocationEndpoint):
    """RFC 7009; a public client revokes with its ``client_id`` alone."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return storage.find_token(token_string, token_type_hint)

    def revoke_token(self, token: PresentedToken, request: OAuth2Request) -> None:
        storage.revoke(token)


class Introspection(IntrospectionEndpoint):
    """RFC 7662, for the client a token was issued to."""

    CLIENT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return storage.find_token(token_string, token_type_hint)

    def check_permission(
        self, token: PresentedToken, client: Client, request: OAuth2Request
    ) -> bool:
        return bool(token.check_client(client))

    def introspect_token(self, token: PresentedToken) -> dict[str, Any]:
        row = token.row
        expires_at = row.expires_at if token.kind == "access_token" else row.refresh_expires_at
        assert expires_at is not None
        return {
            "active": True,
            "scope": row.scope,
            "client_id": row.client.client_id,
            "token_type": "Bearer" if token.kind == "access_token" else "refresh_token",
            "exp": int(expires_at.timestamp()),
            "iat": int(row.issued_at.timestamp()),
            "sub": subject(row.account, row.client),
            "aud": row.client.client_id,
            "iss": issuer(),
        }


class EndSession(EndSessionEndpoint):
    """RP-Initiated Logout 1.0, checked against ameli's own published keys."""

    def get_server_jwks(self) -> dict[str, Any]:
        return keys.jwks()

    def get_algorithms(self) -> list[str]:
        return list(keys.ALGORITHMS)

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        sso.sign_out()


class AccessTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> PresentedToken | None:
        return storage.find_access_token(token_string)


def build_server() -> Server:
    """Return an unbound authorization server with ameli's grants and endpoints."""
    server = Server()
    server.register_grant(
        AuthorizationCodeGrant, [AuthorizationRequestChecks(), PKCE(required=True), IDToken()]
    )
    server.register_grant(RefreshTokenGrant, [IDToken()])
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    server.register_endpoint(EndSession)
    return server


def init_app(app: Flask) -> None:
    """Bind a new authorization server and resource protector to ``app``."""
    server = build_server()
    server.init_app(app)
    server.register_token_generator("default", generate_token)
    server.register_client_auth_method(PrivateKeyJWT.CLIENT_AUTH_METHOD, PrivateKeyJWT())
    protector = ResourceProtector()
    protector.register_token_validator(AccessTokenValidator())
    app.extensions[EXTENSION_KEY] = (server, protector)


def get_server() -> Server:
    server: Server = current_app.extensions[EXTENSION_KEY][0]
    return server


def get_resource_protector() -> ResourceProtector:
    protector: ResourceProtector = current_app.extensions[EXTENSION_KEY][1]
    return protector
