"""Enrollment under attack: simultaneous guesses at step 1, "address already used" asked
again and again, an old activation link re-pointed, a mail server that never answers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from accounts import activation
from accounts.models import Account
from core.db import db
from enrollment.registry import DatabaseRegistry
from enrollment.registry import importer as registry_import
from tests.concurrency import all_at_once
from tests.conftest import reconfigure
from tests.enrollment.conftest import DEMO_CSV
from tests.enrollment.conftest import GOOD_EMAIL
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import Enroll
from tests.enrollment.conftest import card_form
from tests.enrollment.conftest import latest_activation_token
from tests.enrollment.conftest import page_text
from tests.live import Browser

TAKEN = "deja.pris@example.org"


# --- Step 1: simultaneous guesses ----------------------------------------------------------


def test_thirty_simultaneous_guesses_get_no_more_checks_than_the_limit(
    live_server_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = live_server_factory()
    with server.app.app_context(), DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        registry_import.import_csv(stream)
    checked: list[str] = []
    find = DatabaseRegistry.find

    def counting(self: DatabaseRegistry, nir: str) -> Any:
        checked.append(nir)
        return find(self, nir)

    monkeypatch.setattr(DatabaseRegistry, "find", counting)
    browsers = [Browser(server.url) for _ in range(30)]
    for browser in browsers:
        browser.open("/creation-compte/carte-vitale")

    answers = all_at_once(
        [
            lambda browser=browser: browser.submit(
                "/creation-compte/carte-vitale", card_form(postal_code="75001")
            )
            for browser in browsers
        ]
    )

    # 5 mismatches an hour per NIR: 5 checks of the registry, the others blocked before.
    assert len(checked) == 5
    assert sum("réessayez à" in answer.text for answer in answers) == 25
    for browser in browsers:
        browser.close()


# --- "Address already used" is counted -------------------------------------------------------


@pytest.fixture
def taken(app: Flask, enroll: Enroll) -> None:
    """Another person's account holds ``TAKEN``."""
    enroll.complete("275033523801408", TAKEN)
    enroll.client.delete_cookie("session")


def test_the_contact_step_counts_addresses_already_used(enroll: Enroll, taken: None) -> None:
    enroll.through_step2()
    for _ in range(5):
        response = enroll.step3(TAKEN)
        assert response.status_code == 422
        assert "déjà utilisée par un autre compte" in page_text(response)

    response = enroll.step3(TAKEN)

    assert response.status_code == 429
    assert "réessayez à" in page_text(response)
    # Still nothing lost of what was typed but the secret.
    assert TAKEN in response.get_data(as_text=True)


def test_the_limit_per_address_holds_across_people(app: Flask, enroll: Enroll, taken: None) -> None:
    reconfigure(app, ADDRESS_IN_USE_PER_IP="3/hour")
    for nir in ("162122B01000103", "188112A00449125", "279082B03369795"):
        enroll.client.delete_cookie("session")
        enroll.through_step2(nir)
        assert enroll.step3(TAKEN).status_code == 422

    enroll.client.delete_cookie("session")
    enroll.through_step2("283059913431065")

    assert enroll.step3(TAKEN).status_code == 429


def test_a_resend_to_a_new_address_counts_addresses_already_used(
    app: Flask, enroll: Enroll, taken: None
) -> None:
    enroll.complete()
    token = latest_activation_token(app)
    for _ in range(5):
        response = enroll.client.post(
            f"/creation-compte/activation/{token}", data={"destination": "new", "email": TAKEN}
        )
        assert response.status_code == 422

    response = enroll.client.post(
        f"/creation-compte/activation/{token}", data={"destination": "new", "email": TAKEN}
    )

    assert response.status_code == 429


# --- An old activation link may not change the address ---------------------------------------


def test_a_superseded_link_cannot_send_the_account_to_another_address(
    app: Flask, enroll: Enroll
) -> None:
    enroll.complete()
    first = latest_activation_token(app)
    account = db.session.scalars(select(Account)).one()
    activation.resend(account, "b.venturi@example.org")

    response = enroll.client.post(
        f"/creation-compte/activation/{first}",
        data={"destination": "new", "email": "c.attaquant@example.org"},
    )

    assert response.status_code == 403
    assert "Ce lien a été remplacé par un plus récent" in page_text(response)
    db.session.refresh(account)
    assert account.email == "b.venturi@example.org"


def test_a_superseded_link_offers_the_current_address_only(app: Flask, enroll: Enroll) -> None:
    enroll.complete()
    first = latest_activation_token(app)
    activation.resend(db.session.scalars(select(Account)).one(), "b.venturi@example.org")

    page = enroll.client.get(f"/creation-compte/activation/{first}")
    assert page.status_code == 410
    assert 'value="new"' not in page.get_data(as_text=True)
    response = enroll.client.post(
        f"/creation-compte/activation/{first}", data={"destination": "same"}
    )

    assert response.headers["Location"] == "/creation-compte/consultez-votre-messagerie"
    assert latest_activation_token(app) != first


def test_the_newest_link_may_still_change_the_address(app: Flask, enroll: Enroll) -> None:
    enroll.complete()
    token = latest_activation_token(app)

    response = enroll.client.post(
        f"/creation-compte/activation/{token}",
        data={"destination": "new", "email": "nouvelle@example.org"},
    )

    assert response.status_code == 302
    assert db.session.scalars(select(Account)).one().email == "nouvelle@example.org"


# --- A mail server that never answers stalls nothing ------------------------------------------


@pytest.fixture
def silent_smtp() -> Iterator[str]:
    """An SMTP server that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"smtp://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    for connection in accepted:
        connection.close()
    listener.close()


def test_enrollment_and_resends_never_wait_for_the_mail_server(
    app: Flask, enroll: Enroll, silent_smtp: str
) -> None:
    reconfigure(app, SMTP_URL=silent_smtp)
    enroll.through_step2()

    started = time.monotonic()
    created = enroll.step3(GOOD_EMAIL)
    resent = enroll.client.post(
        "/connexion", data={"nir": "1 62 12 2B 010 001", "password": GOOD_PASSWORD}
    )
    resent = enroll.client.post("/connexion/activation", data={"destination": "same"})
    elapsed = time.monotonic() - started

    assert created.status_code == 302 and resent.status_code == 302
    # The mail transport's timeout is 10 s: no request waited for it.
    assert elapsed < 3
