"""Hostile input gets a clear 4xx, never a 500 or a hang, and nothing unbounded comes back."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from tests.idp.conftest import REDIRECT_URI
from tests.idp.conftest import RelyingParty
from tests.idp.conftest import location


@pytest.mark.parametrize("response_type", ['"', "é", "\x00", "code\x00", " ", "code token"])
def test_an_odd_response_type_is_sent_back_not_a_crash(
    partner: RelyingParty, response_type: str
) -> None:
    target, query = location(partner.authorize(response_type=response_type))

    assert target == REDIRECT_URI
    assert query["error"] == "unsupported_response_type" and query["state"] == "etat-123"


def test_a_huge_state_is_never_echoed(partner: RelyingParty) -> None:
    response = partner.authorize(state="a" * 3000)

    assert response.status_code == 400
    assert "Location" not in response.headers


def test_an_address_longer_than_any_real_one_is_refused(partner: RelyingParty) -> None:
    response = partner.authorize(state="a" * 100_000)

    assert response.status_code == 414
    assert "Location" not in response.headers


def test_a_body_larger_than_any_form_is_refused(client: FlaskClient) -> None:
    response = client.post("/connexion", data={"nir": "1" * 100_000, "password": "x"})

    assert response.status_code == 413


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/connexion", {"GET", "POST"}),
        ("DELETE", "/token", {"POST"}),
        ("POST", "/", {"GET"}),
    ],
)
def test_a_method_not_allowed_says_which_are(
    client: FlaskClient, method: str, path: str, allowed: set[str]
) -> None:
    response = client.open(path, method=method)

    assert response.status_code == 405
    assert allowed <= {part.strip() for part in response.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    "path",
    [
        "/creation-compte/activation/" + quote("\x00", safe=""),
        "/creation-compte/activation/" + "a" * 2000,
        "/franceconnect/callback?state=" + "x" * 2000 + "&code=forged",
        "/fin-de-session?id_token_hint=" + "a.b.c" * 300,
        "/langue/" + quote("é\x00", safe=""),
    ],
)
def test_odd_addresses_get_a_clear_answer(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert 300 <= response.status_code < 500, response.status_code


def test_a_bearer_token_of_any_shape_is_refused_cleanly(client: FlaskClient) -> None:
    for value in ("Bearer " + "a" * 10_000, "Bearer \x7f", "Basic xx", "Bearer"):
        response = client.get("/userinfo", headers={"Authorization": value})
        assert response.status_code in (400, 401), value
