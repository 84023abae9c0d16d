"""A strict FranceConnect v2 relying party: discovery, authorization, token, ID token and
userinfo verification, logout (SPEC §5.1).

Specification: https://docs.partenaires.franceconnect.gouv.fr/fs/fs-technique/ and
OpenID Connect Core 1.0 (https://openid.net/specs/openid-connect-core-1_0.html).
Signatures and JWKS go through joserfc; this module only decides what to check.
It never touches the database and never imports views.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import threading
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import requests
from flask import current_app
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.errors import ExpiredTokenError
from joserfc.errors import InvalidKeyIdError
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from core import clock
from franceconnect import errors
from franceconnect.identity import PivotIdentity
from franceconnect.settings import FranceConnectSettings

log = logging.getLogger(__name__)

ALGORITHMS = ("ES256", "RS256")
# eIDAS levels of assurance, in increasing order.
ACR_LEVELS = {"eidas1": 1, "eidas2": 2, "eidas3": 3}
REQUIRED_METADATA = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
)
_BIRTHDATE = re.compile(r"[0-9]{4}-(?:0[0-9]|1[0-2])-(?:[0-2][0-9]|3[01])", re.ASCII)
_BIRTHPLACE = re.compile(r"(?:2[AB]|[0-9]{2})[0-9]{3}", re.ASCII)
_BIRTHCOUNTRY = re.compile(r"99[0-9]{3}", re.ASCII)
FRANCE = "99100"
_CACHE_KEY = "franceconnect.cache"


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and the ``state`` and ``nonce`` to check on its return."""

    url: str
    state: str
    nonce: str


@dataclass(frozen=True)
class SignIn:
    """A verified FranceConnect sign-in: the identity, and the ID token kept for logout."""

    identity: PivotIdentity
    id_token: str


class ProviderCache:
    """Discovery documents and JWKS by URL, each kept ``ttl`` seconds (thread-safe)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[datetime, Any]] = {}
        self._lock = threading.Lock()

    def get(self, url: str, ttl: int, load: Callable[[], Any], *, refresh: bool = False) -> Any:
        """Return the value cached for ``url``, loading it when absent, stale or ``refresh``."""
        now = clock.now()
        with self._lock:
            entry = self._entries.get(url)
        if entry is not None and not refresh and now - entry[0] < timedelta(seconds=ttl):
            return entry[1]
        value = load()
        with self._lock:
            self._entries[url] = (now, value)
        return value


class FranceConnectClient:
    """Talk to one FranceConnect instance as the client ``settings.client_id``."""

    def __init__(
        self,
        settings: FranceConnectSettings,
        cache: ProviderCache,
        http: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self._cache = cache
        self._http = http or requests.Session()

    # --- Discovery -----------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """Return FranceConnect's discovery document (OpenID Connect Discovery 1.0 §4).

        :raises ProviderUnavailable: unreachable, or the document is unusable.
        """
        url = self.settings.discovery_url
        return dict(self._cache.get(url, self.settings.cache_ttl, self._load_metadata))

    def _load_metadata(self) -> dict[str, Any]:
        document = self._get_json(self.settings.discovery_url)
        missing = [name for name in REQUIRED_METADATA if not isinstance(document.get(name), str)]
        if missing:
            raise errors.ProviderUnavailable(f"discovery lacks {', '.join(missing)}")
        if document["issuer"].rstrip("/") != self.settings.base_url.rstrip("/"):
            raise errors.ProviderUnavailable(f"discovery issuer {document['issuer']!r} unexpected")
        return document

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        jwks_uri = self.metadata()["jwks_uri"]
        document = self._cache.get(
            jwks_uri, self.settings.cache_ttl, lambda: self._get_json(jwks_uri), refresh=refresh
        )
        keys = document.get("keys")
        if not isinstance(keys, list):
            raise errors.ProviderUnavailable("JWKS has no keys")
        signing = [key for key in keys if isinstance(key, dict) and key.get("use", "sig") == "sig"]
        try:
            return KeySet.import_key_set({"keys": signing})
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise errors.ProviderUnavailable(f"JWKS unusable: {error}") from error

    # --- Authorization -------------------------------------------------------------------

    def authorization_request(self) -> AuthorizationRequest:
        """Build the authorization request with a fresh ``state`` and ``nonce`` (64 hex each).

        :raises ProviderUnavailable: when discovery fails.
        """
        state, nonce = secrets.token_hex(32), secrets.token_hex(32)
        params = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.settings.redirect_uri,
            "scope": self.settings.scope,
            "acr_values": self.settings.acr_values,
            "state": state,
            "nonce": nonce,
        }
        if self.settings.prompt_login:
            params["prompt"] = "login"
        url = _with_query(self.metadata()["authorization_endpoint"], params)
        return AuthorizationRequest(url=url, state=state, nonce=nonce)

    def sign_in(self, code: str, nonce: str) -> SignIn:
        """Exchange ``code``, verify the ID token, then fetch and verify userinfo at once.

        FranceConnect codes live 30 s and access tokens 60 s, hence no delay in between.

        :raises FranceConnectError: the subclass naming the first check that failed.
        """
        tokens = self.exchange_code(code)
        claims = self.verify_id_token(tokens["id_token"], nonce)
        identity = self.userinfo(tokens["access_token"], claims["sub"])
        return SignIn(identity=identity, id_token=tokens["id_token"])

    def exchange_code(self, code: str) -> dict[str, str]:
        """Exchange an authorization code at the token endpoint (``client_secret_post``).

        :raises ProviderError: FranceConnect refused the code, or answered without tokens.
        :raises ProviderUnavailable: unreachable or too slow.
        """
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.settings.redirect_uri,
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret,
        }
        response = self._request("POST", self.metadata()["token_endpoint"], data=data)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise errors.ProviderError(f"token endpoint answered {response.status_code}, no JSON")
        refused = body.get("error") in ("invalid_grant", "invalid_request")
        if response.status_code == 400 and refused:
            # The code came back in the browser: a forged, replayed or late one is the
            # person's to start again, not FranceConnect's failure.
            raise errors.CodeRefused(f"token endpoint error {body.get('error')!r}")
        if response.status_code != 200:
            raise errors.ProviderError(f"token endpoint error {body.get('error')!r}")
        tokens = {name: body.get(name) for name in ("id_token", "access_token", "token_type")}
        if not all(isinstance(value, str) and value for value in tokens.values()):
            raise errors.ProviderError("token response lacks id_token, access_token or token_type")
        if str(tokens["token_type"]).lower() != "bearer":
            raise errors.ProviderError(f"token_type {tokens['token_type']!r} is not Bearer")
        return {name: str(value) for name, value in tokens.items()}

    # --- ID token ------------------------------------------------------------------------

    def verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """Verify the ID token: signature, ``iss``, ``aud``, ``exp``/``iat``, ``nonce``, ``acr``.

        See OpenID Connect Core §3.1.3.7.

        :raises InvalidToken: the subclass naming the first check that failed.
        """
        claims = self._decode(id_token)
        self._check_issuer_and_audience(claims)
        registry = jwt.JWTClaimsRegistry(
            now=int(clock.now().timestamp()),
            leeway=self.settings.leeway,
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError as error:
            raise errors.TokenExpired(f"exp {claims.get('exp')}") from error
        except JoseError as error:
            raise errors.InvalidIdToken(f"time claims: {error}") from error
        if not (isinstance(claims.get("sub"), str) and claims["sub"]):
            raise errors.InvalidIdToken("sub missing")
        received = claims.get("nonce")
        if not (
            isinstance(received, str) and hmac.compare_digest(received.encode(), nonce.encode())
        ):
            raise errors.NonceMismatch("nonce differs from the one sent")
        self._check_acr(claims.get("acr"))
        return claims

    def _check_issuer_and_audience(self, claims: Mapping[str, Any]) -> None:
        issuer = self.metadata()["issuer"]
        if claims.get("iss") != issuer:
            raise errors.IssuerMismatch(f"iss {claims.get('iss')!r}, expected {issuer!r}")
        audience = claims.get("aud")
        if audience != self.settings.client_id and audience != [self.settings.client_id]:
            raise errors.AudienceMismatch(f"aud {audience!r}")

    def _check_acr(self, acr: object) -> None:
        requested = ACR_LEVELS.get(self.settings.acr_values, 1)
        if not isinstance(acr, str) or ACR_LEVELS.get(acr, 0) < requested:
            raise errors.AcrTooLow(f"acr {acr!r} below {self.settings.acr_values}")

    def _decode(self, token: str) -> dict[str, Any]:
        """Verify ``token``'s signature by ``kid``, refetching the JWKS once for a new kid."""
        try:
            return self._decode_with(token, self._key_set())
        except InvalidKeyIdError:
            log.info("unknown kid in a FranceConnect token: refetching the JWKS")
        try:
            return self._decode_with(token, self._key_set(refresh=True))
        except InvalidKeyIdError as error:
            raise errors.UnknownKeyId(str(error)) from error

    @staticmethod
    def _decode_with(token: str, key_set: KeySet) -> dict[str, Any]:
        try:
            claims = jwt.decode(token, key_set, algorithms=list(ALGORITHMS)).claims
        except InvalidKeyIdError:
            raise
        except BadSignatureError as error:
            raise errors.BadSignature("signature does not verify") from error
        except (JoseError, ValueError, TypeError, UnicodeError) as error:
            raise errors.InvalidToken(f"not a signed JWT: {error}") from error
        return dict(claims)

    # --- Userinfo ------------------------------------------------------------------------

    def userinfo(self, access_token: str, sub: str) -> PivotIdentity:
        """Fetch userinfo (a signed JWT in FranceConnect v2) and return the identité pivot.

        :raises UserinfoNotJwt: the response is not ``application/jwt``.
        :raises UserinfoSubjectMismatch: its ``sub`` is not the ID token's.
        :raises InvalidUserinfo: a claim of the identité pivot is missing or malformed.
        :raises InvalidToken: its signature does not verify.
        """
        response = self._request(
            "GET",
            self.metadata()["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
        )
        if response.status_code != 200:
            raise errors.ProviderError(f"userinfo answered {response.status_code}")
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type != "application/jwt":
            raise errors.UserinfoNotJwt(f"userinfo Content-Type {media_type!r}")
        claims = self._decode(response.text.strip())
        if "iss" in claims or "aud" in claims:
            self._check_issuer_and_audience(claims)
        received = claims.get("sub")
        if not (isinstance(received, str) and hmac.compare_digest(received.encode(), sub.encode())):
            raise errors.UserinfoSubjectMismatch(f"userinfo sub {received!r} differs")
        return identity_from_claims(claims)

    # --- Logout --------------------------------------------------------------------------

    def logout_url(self, id_token: str, state: str) -> str:
        """Return the ``end_session_endpoint`` URL that signs the person out of FranceConnect.

        :raises ProviderUnavailable: when discovery fails.
        """
        return _with_query(
            self.metadata()["end_session_endpoint"],
            {
                "id_token_hint": id_token,
                "state": state,
                "post_logout_redirect_uri": self.settings.post_logout_redirect_uri,
            },
        )

    # --- HTTP ----------------------------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._http.request(method, url, timeout=self.settings.timeout, **kwargs)
        except requests.Timeout as error:
            raise errors.ProviderTimeout(f"{method} {url} timed out") from error
        except requests.RequestException as error:
            raise errors.ProviderUnavailable(f"{method} {url}: {error}") from error
        if response.status_code >= 500:
            raise errors.ProviderUnavailable(f"{method} {url} answered {response.status_code}")
        return response

    def _get_json(self, url: str) -> dict[str, Any]:
        response = self._request("GET", url)
        try:
            document = response.json() if response.status_code == 200 else None
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise errors.ProviderUnavailable(f"GET {url}: no JSON object ({response.status_code})")
        return document


def identity_from_claims(claims: Mapping[str, Any]) -> PivotIdentity:
    """Read the identité pivot from userinfo claims (SPEC §5.2).

    :raises InvalidUserinfo: naming the first claim missing or malformed.
    """
    names = ("given_name", "family_name", "birthdate", "gender", "birthplace", "birthcountry")
    for name in names:
        if not isinstance(claims.get(name), str):
            raise errors.InvalidUserinfo(f"{name} missing")
    if not _BIRTHDATE.fullmatch(claims["birthdate"]):
        raise errors.InvalidUserinfo(f"birthdate {claims['birthdate']!r}")
    if not _BIRTHCOUNTRY.fullmatch(claims["birthcountry"]):
        raise errors.InvalidUserinfo(f"birthcountry {claims['birthcountry']!r}")
    birthplace = claims["birthplace"]
    born_in_france = claims["birthcountry"] == FRANCE
    if not (_BIRTHPLACE.fullmatch(birthplace) if born_in_france else birthplace == ""):
        raise errors.InvalidUserinfo(f"birthplace {birthplace!r} for {claims['birthcountry']}")
    email = claims.get("email")
    preferred = claims.get("preferred_username")
    return PivotIdentity(
        sub=str(claims["sub"]),
        given_name=claims["given_name"],
        family_name=claims["family_name"],
        birthdate=claims["birthdate"],
        gender=claims["gender"],
        birthplace=birthplace,
        birthcountry=claims["birthcountry"],
        email=email if isinstance(email, str) else "",
        preferred_username=preferred if isinstance(preferred, str) and preferred else None,
    )


def _with_query(endpoint: str, params: Mapping[str, str]) -> str:
    separator = "&" if "?" in endpoint else "?"
    return endpoint + separator + urlencode(params)


def init_app_cache(extensions: dict[str, Any]) -> None:
    """Give an application its own cache of FranceConnect documents."""
    extensions[_CACHE_KEY] = ProviderCache()


def get_client(settings: FranceConnectSettings) -> FranceConnectClient:
    """Return a client for ``settings`` sharing the running application's cache."""
    cache: ProviderCache = current_app.extensions[_CACHE_KEY]
    return FranceConnectClient(settings, cache)
