"""Authlib's authorization server and resource protector, wired to ameli's storage and keys.

The authorization request is decided by :mod:`idp.authorization`; what goes into tokens is
:mod:`idp.tokens`'. Authlib runs the rest of the protocol: the token endpoint (codes, PKCE
verifiers, refresh rotation, client authentication), revocation, introspection and
RP-initiated logout. This module only plugs in the storage hooks of :mod:`idp.storage`.
Specifications: RFC 6749, RFC 7636, RFC 7009, RFC 7662, RFC 7523, OpenID Connect Core 1.0,
RP-Initiated Logout 1.0.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core.grants.code import OpenIDToken
from authlib.oidc.rpinitiated import EndSessionEndpoint
from authlib.oidc.rpinitiated import EndSessionRequest
from flask import Flask
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError

import accounts
import keys
from idp import client_keys
from idp import storage
from idp import tokens
from idp.errors import InvalidClientError
from idp.errors import InvalidGrantError
from idp.models import AuthMethod
from idp.models import AuthorizationCode
from idp.models import Client
from idp.models import PresentedToken
from idp.models import Token
from idp.settings import get_settings
from idp.subject import subject

EXTENSION_KEY = "ameli.idp.server"
CLIENT_AUTH_METHODS = [method.value for method in AuthMethod]
CONFIDENTIAL_AUTH_METHODS = [method for method in CLIENT_AUTH_METHODS if method != AuthMethod.NONE]
log = logging.getLogger(__name__)


def _active(account: accounts.Account) -> accounts.Account | None:
    return account if account.status is accounts.AccountStatus.ACTIVE else None


class Server(AuthorizationServer):
    """Authlib's Flask authorization server on ameli's storage."""

    def query_client(self, client_id: str) -> Client | None:
        return storage.find_client(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        code: AuthorizationCode | None = request.authorization_code
        refreshed: PresentedToken | None = request.refresh_token
        family_id: str | None
        code_id: int | None
        exchanged: Token | None = None
        if code is not None:
            family_id, code_id, auth_time, claims = None, code.id, code.auth_time, code.claims
        else:
            assert refreshed is not None
            exchanged = refreshed.row
            family_id, code_id, auth_time, claims = (
                exchanged.family_id,
                exchanged.authorization_code_id,
                exchanged.auth_time,
                exchanged.claims,
            )
        try:
            storage.save_token(
                token,
                client=request.client,
                account=request.user,
                family_id=family_id,
                authorization_code_id=code_id,
                auth_time=auth_time,
                claims=claims,
                refresh_lifetime=get_settings().refresh_token_lifetime,
                exchanged=exchanged,
            )
        except storage.RefreshTokenReplayed as error:
            raise InvalidGrantError() from error


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    """The code flow at the token endpoint; codes are issued by :mod:`idp.authorization`."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        return storage.redeem_authorization_code(code, client)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Already marked used when redeemed: kept to detect a replay.
        return None

    def authenticate_user(self, authorization_code: AuthorizationCode) -> accounts.Account | None:
        return _active(authorization_code.account)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """Refresh with rotation: each use returns a new refresh token (Security BCP §4.14)."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> PresentedToken | None:
        return storage.redeem_refresh_token(refresh_token)

    def authenticate_user(self, refresh_token: PresentedToken) -> accounts.Account | None:
        return _active(refresh_token.row.account)

    def revoke_old_credential(self, refresh_token: PresentedToken) -> None:
        # Retired with the new token's save, in one transaction (Server.save_token).
        return None


class PKCE(CodeChallenge):
    """The verifier of RFC 7636 at the token endpoint, against the code's stored challenge.

    Which challenges are accepted is :func:`idp.authorization.check_pkce`'s to say.
    """

    def get_authorization_code_challenge(self, authorization_code: AuthorizationCode) -> Any:
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: AuthorizationCode) -> Any:
        return authorization_code.code_challenge_method


class IDToken(OpenIDToken):
    """Adds the ID token to token responses whose scope has ``openid``."""

    def encode_id_token(self, token: dict[str, Any], request: OAuth2Request) -> str:
        """Sign with :func:`keys.sign`: the private keys stay inside ``keys``."""
        code: AuthorizationCode | None = request.authorization_code
        if code is not None:
            auth_time, nonce, claims_request = code.auth_time, code.nonce, code.claims
        else:
            row = request.refresh_token.row
            # OIDC Core §12.2: a refreshed ID token keeps auth_time and has no nonce.
            auth_time, nonce, claims_request = row.auth_time, None, row.claims
        return tokens.encode_id_token(
            request.client,
            request.user,
            auth_time=auth_time,
            nonce=nonce,
            claims_request=claims_request,
            access_token=token.get("access_token"),
        )


class PrivateKeyJWT(JWTBearerClientAssertion):
    """``private_key_jwt`` client authentication (OIDC Core §9, RFC 7523 §2.2).

    The assertion's header is read before any key is looked for: an unsigned or symmetric
    assertion, or one valid far into the future, is refused without fetching anything.
    Keys come from :mod:`idp.client_keys`; every problem with them is ``invalid_client``.
    """

    CLIENT_AUTH_METHOD = AuthMethod.PRIVATE_KEY_JWT.value
    # An assertion is for one request: one valid for longer is a token, not a proof.
    MAX_LIFETIME_SECONDS = 300

    def __call__(self, query_client: Any, request: OAuth2Request) -> Client | None:
        data = request.form
        assertion = data.get("client_assertion")
        if data.get("client_assertion_type") != self.CLIENT_ASSERTION_TYPE or not assertion:
            return None
        headers, claims = self.extract_assertion(assertion)
        if headers.get("alg") not in client_keys.ASSERTION_ALGORITHMS:
            raise InvalidClientError(description="The assertion must be signed with a public key.")
        expires = claims.get("exp")
        if isinstance(expires, int | float) and expires > time.time() + self.MAX_LIFETIME_SECONDS:
            raise InvalidClientError(description="The assertion expires too far ahead.")
        client_id = claims.get("sub")
        if not isinstance(client_id, str):
            raise InvalidClientError(description="Invalid claim: 'sub'")
        client = query_client(client_id)
        if not client:
            raise InvalidClientError(description="The client does not exist on this server.")
        kid = headers.get("kid")
        try:
            keys = client_keys.key_set(client, kid if isinstance(kid, str) else None)
        except client_keys.ClientKeyError as error:
            log.info("private_key_jwt of client %s refused: %s", client.client_id, error)
            raise InvalidClientError(description="The client keys cannot verify it.") from error
        request.client = client
        self.process_assertion_claims(assertion, keys)
        return self.authenticate_client(client)

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> Any:
        try:
            token = jwt.decode(
                assertion, resolve_key, algorithms=list(client_keys.ASSERTION_ALGORITHMS)
            )
        except (JoseError, ValueError, TypeError) as error:
            raise InvalidClientError(description="The assertion does not verify.") from error
        self.verify_claims(token.claims)
        return token.claims

    def get_audiences(self) -> list[str]:
        return [tokens.issuer() + "/token", tokens.issuer()]

    def validate_jti(self, claims: Mapping[str, Any], jti: str) -> bool:
        expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
        return storage.remember_assertion(str(claims["sub"]), str(jti), expires_at)


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
            "iss": tokens.issuer(),
        }


class EndSession(EndSessionEndpoint):
    """RP-Initiated Logout 1.0, checked against ameli's own published keys."""

    def get_server_jwks(self) -> dict[str, Any]:
        return keys.jwks()

    def get_algorithms(self) -> list[str]:
        return list(keys.ALGORITHMS)

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        accounts.sign_out()


class AccessTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> PresentedToken | None:
        return storage.find_access_token(token_string)


def build_server() -> Server:
    """Return an unbound authorization server with ameli's grants and endpoints."""
    server = Server()
    server.register_grant(AuthorizationCodeGrant, [PKCE(required=True), IDToken()])
    server.register_grant(RefreshTokenGrant, [IDToken()])
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    server.register_endpoint(EndSession)
    return server


def init_app(app: Flask) -> None:
    """Bind a new authorization server and resource protector to ``app``."""
    server = build_server()
    server.init_app(app)
    client_keys.init_app(app.extensions)
    server.register_token_generator("default", tokens.generate_token)
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
