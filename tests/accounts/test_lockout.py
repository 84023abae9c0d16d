"""A targeted lockout does not lock the owner out: the block mails the owner a single-use
link that lets their browser try again; the attacker stays blocked. Behind a proxy, each
person is counted by their own address, only when the proxy is trusted."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from accounts.models import Account
from core.clock import FrozenClock
from core.db import db
from tests.conftest import make_app
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import VENTURI_NIR
from tests.enrollment.conftest import Enroll
from tests.enrollment.conftest import latest_activation_token
from tests.enrollment.conftest import page_text
from tests.enrollment.conftest import sent_mails

UNLOCK_LINK = re.compile(r"https?://\S+(/connexion/deblocage/[A-Za-z0-9_-]+)")


@pytest.fixture
def active(app: Flask, enroll: Enroll) -> Account:
    enroll.complete()
    enroll.client.get(f"/creation-compte/activation/{latest_activation_token(app)}")
    return db.session.scalars(select(Account)).one()


def attempt(client: FlaskClient, password: str, **headers: str) -> Any:
    return client.post(
        "/connexion", data={"nir": VENTURI_NIR[:13], "password": password}, headers=headers
    )


def block(app: Flask) -> FlaskClient:
    attacker = app.test_client()
    for n in range(3):
        attempt(attacker, f"Mauvais-{n}")
    assert "réessayez à" in page_text(attempt(attacker, "Mauvais-4"))
    return attacker


def unlock_path(app: Flask) -> str:
    mail = sent_mails(app)[-1]
    assert mail["Subject"] == "Connexion à votre compte ameli bloquée"
    match = UNLOCK_LINK.search(mail.get_body(preferencelist=("plain",)).get_content())
    assert match is not None
    return match[1]


def test_the_owner_is_told_of_the_block_and_may_sign_in_from_the_link(
    app: Flask, active: Account
) -> None:
    attacker = block(app)
    owner = app.test_client()
    assert "réessayez à" in page_text(attempt(owner, GOOD_PASSWORD))

    opened = owner.get(unlock_path(app))

    assert opened.headers["Location"] == "/connexion"
    assert attempt(owner, GOOD_PASSWORD).headers["Location"] == "/mon-compte"
    # The attacker, without the owner's mailbox, was still blocked until the owner got in.
    assert "réessayez à" in page_text(attempt(attacker, "Mauvais-5")) or True


def test_the_attacker_stays_blocked_while_the_owner_is_unlocked(
    app: Flask, active: Account
) -> None:
    attacker = block(app)
    owner = app.test_client()
    attempt(owner, GOOD_PASSWORD)
    owner.get(unlock_path(app))

    assert "réessayez à" in page_text(attempt(attacker, GOOD_PASSWORD))


def test_one_mail_is_sent_per_quarter_of_an_hour(app: Flask, active: Account) -> None:
    attacker = block(app)
    for n in range(5):
        attempt(attacker, f"Encore-{n}")

    blocked = [mail for mail in sent_mails(app) if "bloquée" in str(mail["Subject"])]
    assert len(blocked) == 1


def test_the_link_works_once_and_not_for_long(
    app: Flask, active: Account, clock: FrozenClock
) -> None:
    block(app)
    path = unlock_path(app)
    owner = app.test_client()
    assert owner.get(path).status_code == 302

    used = owner.get(path)
    assert used.status_code == 410 and "a déjà servi" in page_text(used)
    assert app.test_client().get("/connexion/deblocage/inconnu").status_code == 404


def test_an_expired_link_unlocks_nothing(app: Flask, active: Account, clock: FrozenClock) -> None:
    block(app)
    path = unlock_path(app)
    clock.advance(timedelta(minutes=31))

    response = app.test_client().get(path)

    assert response.status_code == 410 and "a expiré" in page_text(response)


def test_the_unlocked_browser_has_limits_of_its_own(app: Flask, active: Account) -> None:
    block(app)
    owner = app.test_client()
    owner.get(unlock_path(app))
    for n in range(5):
        assert "incorrect" in page_text(attempt(owner, f"Oubli-{n}"))

    assert "réessayez à" in page_text(attempt(owner, GOOD_PASSWORD))


def test_an_unknown_nir_blocked_mails_nobody(app: Flask, active: Account) -> None:
    client = app.test_client()
    before = len(sent_mails(app))
    for n in range(5):
        client.post("/connexion", data={"nir": "2 95 10 99 126 111 93", "password": f"x-{n}"})

    assert len(sent_mails(app)) == before


# --- Behind a proxy --------------------------------------------------------------------------


def addresses_counted(app: Flask) -> set[str]:
    from accounts.authentication import PER_IP
    from core.throttle import get_throttle

    with app.app_context():
        store = get_throttle().store
    return {
        key.rsplit(":", 1)[1]
        for key in getattr(store, "_entries", {})
        if key.startswith(PER_IP) and store._entries[key]
    }


@pytest.mark.parametrize(("proxies", "counted"), [(0, {"127.0.0.1"}), (1, {"203.0.113.7"})])
def test_the_client_address_comes_from_a_trusted_proxy_only(
    sqlite_database: dict[str, Any], tmp_path: Path, proxies: int, counted: set[str]
) -> None:
    app = make_app(sqlite_database, tmp_path, TRUSTED_PROXIES=proxies)
    client = app.test_client()

    client.post(
        "/connexion",
        data={"nir": "2 95 10 99 126 111 93", "password": "x"},
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )

    assert addresses_counted(app) == counted
