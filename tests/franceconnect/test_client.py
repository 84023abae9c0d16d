"""The relying party's checks (SPEC §5.1): one test per failure, each ending on a French page
and a log line, never a 500."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from joserfc.jwk import ECKey

from core.clock import FrozenClock
from franceconnect import session as fc_session
from franceconnect.identity import PivotIdentity
from tests.conftest import reconfigure
from tests.enrollment.conftest import page_text
from tests.franceconnect.conftest import ANGELA
from tests.franceconnect.conftest import CLIENT_ID
from tests.franceconnect.conftest import CLIENT_SECRET
from tests.franceconnect.conftest import FC
from tests.franceconnect.conftest import REDIRECT_URI
from tests.franceconnect.conftest import SUB
from tests.franceconnect.conftest import FakeFranceConnect
from tests.franceconnect.conftest import RelyingParty

HEX64 = re.compile(r"[0-9a-f]{64}")


def test_the_button_sends_the_browser_to_franceconnect_with_every_parameter(
    rp: RelyingParty,
) -> None:
    response = rp.start()

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == FC + "/authorize"
    query = parse_qs(location.query)
    assert set(query) == {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "acr_values",
        "state",
        "nonce",
    }
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["scope"] == [
        "openid given_name family_name birthdate gender birthplace birthcountry email "
        "preferred_username"
    ]
    assert query["acr_values"] == ["eidas1"]
    assert HEX64.fullmatch(query["state"][0]) and HEX64.fullmatch(query["nonce"][0])
    assert query["state"] != query["nonce"]


def test_prompt_login_is_sent_when_configured(fc_app: Flask, rp: RelyingParty) -> None:
    reconfigure(fc_app, FRANCECONNECT_PROMPT_LOGIN=True)

    response = rp.start()

    assert parse_qs(urlsplit(response.headers["Location"]).query)["prompt"] == ["login"]


def test_a_verified_identity_goes_to_the_nir_page(
    rp: RelyingParty, provider: FakeFranceConnect
) -> None:
    response = rp.sign_in()

    assert response.status_code == 302
    assert response.headers["Location"] == "/creation-compte/franceconnect/numero"
    token_request = parse_qs(provider.token.last_request.text)
    assert token_request == {
        "grant_type": ["authorization_code"],
        "code": ["code-7c1d"],
        "redirect_uri": [REDIRECT_URI],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
    }
    assert provider.token.last_request.timeout == 5.0
    assert provider.userinfo.last_request.headers["Authorization"] == "Bearer access-token-a3f0"
    with rp.client.session_transaction() as session:
        assert session[fc_session.IDENTITY] == PivotIdentity(sub=SUB, **ANGELA).to_json()
        assert session[fc_session.ID_TOKEN].count(".") == 2
        assert fc_session.PENDING not in session


def test_an_rs256_id_token_is_accepted(rp: RelyingParty, provider: FakeFranceConnect) -> None:
    assert rp.start().status_code == 302
    provider.id_token = provider.sign(provider.id_token_body(), provider.rs256)

    response = rp.come_back(code="code-7c1d", state=rp.state)

    assert response.headers["Location"] == "/creation-compte/franceconnect/numero"


def test_a_rotated_key_is_found_by_refetching_the_jwks_once(
    rp: RelyingParty, provider: FakeFranceConnect
) -> None:
    assert rp.sign_in().status_code == 302  # the JWKS is now cached
    assert rp.start().status_code == 302
    new_key = ECKey.generate_key("P-256", parameters={"kid": "fc-es256-2", "use": "sig"})
    provider.published.append(new_key)
    provider.id_token = provider.sign(provider.id_token_body(), new_key)

    response = rp.come_back(code="code-7c1d", state=rp.state)

    assert response.headers["Location"] == "/creation-compte/franceconnect/numero"
    fetches = [r for r in provider.mock.request_history if r.url == FC + "/jwks"]
    assert len(fetches) == 2


def _spoil(provider: FakeFranceConnect, clock: FrozenClock, what: str) -> None:
    stranger = ECKey.generate_key("P-256", parameters={"kid": "fc-es256"})
    if what == "nonce":
        provider.id_token_claims["nonce"] = "0" * 64
    elif what == "signature":
        provider.id_token = provider.sign(provider.id_token_body(), stranger, kid="fc-es256")
    elif what == "iss":
        provider.id_token_claims["iss"] = "https://fcp-low.sbx.dev-franceconnect.fr/api/v1"
    elif what == "aud":
        provider.id_token_claims["aud"] = "another-client"
    elif what == "exp":
        provider.id_token_claims["exp"] = provider.now() - 31
    elif what == "iat":
        provider.id_token_claims["iat"] = provider.now() + 3600
    elif what == "acr":
        provider.id_token_claims["acr"] = "eidas0"
    elif what == "no acr":
        provider.id_token_claims["acr"] = None
    elif what == "kid":
        provider.id_token = provider.sign(provider.id_token_body(), stranger, kid="not-published")
    elif what == "not a jwt":
        provider.id_token = "not-a-jwt"
    elif what == "userinfo sub":
        provider.userinfo_claims["sub"] = "0" * 64 + "v1"
    elif what == "userinfo signature":
        provider.mock.get(
            FC + "/userinfo",
            text=provider.sign(provider.userinfo_body(), stranger, kid="fc-es256"),
            headers={"Content-Type": "application/jwt"},
        )
    elif what == "userinfo json":
        provider.mock.get(FC + "/userinfo", json={"sub": SUB, **ANGELA})
    elif what == "userinfo birthplace":
        provider.userinfo_claims["birthplace"] = ""
    elif what == "token refused":
        provider.mock.post(FC + "/token", status_code=400, json={"error": "invalid_grant"})
    elif what == "token error":
        provider.mock.post(FC + "/token", status_code=401, json={"error": "invalid_client"})
    elif what == "token timeout":
        provider.mock.post(FC + "/token", exc=requests.exceptions.ReadTimeout)
    elif what == "userinfo down":
        provider.mock.get(FC + "/userinfo", status_code=502, text="Bad Gateway")
    else:  # pragma: no cover
        raise AssertionError(what)


@pytest.mark.parametrize(
    ("what", "status", "code", "message"),
    [
        ("nonce", 502, "franceconnect.nonce_mismatch", "n'a pas pu aboutir"),
        ("signature", 502, "franceconnect.bad_signature", "n'a pas pu aboutir"),
        ("iss", 502, "franceconnect.issuer_mismatch", "n'a pas pu aboutir"),
        ("aud", 502, "franceconnect.audience_mismatch", "n'a pas pu aboutir"),
        ("exp", 502, "franceconnect.token_expired", "n'a pas pu aboutir"),
        ("iat", 502, "franceconnect.invalid_id_token", "n'a pas pu aboutir"),
        ("acr", 403, "franceconnect.acr_too_low", "niveau suffisant"),
        ("no acr", 403, "franceconnect.acr_too_low", "niveau suffisant"),
        ("kid", 502, "franceconnect.unknown_kid", "n'a pas pu aboutir"),
        ("not a jwt", 502, "franceconnect.invalid_token", "n'a pas pu aboutir"),
        ("userinfo sub", 502, "franceconnect.userinfo_sub_mismatch", "toutes les informations"),
        ("userinfo signature", 502, "franceconnect.bad_signature", "n'a pas pu aboutir"),
        ("userinfo json", 502, "franceconnect.userinfo_not_jwt", "toutes les informations"),
        ("userinfo birthplace", 502, "franceconnect.invalid_userinfo", "toutes les informations"),
        ("token refused", 400, "franceconnect.code_refused", "a expiré ou n'est plus valable"),
        ("token error", 502, "franceconnect.provider_error", "n'a pas pu aboutir"),
        ("token timeout", 504, "franceconnect.timeout", "ne répond pas"),
        ("userinfo down", 503, "franceconnect.unavailable", "ne répond pas"),
    ],
)
def test_a_failed_check_ends_on_a_french_page_and_a_log_line(
    rp: RelyingParty,
    provider: FakeFranceConnect,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
    what: str,
    status: int,
    code: str,
    message: str,
) -> None:
    assert rp.start().status_code == 302
    _spoil(provider, clock, what)

    with caplog.at_level(logging.WARNING, logger="franceconnect.views"):
        response = rp.come_back(code="code-7c1d", state=rp.state)

    assert response.status_code == status
    assert f'data-franceconnect-error="{code}"' in response.get_data(as_text=True)
    assert message in page_text(response)
    assert [record.getMessage().split(" (")[0] for record in caplog.records] == [
        f"FranceConnect franceconnect.callback failed: {code}"
    ]
    with rp.client.session_transaction() as session:
        assert fc_session.IDENTITY not in session


def test_an_expired_token_within_the_leeway_is_accepted(
    rp: RelyingParty, provider: FakeFranceConnect
) -> None:
    assert rp.start().status_code == 302
    provider.id_token_claims["exp"] = provider.now() - 29

    assert rp.come_back(code="code-7c1d", state=rp.state).status_code == 302


def test_an_unknown_kid_refetches_the_jwks_exactly_once(
    rp: RelyingParty, provider: FakeFranceConnect, clock: FrozenClock
) -> None:
    assert rp.start().status_code == 302
    _spoil(provider, clock, "kid")

    rp.come_back(code="code-7c1d", state=rp.state)

    fetches = [r for r in provider.mock.request_history if r.url == FC + "/jwks"]
    assert len(fetches) == 2


@pytest.mark.parametrize(
    "state",
    ["", "0" * 64, "wrong"],
)
def test_a_wrong_state_is_refused(
    rp: RelyingParty, provider: FakeFranceConnect, caplog: pytest.LogCaptureFixture, state: str
) -> None:
    assert rp.start().status_code == 302

    with caplog.at_level(logging.WARNING, logger="franceconnect.views"):
        response = rp.come_back(code="code-7c1d", state=state)

    assert response.status_code == 400
    assert 'data-franceconnect-error="franceconnect.state_mismatch"' in response.get_data(
        as_text=True
    )
    assert "a expiré ou n'a pas été faite depuis ce navigateur" in page_text(response)
    assert "franceconnect.state_mismatch" in caplog.text
    assert not provider.token.called


def test_a_callback_without_a_request_under_way_is_refused(rp: RelyingParty) -> None:
    response = rp.come_back(code="code-7c1d", state="0" * 64)

    assert response.status_code == 400
    assert "franceconnect.state_mismatch" in response.get_data(as_text=True)


def test_a_replayed_callback_is_refused(rp: RelyingParty) -> None:
    assert rp.sign_in().status_code == 302

    response = rp.come_back(code="code-7c1d", state=rp.state)

    assert response.status_code == 400


def test_access_denied_ends_on_a_clear_page(
    rp: RelyingParty, provider: FakeFranceConnect, caplog: pytest.LogCaptureFixture
) -> None:
    assert rp.start().status_code == 302

    with caplog.at_level(logging.WARNING, logger="franceconnect.views"):
        response = rp.come_back(
            error="access_denied", error_description="User auth aborted", state=rp.state
        )

    assert response.status_code == 403
    text = page_text(response)
    assert "Connexion avec FranceConnect annulée" in text
    assert "Vous avez annulé la connexion avec FranceConnect" in text
    assert "franceconnect.access_denied" in caplog.text
    assert not provider.token.called


def test_another_provider_error_ends_on_a_clear_page(rp: RelyingParty) -> None:
    assert rp.start().status_code == 302

    response = rp.come_back(error="server_error", state=rp.state)

    assert response.status_code == 502
    assert "franceconnect.provider_error" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        ({"exc": requests.exceptions.ConnectionError}, 503, "franceconnect.unavailable"),
        ({"exc": requests.exceptions.ConnectTimeout}, 504, "franceconnect.timeout"),
        ({"status_code": 503, "text": "maintenance"}, 503, "franceconnect.unavailable"),
        ({"json": {"issuer": FC}}, 503, "franceconnect.unavailable"),
        (
            {"json": {**FakeFranceConnect.discovery(), "issuer": "https://evil.example"}},
            503,
            "franceconnect.unavailable",
        ),
    ],
)
def test_franceconnect_unreachable_or_slow_ends_on_a_clear_page(
    rp: RelyingParty,
    provider: FakeFranceConnect,
    caplog: pytest.LogCaptureFixture,
    failure: dict[str, Any],
    status: int,
    code: str,
) -> None:
    provider.mock.get(FC + "/.well-known/openid-configuration", **failure)

    with caplog.at_level(logging.WARNING, logger="franceconnect.views"):
        response = rp.start()

    assert response.status_code == status
    assert f'data-franceconnect-error="{code}"' in response.get_data(as_text=True)
    assert "FranceConnect ne répond pas pour le moment" in page_text(response)
    assert code in caplog.text


def test_discovery_is_cached_for_its_ttl(
    rp: RelyingParty, provider: FakeFranceConnect, clock: FrozenClock
) -> None:
    rp.start()
    rp.start()
    clock.advance(timedelta(seconds=3601))
    rp.start()

    discovery = [r for r in provider.mock.request_history if r.path.endswith("configuration")]
    assert len(discovery) == 2
