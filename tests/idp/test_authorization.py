"""The authorization request, decided in one place: ordered checks, then an interaction
policy that says why a person must sign in or consent, then consent, then the code."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask

from accounts.models import Account
from core.clock import FrozenClock
from idp import authorization
from idp import claims as claims_module
from idp import storage
from idp.authorization import BrowserSession
from idp.authorization import Interaction
from idp.authorization import Prompt
from idp.authorization import Reason
from idp.clients import register_client
from idp.errors import ConsentRequiredError
from idp.errors import LoginRequiredError
from idp.subject import subject
from tests.enrollment.conftest import page_text
from tests.idp.conftest import REDIRECT_URI
from tests.idp.conftest import RelyingParty
from tests.idp.conftest import location
from tests.idp.conftest import seconds


def checked(rp: RelyingParty, **params: Any) -> authorization.AuthorizationRequest:
    """Return the authorization request ``rp`` would send, through the checks."""
    return authorization.check_request(rp.request(**params))


def session_of(account: Account | None, auth_time: datetime | None) -> BrowserSession:
    return BrowserSession(account=account, auth_time=auth_time)


# --- 1. Checks, in order -------------------------------------------------------------------


def test_the_checks_run_in_the_order_of_the_request() -> None:
    assert [check.__name__ for check in authorization.CHECKS] == [
        "check_parameter_sizes",
        "check_client",
        "check_redirect_uri",
        "check_single_values",
        "check_response_type",
        "check_request_object",
        "check_scope",
        "check_pkce",
        "check_nonce",
        "check_prompt",
        "check_max_age",
        "check_claims",
        "check_id_token_hint",
    ]


def test_a_request_is_read_once_into_what_the_policy_needs(partner: RelyingParty) -> None:
    claims = {"userinfo": {"birthplace": {"essential": True}}}

    request = checked(
        partner,
        scope="openid profile",
        prompt="login consent",
        max_age="60",
        claims=json.dumps(claims),
    )

    assert request.client is not None and request.client.client_id == partner.client_id
    assert request.redirect_uri == REDIRECT_URI
    assert request.scopes == ["openid", "profile"]
    assert request.prompt == {"login", "consent"}
    assert request.max_age == 60
    assert request.claims == claims
    assert "birthplace" in request.released_claims


def test_the_claims_parameter_is_parsed_once_per_request(
    partner: RelyingParty, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str | None] = []
    parse = claims_module.parse_claims_request

    def counting(raw: str | None) -> Any:
        calls.append(raw)
        return parse(raw)

    monkeypatch.setattr(claims_module, "parse_claims_request", counting)
    claims = json.dumps({"id_token": {"email": None}})

    partner.code(claims=claims)

    # The first request goes to sign-in, the second to consent, the third gets the code.
    assert calls == [claims, claims, claims]


def test_one_request_asks_the_database_for_its_client_and_nonce_once(
    signed_in: RelyingParty, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    for name in ("find_client", "nonce_used"):
        original = getattr(storage, name)

        def counting(*args: Any, _name: str = name, _original: Any = original) -> Any:
            asked.append(_name)
            return _original(*args)

        monkeypatch.setattr(storage, name, counting)

    target, query = location(signed_in.authorize())

    assert target == REDIRECT_URI and "code" in query
    assert sorted(asked) == ["find_client", "nonce_used"]


@pytest.mark.parametrize("name", ["state", "scope", "redirect_uri", "response_type"])
def test_a_parameter_given_twice_is_refused(partner: RelyingParty, name: str) -> None:
    query = urlencode(partner.request()) + "&" + urlencode({name: partner.request()[name]})

    response = partner.browser.get("/autorisation?" + query)

    target, params = location(response)
    assert target == REDIRECT_URI
    assert params["error"] == "invalid_request" and params["state"] == "etat-123"


def test_a_client_given_twice_is_never_redirected_to(partner: RelyingParty) -> None:
    query = urlencode(partner.request()) + "&client_id=someone-else"

    response = partner.browser.get("/autorisation?" + query)

    assert response.status_code == 302
    target, params = location(response)
    assert target == REDIRECT_URI and params["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"code_challenge": "a" * 42, "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": "é" * 43, "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge_method": "S256"}, "invalid_request"),
        ({"max_age": "١٢"}, "invalid_request"),
    ],
)
def test_malformed_pkce_and_max_age_are_sent_back(
    partner: RelyingParty, params: dict[str, str], error: str
) -> None:
    target, query = location(partner.authorize(**params))

    assert target == REDIRECT_URI and query["error"] == error and query["state"] == "etat-123"


# --- 2. The interaction policy, and its reasons -------------------------------------------------


def test_nobody_signed_in_must_sign_in(partner: RelyingParty) -> None:
    needed = authorization.interaction(checked(partner), session_of(None, None))

    assert needed == Interaction(Prompt.LOGIN, (Reason.NO_SESSION,))


def test_prompt_login_and_an_old_sign_in_are_both_reasons(
    partner: RelyingParty, account: Account, clock: FrozenClock
) -> None:
    signed_at = clock.now()
    clock.advance(seconds(120))

    needed = authorization.interaction(
        checked(partner, prompt="login", max_age="60"), session_of(account, signed_at)
    )

    assert needed == Interaction(Prompt.LOGIN, (Reason.PROMPT_LOGIN, Reason.MAX_AGE))


def test_a_sign_in_made_for_this_very_request_satisfies_prompt_login_and_max_age(
    partner: RelyingParty, account: Account, clock: FrozenClock
) -> None:
    demanded_at = int(clock.now().timestamp())
    request = checked(partner, prompt="login", max_age="0")
    storage.grant_consent(account, request.known_client(), ["openid"])

    needed = authorization.interaction(
        request,
        BrowserSession(account=account, auth_time=clock.now(), login_demanded_at=demanded_at),
    )

    assert needed is None


def test_a_hint_of_someone_else_asks_to_sign_in_again(
    app: Flask, signed_in: RelyingParty, account: Account, clock: FrozenClock
) -> None:
    from tests.idp.conftest import make_account

    other = make_account("262087510789179")
    id_token = signed_in.tokens()["id_token"]

    needed = authorization.interaction(
        checked(signed_in, id_token_hint=id_token), session_of(other, clock.now())
    )

    assert needed == Interaction(Prompt.LOGIN, (Reason.ID_TOKEN_HINT,))


def test_a_claims_request_for_another_sub_asks_to_sign_in_again(
    partner: RelyingParty, account: Account, clock: FrozenClock
) -> None:
    claims = {"id_token": {"sub": {"value": "0" * 64}}}

    needed = authorization.interaction(
        checked(partner, claims=json.dumps(claims)), session_of(account, clock.now())
    )

    assert needed == Interaction(Prompt.LOGIN, (Reason.CLAIMS_SUB,))


def test_a_claims_request_for_the_person_signed_in_needs_no_new_sign_in(
    partner: RelyingParty, account: Account, clock: FrozenClock
) -> None:
    own = subject(account, partner.client)
    request = checked(partner, claims=json.dumps({"id_token": {"sub": {"value": own}}}))

    needed = authorization.interaction(request, session_of(account, clock.now()))

    assert needed == Interaction(Prompt.CONSENT, (Reason.CONSENT_MISSING,))


def test_prompt_consent_is_its_own_reason(
    partner: RelyingParty, account: Account, clock: FrozenClock
) -> None:
    request = checked(partner, prompt="consent")
    storage.grant_consent(account, request.known_client(), ["openid"])

    needed = authorization.interaction(request, session_of(account, clock.now()))

    assert needed == Interaction(Prompt.CONSENT, (Reason.PROMPT_CONSENT,))


def test_a_trusted_client_needs_no_consent(
    trusted_partner: RelyingParty, account: Account, clock: FrozenClock
) -> None:
    request = checked(trusted_partner, prompt="consent")

    assert authorization.interaction(request, session_of(account, clock.now())) is None


@pytest.mark.parametrize(
    ("signed_in_now", "error"), [(False, LoginRequiredError), (True, ConsentRequiredError)]
)
def test_with_prompt_none_the_interaction_needed_is_an_error_for_the_client(
    partner: RelyingParty,
    account: Account,
    clock: FrozenClock,
    signed_in_now: bool,
    error: type[Exception],
) -> None:
    session = session_of(account, clock.now()) if signed_in_now else session_of(None, None)

    with pytest.raises(error) as raised:
        authorization.decide(checked(partner, prompt="none"), session)

    assert raised.value.redirect_uri == REDIRECT_URI  # type: ignore[attr-defined]
    assert raised.value.state == "etat-123"  # type: ignore[attr-defined]


# --- 3. Consent of claims asked by name ------------------------------------------------------


def test_claims_asked_beyond_the_consent_ask_the_person_again(signed_in: RelyingParty) -> None:
    claims = json.dumps({"userinfo": {"birthplace": {"essential": True}}})

    response = signed_in.authorize(claims=claims)

    assert response.status_code == 200
    assert "votre lieu de naissance" in page_text(response)
    target, query = location(signed_in.consent(response))
    assert target == REDIRECT_URI and "code" in query
    # Allowed once, the same claims need no new consent.
    target, query = location(signed_in.authorize(claims=claims))
    assert target == REDIRECT_URI and "code" in query


def test_claims_allowed_by_a_scope_need_no_consent_by_name(signed_in: RelyingParty) -> None:
    signed_in.tokens(scope="openid birth")

    response = signed_in.authorize(
        scope="openid birth", claims=json.dumps({"userinfo": {"birthplace": None}})
    )

    assert location(response)[0] == REDIRECT_URI


def test_a_withdrawn_consent_forgets_the_claims_asked_by_name(
    app: Flask, signed_in: RelyingParty, account: Account
) -> None:
    claims = json.dumps({"userinfo": {"birthplace": None}})
    signed_in.consent(signed_in.authorize(claims=claims))
    consent = storage.find_consent(account, signed_in.client)
    assert consent is not None and consent.claims == ["birthplace"]

    storage.revoke_consent(account, consent.id)
    storage.grant_consent(account, signed_in.client, ["openid"])

    assert signed_in.authorize(claims=claims).status_code == 200


def test_a_second_client_gets_the_consent_page_for_its_own_request(
    app: Flask, partner: RelyingParty
) -> None:
    other, _ = register_client(name="Ants.example", redirect_uris=["https://ants.example/cb"])
    partner.tokens()
    rp = RelyingParty(partner.browser, other, None, "https://ants.example/cb")

    response = rp.authorize()

    assert response.status_code == 200 and "Autoriser Ants.example" in page_text(response)
