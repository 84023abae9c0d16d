"""Browsers' sessions live on the server (SPEC §14): the cookie is a random key, a copied
cookie dies with its session, idle and absolute limits hold, personal pages are not stored."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient
from sqlalchemy import select

from accounts import session_store
from accounts.models import Account
from accounts.models import BrowserSession
from core.clock import FrozenClock
from core.db import db
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import VENTURI_NIR
from tests.enrollment.conftest import Enroll
from tests.enrollment.conftest import latest_activation_token

COOKIE = "session"
RANDOM_KEY = re.compile(r"[A-Za-z0-9_-]{43}")


@pytest.fixture
def active(app: Flask, enroll: Enroll) -> Account:
    """Pierre VENTURI's account, activated; the enrolling browser is signed out."""
    enroll.complete()
    assert enroll.client.get(f"/creation-compte/activation/{latest_activation_token(app)}")
    account = db.session.scalars(select(Account)).one()
    return account


def sign_in(client: FlaskClient) -> None:
    response = client.post("/connexion", data={"nir": VENTURI_NIR[:13], "password": GOOD_PASSWORD})
    assert response.headers["Location"] == "/mon-compte", response.get_data(as_text=True)


def key_of(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/mon-compte")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_the_cookie_holds_a_random_key_and_nothing_of_the_person(enroll: Enroll) -> None:
    enroll.step1()

    key = key_of(enroll.client)

    assert RANDOM_KEY.fullmatch(key)
    # What step 1 proved stays on the server, out of any cookie.
    [row] = db.session.scalars(select(BrowserSession)).all()
    assert "enrollment.wizard" in row.data
    assert row.key_hash == session_store.key_hash(key) and key not in row.data


def test_a_copied_cookie_opens_nothing_after_sign_out(app: Flask, active: Account) -> None:
    owner, thief = app.test_client(), app.test_client()
    sign_in(owner)
    thief.set_cookie(COOKIE, key_of(owner))
    assert signed_in(thief)

    owner.post("/deconnexion")

    assert not signed_in(thief)
    assert not signed_in(owner)


def test_signing_in_gives_the_browser_a_new_key(app: Flask, active: Account) -> None:
    browser, fixer = app.test_client(), app.test_client()
    browser.get("/langue/en")
    before = key_of(browser)
    fixer.set_cookie(COOKIE, before)

    sign_in(browser)

    assert key_of(browser) != before
    assert not signed_in(fixer)
    # The language chosen before signing in is kept.
    assert "Sign out" in browser.get("/mon-compte").get_data(as_text=True)


def test_thirty_minutes_without_a_request_end_the_session(
    app: Flask, active: Account, clock: FrozenClock
) -> None:
    browser = app.test_client()
    sign_in(browser)
    clock.advance(timedelta(minutes=29))
    assert signed_in(browser)
    clock.advance(timedelta(minutes=29))
    assert signed_in(browser)

    clock.advance(timedelta(minutes=31))

    assert not signed_in(browser)


def test_twelve_hours_end_the_session_whatever_the_activity(
    app: Flask, active: Account, clock: FrozenClock
) -> None:
    browser = app.test_client()
    sign_in(browser)
    for _ in range(28):
        clock.advance(timedelta(minutes=25))
        assert signed_in(browser)

    clock.advance(timedelta(minutes=25))

    assert not signed_in(browser)


def test_a_cookie_of_the_old_signed_kind_is_not_a_session(app: Flask, active: Account) -> None:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    forged = serializer.dumps({"idp.account_id": active.id, "idp.auth_time": 0})
    browser = app.test_client()
    browser.set_cookie(COOKIE, forged)

    assert not signed_in(browser)


def test_the_stored_session_knows_its_account_and_can_be_ended(app: Flask, active: Account) -> None:
    browser = app.test_client()
    sign_in(browser)
    row = db.session.scalars(
        select(BrowserSession).where(BrowserSession.account_id == active.id)
    ).one()
    assert row.user_agent and "Werkzeug" in row.user_agent

    assert session_store.end_sessions_of(active.id) == 1

    assert not signed_in(browser)


def test_ended_sessions_are_purged_daily(app: Flask, active: Account, clock: FrozenClock) -> None:
    sign_in(app.test_client())
    clock.advance(timedelta(minutes=31))

    result = app.test_cli_runner().invoke(args=["accounts", "purge"])

    assert result.exit_code == 0
    # The enrolling browser's session and the signed-in one.
    assert "2 ended session(s) deleted" in result.output
    assert db.session.scalars(select(BrowserSession)).all() == []


@pytest.mark.parametrize(
    "path",
    [
        "/connexion",
        "/creation-compte/carte-vitale",
        "/creation-compte/code-personnel",
        "/creation-compte/coordonnees",
        "/creation-compte/consultez-votre-messagerie",
        "/creation-compte/activation/inconnu",
        "/connexion/activation",
    ],
)
def test_enrollment_steps_and_sign_in_pages_are_never_stored(enroll: Enroll, path: str) -> None:
    enroll.through_step2()

    response = enroll.client.get(path)

    assert "no-store" in response.headers.get("Cache-Control", ""), path


def test_the_account_page_is_never_stored(app: Flask, active: Account) -> None:
    browser = app.test_client()
    sign_in(browser)

    response = browser.get("/mon-compte")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
