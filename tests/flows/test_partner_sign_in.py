"""Journey: a person signs in to partner sites with ameli, over real HTTP.

Two independent relying-party libraries drive the provider: Authlib's Flask client (the
demo partner site of ``examples/partner_site``) and ``oic`` (pyoidc). Both run discovery,
the code flow with PKCE, userinfo and logout; ``oic`` also refreshes.
"""

from __future__ import annotations

import html
import re
from datetime import UTC
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from oic.oic import Client as OicClient
from oic.oic.message import AccessTokenResponse
from oic.oic.message import AuthorizationResponse
from oic.oic.message import EndSessionRequest
from oic.oic.message import OpenIDSchema
from oic.oic.message import RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

from core.clock import FrozenClock
from idp.clients import register_client
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import VENTURI_NIR
from tests.idp.conftest import start_provider

NEXT = re.compile(r'name="next"[^>]*value="([^"]*)"')
CONSENT_REQUEST = re.compile(r'name="request" value="([^"]+)"')


@pytest.fixture
def clock() -> FrozenClock:
    """Real time: the client libraries check ``iat`` and ``exp`` against their own clock."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def provider(live_server_factory: Any) -> Any:
    return start_provider(live_server_factory)


def sign_in(browser: Any, page: Any) -> Any:
    """Give NIR + code personnel on the ameli sign-in page ``page``."""
    assert "Connexion à mon compte ameli" in page.text
    match = NEXT.search(page.text)
    assert match is not None
    return browser.submit(
        "/connexion",
        {"nir": "1 62 12 2B 010 001", "password": GOOD_PASSWORD, "next": html.unescape(match[1])},
    )


def test_a_person_signs_in_to_the_demo_partner_site_and_out(
    provider: Any, browser_factory: Any, partner_site_factory: Any
) -> None:
    with provider.app.app_context():
        client, secret = register_client(
            name="Mairie de démonstration",
            redirect_uris=["http://127.0.0.1:0/callback"],
            post_logout_redirect_uris=["http://127.0.0.1:0/"],
        )
        partner_url = partner_site_factory(
            {"client_id": client.client_id, "client_secret": secret, "issuer": provider.url}
        )
        # The partner's port is known only now: register its real addresses.
        from core.db import db

        client.redirect_uris = [partner_url + "/callback"]
        client.post_logout_redirect_uris = [partner_url + "/"]
        db.session.commit()
    browser = browser_factory(provider.url)

    page = browser.open(partner_url + "/")
    assert "Se connecter avec ameli" in page.text
    page = browser.open(partner_url + "/login")
    page = sign_in(browser, page)
    assert "Autoriser Mairie de démonstration" in page.text
    signed = CONSENT_REQUEST.search(page.text)
    assert signed is not None
    page = browser.submit(
        "/autorisation/consentement", {"request": html.unescape(signed[1]), "decision": "accept"}
    )

    assert page.url == partner_url + "/"
    for expected in ("VENTURI", "Pierre Jean", "1962-12-18", "2B010", "99100", "eidas1"):
        assert expected in page.text

    page = browser.post(partner_url + "/logout", timeout=10)
    assert page.url.startswith(partner_url + "/?state=")
    assert "Vous êtes déconnecté" in page.text
    page = browser.open(partner_url + "/login")
    assert "Connexion à mon compte ameli" in page.text


def test_oic_runs_discovery_code_pkce_userinfo_refresh_and_logout(
    provider: Any, browser_factory: Any
) -> None:
    redirect_uri = "http://127.0.0.1:9/oic-callback"
    with provider.app.app_context():
        registered, secret = register_client(
            name="Retraite.example",
            redirect_uris=[redirect_uri],
            post_logout_redirect_uris=["http://127.0.0.1:9/"],
            trusted=True,
        )
        client_id = registered.client_id
    browser = browser_factory(provider.url)
    rp = OicClient(client_authn_method=CLIENT_AUTHN_METHOD)
    rp.provider_config(provider.url)
    rp.store_registration_info(
        RegistrationResponse(
            client_id=client_id, client_secret=secret, redirect_uris=[redirect_uri]
        )
    )
    challenge, verifier = rp.add_code_challenge()
    state, nonce = "etat-oic", "nonce-oic"
    request = rp.construct_AuthorizationRequest(
        request_args={
            "client_id": client_id,
            "response_type": "code",
            "scope": ["openid", "offline_access", "profile", "email"],
            "redirect_uri": redirect_uri,
            "state": state,
            "nonce": nonce,
            **challenge,
        }
    )

    page = browser.open(request.request(rp.authorization_endpoint))
    answer = browser.post(
        provider.url + "/connexion",
        data={
            "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)[1],  # type: ignore[index]
            "nir": VENTURI_NIR,
            "password": GOOD_PASSWORD,
            "next": html.unescape(NEXT.search(page.text)[1]),  # type: ignore[index]
        },
        allow_redirects=False,
        timeout=10,
    )
    answer = browser.get(provider.url + answer.headers["Location"], allow_redirects=False)
    callback = urlsplit(answer.headers["Location"])
    assert callback._replace(query="").geturl() == redirect_uri
    assert parse_qs(callback.query)["state"] == [state]
    response = rp.parse_response(AuthorizationResponse, info=callback.query, sformat="urlencoded")

    tokens = rp.do_access_token_request(
        state=state,
        request_args={"code": response["code"], "code_verifier": verifier},
        authn_method="client_secret_basic",
    )
    assert isinstance(tokens, AccessTokenResponse)
    id_token = tokens["id_token"]
    assert id_token["iss"] == provider.url and id_token["aud"] == [client_id]
    assert id_token["nonce"] == nonce and id_token["acr"] == "eidas1"

    userinfo = rp.do_user_info_request(state=state, method="GET")
    assert isinstance(userinfo, OpenIDSchema)
    assert userinfo["sub"] == id_token["sub"] and userinfo["family_name"] == "VENTURI"
    assert userinfo["email_verified"] is True

    refreshed = rp.do_access_token_refresh(state=state, authn_method="client_secret_basic")
    assert isinstance(refreshed, AccessTokenResponse)
    assert refreshed["refresh_token"] != tokens["refresh_token"]

    logout = EndSessionRequest(
        id_token_hint=tokens["id_token_jwt"],
        post_logout_redirect_uri="http://127.0.0.1:9/",
        state="fin",
    ).request(rp.end_session_endpoint)
    answer = browser.get(logout, allow_redirects=False)
    assert answer.headers["Location"] == "http://127.0.0.1:9/?state=fin"
