"""The authorization request, decided in one place and read top to bottom (OIDC Core §3.1.2).

1. **Checks**, in the order of :data:`CHECKS`: each one a small named function that reads a
   part of the request into an :class:`AuthorizationRequest`, or refuses it with the OAuth
   error of that part. Until the client and its ``redirect_uri`` are known, a refusal is
   shown on our own page; from then on it goes back to the client with ``state``
   (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6).
2. **Interaction policy** (:func:`interaction`): what the person must do before a code is
   issued, with the named reasons why: sign in (:data:`LOGIN_CHECKS`) or consent
   (:data:`CONSENT_CHECKS`). With ``prompt=none``, a needed interaction is an error sent
   back to the client instead (:func:`decide`).
3. **Consent** (:func:`record_consent`), when the person accepts on the consent page.
4. **Issuance** (:func:`issue_code`): a single-use code, sent back with ``state``.

Every rule about ``prompt``, PKCE (S256 only) and the ``claims`` parameter is here, once;
Authlib runs the token endpoint on the codes issued here.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any

from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import scope_to_list
from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer

import accounts
import keys
from core import clock
from idp import claims as claims_module
from idp import storage
from idp.errors import ConsentRequiredError
from idp.errors import InvalidClientError
from idp.errors import InvalidRedirectURIError
from idp.errors import InvalidRequestError
from idp.errors import InvalidScopeError
from idp.errors import LoginRequiredError
from idp.errors import OAuth2Error
from idp.errors import RequestNotSupportedError
from idp.errors import RequestURINotSupportedError
from idp.errors import UnsupportedResponseTypeError
from idp.models import ACR
from idp.models import Client
from idp.subject import subject
from idp.tokens import issuer

# OIDC Core §3.1.2.1; "none" stands alone.
PROMPTS = frozenset({"none", "login", "consent", "select_account"})
# RFC 7636 §4.2, OAuth 2.0 Security BCP §2.1.1: only S256 is offered.
CODE_CHALLENGE_METHODS = ("S256",)
_CODE_CHALLENGE_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)
# The longest a parameter may be; an ID token hint and a claims request are the long ones.
DEFAULT_PARAMETER_LENGTH = 2048
PARAMETER_LENGTHS = {"id_token_hint": 8192, "claims": 4096}
# RFC 6749 §3.1: these must not be given twice.
SINGLE_VALUED = ("response_type", "client_id", "redirect_uri", "scope", "state")
# The same length as Authlib's own codes: 48 letters and digits.
CODE_LENGTH = 48
# An expired ID token is still a good hint of who the client expects (OIDC Core §3.1.2.1).
_HINT_LEEWAY = timedelta(days=3650)
# The parameter that tells a returning request when a fresh sign-in was demanded.
LOGIN_MARKER = "ameli_login_demanded"
_LOGIN_SALT = "ameli.idp.login-demanded"
_LOGIN_MAX_AGE = 30 * 60


@dataclass
class AuthorizationRequest:
    """An authorization request, as the checks read it: parameters and what they found."""

    params: Mapping[str, str]
    repeated: frozenset[str] = frozenset()
    client: Client | None = None
    redirect_uri: str | None = None
    scope: str = ""
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    prompt: frozenset[str] = frozenset()
    max_age: int | None = None
    claims: dict[str, dict[str, Any]] | None = None
    hinted_subject: str | None = None

    @property
    def state(self) -> str | None:
        return self.params.get("state") or None

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    @property
    def released_claims(self) -> list[str]:
        """The claims a code for this request may release: its scopes' and its requested."""
        return claims_module.released_claims(self.scope, self.claims)

    def known_client(self) -> Client:
        """Return the client, once :func:`check_client` found it."""
        assert self.client is not None, "check_client runs first"
        return self.client


Check = Callable[[AuthorizationRequest], None]


# --- 1. Checks, in order -----------------------------------------------------------------


def check_parameter_sizes(request: AuthorizationRequest) -> None:
    """Refuse a parameter longer than any real one, before it is read or sent back.

    :raises InvalidRequestError: shown on our page: a huge ``state`` is never echoed.
    """
    for name, value in request.params.items():
        if len(value) > PARAMETER_LENGTHS.get(name, DEFAULT_PARAMETER_LENGTH):
            raise InvalidRequestError(f"The '{name[:40]}' parameter is too long.")


def check_client(request: AuthorizationRequest) -> None:
    """Require a registered ``client_id`` (RFC 6749 §4.1.1).

    :raises InvalidClientError: shown on our page, never redirected.
    """
    client_id = request.params.get("client_id")
    if not client_id:
        raise InvalidClientError(description="Missing 'client_id' parameter.")
    request.client = storage.find_client(client_id)
    if request.client is None:
        raise InvalidClientError(description="The client does not exist on this server.")


def check_redirect_uri(request: AuthorizationRequest) -> None:
    """Require a ``redirect_uri`` registered for the client, compared exactly.

    OIDC Core §3.1.2.1 makes it required; OAuth 2.0 Security BCP §4.1.3 asks for exact
    comparison. From here on, errors go back to it.

    :raises InvalidRedirectURIError: shown on our page, never followed.
    """
    redirect_uri = request.params.get("redirect_uri")
    if not redirect_uri or not request.known_client().check_redirect_uri(redirect_uri):
        raise InvalidRedirectURIError()
    request.redirect_uri = redirect_uri


def check_single_values(request: AuthorizationRequest) -> None:
    """Refuse a parameter of RFC 6749 §3.1 given more than once.

    :raises InvalidRequestError:
    """
    for name in SINGLE_VALUED:
        if name in request.repeated:
            raise InvalidRequestError(f"Multiple '{name}' in request.")


def check_response_type(request: AuthorizationRequest) -> None:
    """Accept only the code flow (``response_type=code``).

    :raises UnsupportedResponseTypeError: missing or any other value.
    """
    response_type = request.params.get("response_type") or ""
    if response_type != "code":
        raise UnsupportedResponseTypeError(response_type)


def check_request_object(request: AuthorizationRequest) -> None:
    """Refuse request objects, which this provider does not support (OIDC Core §6.1).

    :raises RequestNotSupportedError: for ``request``.
    :raises RequestURINotSupportedError: for ``request_uri``.
    """
    if request.params.get("request"):
        raise RequestNotSupportedError()
    if request.params.get("request_uri"):
        raise RequestURINotSupportedError()


def check_scope(request: AuthorizationRequest) -> None:
    """Require ``openid``; keep the scopes the client may ask for (OIDC Core §3.1.2.1).

    :raises InvalidScopeError:
    """
    asked = scope_to_list(request.params.get("scope")) or []
    if "openid" not in asked:
        raise InvalidScopeError("The 'openid' scope is required.")
    request.scope = request.known_client().get_allowed_scope(" ".join(asked))


def check_pkce(request: AuthorizationRequest) -> None:
    """Accept only S256 challenges, and require one of public clients (RFC 7636 §4.3).

    :raises InvalidRequestError:
    """
    challenge = request.params.get("code_challenge") or None
    method = request.params.get("code_challenge_method") or None
    if method and not challenge:
        raise InvalidRequestError("Missing 'code_challenge'.")
    if challenge:
        if not 43 <= len(challenge) <= 128 or not set(challenge) <= _CODE_CHALLENGE_CHARACTERS:
            raise InvalidRequestError("Invalid 'code_challenge'.")
        # Without a method, RFC 7636 means "plain": refused like any other but S256.
        if method not in CODE_CHALLENGE_METHODS:
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
    if request.known_client().is_public and not challenge:
        raise InvalidRequestError("Public clients must use PKCE (S256).")
    request.code_challenge, request.code_challenge_method = challenge, method


def check_nonce(request: AuthorizationRequest) -> None:
    """Accept a ``nonce`` of at most 255 printable characters, never used before by the
    client (OIDC Core §15.5.2).

    :raises InvalidRequestError:
    """
    nonce = request.params.get("nonce") or None
    if nonce is None:
        return
    if len(nonce) > 255 or not nonce.isprintable():
        raise InvalidRequestError("The 'nonce' parameter is too long or not printable.")
    if storage.nonce_used(request.known_client(), nonce):
        raise InvalidRequestError("Replay attack")
    request.nonce = nonce


def check_prompt(request: AuthorizationRequest) -> None:
    """Accept only the ``prompt`` values of OIDC Core §3.1.2.1, ``none`` on its own.

    :raises InvalidRequestError:
    """
    values = frozenset((request.params.get("prompt") or "").split())
    if not values <= PROMPTS or ("none" in values and len(values) > 1):
        raise InvalidRequestError("The 'prompt' parameter is not valid.")
    request.prompt = values


def check_max_age(request: AuthorizationRequest) -> None:
    """Require ``max_age`` to be a non-negative integer of seconds (OIDC Core §3.1.2.1).

    :raises InvalidRequestError:
    """
    max_age = request.params.get("max_age")
    if max_age is None:
        return
    if not max_age.isdigit() or not max_age.isascii() or len(max_age) > 10:
        raise InvalidRequestError("The 'max_age' parameter is not a number of seconds.")
    request.max_age = int(max_age)


def check_claims(request: AuthorizationRequest) -> None:
    """Read the ``claims`` parameter, once for the whole request (OIDC Core §5.5).

    :raises InvalidRequestError: it is not a JSON object of objects.
    """
    try:
        request.claims = claims_module.parse_claims_request(request.params.get("claims"))
    except claims_module.InvalidClaimsRequest as error:
        raise InvalidRequestError("The 'claims' parameter is not valid JSON.") from error


def check_id_token_hint(request: AuthorizationRequest) -> None:
    """Read the ``sub`` of an ``id_token_hint``, which must be an ID token of ours for the
    client; expired ones are good hints still (OIDC Core §3.1.2.1).

    :raises InvalidRequestError:
    """
    hint = request.params.get("id_token_hint")
    if not hint:
        return
    try:
        claims = keys.verify(hint, leeway=_HINT_LEEWAY)
    except keys.TokenVerificationError as error:
        raise InvalidRequestError("The 'id_token_hint' is not valid.") from error
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if claims.get("iss") != issuer() or request.known_client().client_id not in audiences:
        raise InvalidRequestError("The 'id_token_hint' was not issued to this client.")
    sub = claims.get("sub")
    request.hinted_subject = sub if isinstance(sub, str) else None


CHECKS: tuple[Check, ...] = (
    check_parameter_sizes,
    check_client,
    check_redirect_uri,
    check_single_values,
    check_response_type,
    check_request_object,
    check_scope,
    check_pkce,
    check_nonce,
    check_prompt,
    check_max_age,
    check_claims,
    check_id_token_hint,
)


def check_request(
    params: Mapping[str, str], repeated: frozenset[str] = frozenset()
) -> AuthorizationRequest:
    """Run :data:`CHECKS` in order on an authorization request's parameters.

    ``repeated`` names the parameters given more than once.

    :raises OAuth2Error: the first check's error; with ``redirect_uri`` (and ``state``) set
        once the redirect URI is validated, so that it goes back to the client.
    """
    request = AuthorizationRequest(params=dict(params), repeated=repeated)
    for check in CHECKS:
        try:
            check(request)
        except OAuth2Error as error:
            error.redirect_uri = request.redirect_uri
            error.state = request.state
            raise
    return request


# --- 2. Interaction policy ---------------------------------------------------------------


class Prompt(enum.StrEnum):
    """What the person is asked to do."""

    LOGIN = "login"
    CONSENT = "consent"


class Reason(enum.StrEnum):
    """Why an interaction is needed (the names of node-oidc-provider's policy)."""

    NO_SESSION = "no_session"
    PROMPT_LOGIN = "prompt_login"
    MAX_AGE = "max_age"
    ID_TOKEN_HINT = "id_token_hint"
    CLAIMS_SUB = "claims_id_token_sub_value"
    PROMPT_CONSENT = "prompt_consent"
    CONSENT_MISSING = "consent_missing"
    CLAIMS_MISSING = "claims_missing"


@dataclass(frozen=True)
class BrowserSession:
    """Who is signed in on the browser, since when, and whether this request just asked
    them to sign in (the marker it carries back from the sign-in page)."""

    account: accounts.Account | None
    auth_time: datetime | None
    login_demanded_at: int | None = None

    @property
    def signed_in_for_this_request(self) -> bool:
        return (
            self.auth_time is not None
            and self.login_demanded_at is not None
            and self.auth_time.timestamp() >= self.login_demanded_at
        )


@dataclass(frozen=True)
class Interaction:
    """An interaction needed before issuing a code, and every reason for it."""

    prompt: Prompt
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


PolicyCheck = Callable[[AuthorizationRequest, BrowserSession], Reason | None]


def no_session(request: AuthorizationRequest, session: BrowserSession) -> Reason | None:
    """Nobody is signed in on this browser."""
    if session.account is None or session.auth_time is None:
        return Reason.NO_SESSION
    return None


def prompt_login(request: AuthorizationRequest, session: BrowserSession) -> Reason | None:
    """The client asks for a fresh sign-in (FranceConnect always does)."""
    if "login" in request.prompt and not session.signed_in_for_this_request:
        return Reason.PROMPT_LOGIN
    return None


def max_age(request: AuthorizationRequest, session: BrowserSession) -> Reason | None:
    """The sign-in is older than the client accepts."""
    if request.max_age is None or session.auth_time is None:
        return None
    if session.signed_in_for_this_request:
        return None
    if clock.now() - session.auth_time > timedelta(seconds=request.max_age):
        return Reason.MAX_AGE
    return None


def id_token_hint(request: AuthorizationRequest, session: BrowserSession) -> Reason | None:
    """The client expects someone else than the person signed in."""
    if request.hinted_subject is None or session.account is None:
        return None
    if session.signed_in_for_this_request:
        return None
    if request.hinted_subject != subject(session.account, request.known_client()):
        return Reason.ID_TOKEN_HINT
    return None


def claims_sub(request: AuthorizationRequest, session: BrowserSession) -> Reason | None:
    """The ``claims`` request asks for a ``sub`` that is not the person signed in's
    (OIDC Core §5.5.1: only that person may get a positive answer)."""
    wanted = ((request.claims or {}).get("id_token") or {}).get("sub")
    if not isinstance(wanted, dict) or "value" not in wanted or session.account is None:
        return None
    if wanted["value"] != subject(session.account, request.known_client()):
        return Reason.CLAIMS_SUB
    return None


def prompt_consent(request: AuthorizationRequest, session: BrowserSession) -> Reason | None:
    """The client asks the person to consent again."""
    return Reason.PROMPT_CONSENT if "consent" in request.prompt else None


def consent_missing(request: AuthorizationRequest, session: BrowserSession) -> Reason | None:
    """The person has not allowed all the scopes asked, or withdrew their consent."""
    assert session.account is not None  # the login checks ran first
    consent = storage.find_consent(session.account, request.known_client())
    if consent is None or not consent.covers_scopes(request.scopes):
        return Reason.CONSENT_MISSING
    return None


def claims_missing(request: AuthorizationRequest, session: BrowserSession) -> Reason | None:
    """The ``claims`` request asks for claims beyond what the person allowed."""
    assert session.account is not None  # the login checks ran first
    consent = storage.find_consent(session.account, request.known_client())
    if consent is not None and not consent.covers_claims(request.released_claims):
        return Reason.CLAIMS_MISSING
    return None


LOGIN_CHECKS: tuple[PolicyCheck, ...] = (
    no_session,
    prompt_login,
    max_age,
    id_token_hint,
    claims_sub,
)
CONSENT_CHECKS: tuple[PolicyCheck, ...] = (prompt_consent, consent_missing, claims_missing)


def interaction(request: AuthorizationRequest, session: BrowserSession) -> Interaction | None:
    """Return the interaction the person must go through first, with its reasons, or None.

    Signing in comes before consenting (OIDC Core §3.1.2.3, §3.1.2.4); a trusted client
    (FranceConnect) needs no consent.
    """
    reasons = tuple(reason for check in LOGIN_CHECKS if (reason := check(request, session)))
    if reasons:
        return Interaction(Prompt.LOGIN, reasons)
    if request.known_client().trusted:
        return None
    reasons = tuple(reason for check in CONSENT_CHECKS if (reason := check(request, session)))
    return Interaction(Prompt.CONSENT, reasons) if reasons else None


def decide(request: AuthorizationRequest, session: BrowserSession) -> Interaction | None:
    """Return the interaction needed, or None when a code can be issued now.

    :raises LoginRequiredError: ``prompt=none`` but the person must sign in.
    :raises ConsentRequiredError: ``prompt=none`` but the person must consent.
    See https://openid.net/specs/openid-connect-core-1_0.html#AuthError
    """
    needed = interaction(request, session)
    if needed is None or "none" not in request.prompt:
        return needed
    error_class = LoginRequiredError if needed.prompt is Prompt.LOGIN else ConsentRequiredError
    raise error_class(redirect_uri=request.redirect_uri, state=request.state)


def _login_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_LOGIN_SALT)


def login_demand() -> str:
    """Return a signed marker saying "a fresh sign-in was demanded now"."""
    return _login_serializer().dumps(int(clock.now().timestamp()))


def login_demanded_at(marker: str | None) -> int | None:
    """Return when the sign-in this marker demanded was asked for; None if not ours."""
    if not marker:
        return None
    try:
        value = _login_serializer().loads(marker, max_age=_LOGIN_MAX_AGE)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


# --- 3. Consent ---------------------------------------------------------------------------


def record_consent(request: AuthorizationRequest, account: accounts.Account) -> None:
    """Remember that ``account`` allowed what this request asks: its scopes, and the claims
    it asks by name beyond them."""
    by_scope = set(claims_module.claims_of_scope(request.scope))
    by_name = [name for name in request.released_claims if name not in by_scope]
    storage.grant_consent(account, request.known_client(), request.scopes, by_name)


# --- 4. Issuance -----------------------------------------------------------------------------


def issue_code(
    request: AuthorizationRequest, account: accounts.Account, auth_time: datetime
) -> str:
    """Store a single-use code for ``account`` and return where to send it, with ``state``.

    See https://openid.net/specs/openid-connect-core-1_0.html#AuthResponse
    """
    assert request.redirect_uri is not None  # check_redirect_uri ran
    code = generate_token(CODE_LENGTH)
    storage.save_authorization_code(
        code,
        client=request.known_client(),
        account=account,
        redirect_uri=request.redirect_uri,
        scope=request.scope,
        nonce=request.nonce,
        code_challenge=request.code_challenge,
        code_challenge_method=request.code_challenge_method,
        auth_time=auth_time,
        acr=ACR,
        claims=request.claims,
    )
    params = [("code", code)]
    if request.state:
        params.append(("state", request.state))
    return str(add_params_to_uri(request.redirect_uri, params))
