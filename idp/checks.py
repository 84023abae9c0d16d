"""Checks of an authorization request that Authlib leaves to the provider, in order.

Each check is a small function raising a typed error, run in the order of :data:`CHECKS`
(Authlib keeps its own hooks in a set, so these may run before or after its PKCE and
nonce checks: each check is therefore complete on its own). They run once the client and its
``redirect_uri`` are known, so Authlib sends their errors back to the client with
``state`` (OIDC Core §3.1.2.6).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authlib.oauth2.rfc6749 import scope_to_list

from idp.claims import InvalidClaimsRequest
from idp.claims import parse_claims_request
from idp.errors import InvalidRequestError
from idp.errors import InvalidScopeError
from idp.errors import RequestNotSupportedError
from idp.errors import RequestURINotSupportedError

PROMPTS = frozenset({"none", "login", "consent", "select_account"})
Check = Callable[[Any], None]


def check_request_object(grant: Any) -> None:
    """Refuse request objects, which this provider does not support (OIDC Core §6.1).

    :raises RequestNotSupportedError: for ``request``.
    :raises RequestURINotSupportedError: for ``request_uri``.
    """
    data = grant.request.payload.data
    if data.get("request"):
        raise RequestNotSupportedError()
    if data.get("request_uri"):
        raise RequestURINotSupportedError()


def check_openid_scope(grant: Any) -> None:
    """Require ``openid``: this is an OpenID Connect provider (OIDC Core §3.1.2.1).

    :raises InvalidScopeError:
    """
    if "openid" not in (scope_to_list(grant.request.payload.scope) or []):
        raise InvalidScopeError("The 'openid' scope is required.")


def check_pkce(grant: Any) -> None:
    """Accept only S256 challenges, and require one of public clients (RFC 7636 §4.3).

    :raises InvalidRequestError:
    """
    data = grant.request.payload.data
    challenge = data.get("code_challenge")
    method = data.get("code_challenge_method")
    if (challenge or method) and method != "S256":
        raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
    if grant.request.client.is_public and not challenge:
        raise InvalidRequestError("Public clients must use PKCE (S256).")


def check_nonce(grant: Any) -> None:
    """Accept a ``nonce`` of at most 255 printable characters, as stored with the code.

    :raises InvalidRequestError:
    """
    nonce = grant.request.payload.data.get("nonce")
    if nonce is not None and (len(nonce) > 255 or not str(nonce).isprintable()):
        raise InvalidRequestError("The 'nonce' parameter is too long or not printable.")


def check_claims_parameter(grant: Any) -> None:
    """Require a well-formed ``claims`` parameter (OIDC Core §5.5).

    :raises InvalidRequestError:
    """
    try:
        parse_claims_request(grant.request.payload.data.get("claims"))
    except InvalidClaimsRequest as error:
        raise InvalidRequestError("The 'claims' parameter is not valid JSON.") from error


def check_max_age(grant: Any) -> None:
    """Require ``max_age`` to be a non-negative integer of seconds (OIDC Core §3.1.2.1).

    :raises InvalidRequestError:
    """
    max_age = grant.request.payload.data.get("max_age")
    if max_age is not None and (not str(max_age).isdigit() or len(str(max_age)) > 10):
        raise InvalidRequestError("The 'max_age' parameter is not a number of seconds.")


def check_prompt(grant: Any) -> None:
    """Accept only the ``prompt`` values of OIDC Core §3.1.2.1, ``none`` on its own.

    :raises InvalidRequestError:
    """
    prompt = grant.request.payload.data.get("prompt")
    if not prompt:
        return
    values = set(str(prompt).split())
    if not values <= PROMPTS or ("none" in values and len(values) > 1):
        raise InvalidRequestError("The 'prompt' parameter is not valid.")


CHECKS: tuple[Check, ...] = (
    check_request_object,
    check_openid_scope,
    check_pkce,
    check_nonce,
    check_claims_parameter,
    check_max_age,
    check_prompt,
)


class AuthorizationRequestChecks:
    """An Authlib grant extension running :data:`CHECKS` after the payload validation."""

    def __call__(self, grant: Any) -> None:
        grant.register_hook("after_validate_authorization_request_payload", self.run)

    def run(self, grant: Any, redirect_uri: str) -> None:
        for check in CHECKS:
            check(grant)
