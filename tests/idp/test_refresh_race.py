"""A refresh token is exchanged once, even when two requests present it at the same instant
(OAuth 2.0 Security BCP §4.14.2): the loser is a replay, which revokes the whole family."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from flask import Flask

import keys
from enrollment.registry import importer as registry_import
from idp.clients import register_client
from tests.concurrency import all_at_once
from tests.enrollment.conftest import DEMO_CSV
from tests.enrollment.conftest import VENTURI_NIR
from tests.idp.conftest import REDIRECT_URI
from tests.idp.conftest import RelyingParty
from tests.idp.conftest import make_account

TRIALS = 10


@pytest.fixture
def provider(live_server_factory: Any) -> Any:
    server = live_server_factory(WTF_CSRF_ENABLED=False)
    with server.app.app_context(), DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        registry_import.import_csv(stream)
        keys.ensure_keys()
        make_account(VENTURI_NIR)
    return server


def fresh_refresh_token(app: Flask) -> tuple[RelyingParty, str]:
    with app.app_context():
        client, secret = register_client(name="Retraite.example", redirect_uris=[REDIRECT_URI])
        partner = RelyingParty(app.test_client(), client, secret)
        tokens = partner.tokens(scope="openid offline_access")
    return partner, tokens["refresh_token"]


def exchange(url: str, partner: RelyingParty, refresh_token: str) -> requests.Response:
    assert partner.secret is not None
    return requests.post(
        url + "/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(partner.client_id, partner.secret),
        timeout=20,
    )


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_simultaneous_exchanges_give_one_new_token_then_revoke_the_family(
    provider: Any, trial: int
) -> None:
    partner, refresh_token = fresh_refresh_token(provider.app)

    answers = all_at_once([lambda: exchange(provider.url, partner, refresh_token)] * 2)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 400], [answer.text for answer in answers]
    [loser] = [answer for answer in answers if answer.status_code == 400]
    assert loser.json()["error"] == "invalid_grant"
    # The winner's new tokens die with the family: nobody holds a live chain.
    [winner] = [answer.json() for answer in answers if answer.status_code == 200]
    again = exchange(provider.url, partner, winner["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    userinfo = requests.get(
        provider.url + "/userinfo",
        headers={"Authorization": f"Bearer {winner['access_token']}"},
        timeout=10,
    )
    assert userinfo.status_code == 401
