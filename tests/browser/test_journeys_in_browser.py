"""The other journeys in real Chromium: FranceConnect, a partner sign-in, a late resend.

Every page and every error state met on the way is checked with axe-core (WCAG 2.1 A/AA).
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page

import keys
from accounts.models import AccountStatus
from core.clock import FrozenClock
from core.db import db
from enrollment.registry import importer as registry_import
from idp.clients import register_client
from tests.browser.conftest import assert_accessible
from tests.enrollment.conftest import DEMO_CSV
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import VENTURI_NIR
from tests.enrollment.conftest import card_form
from tests.enrollment.conftest import latest_activation_token
from tests.idp.conftest import make_account


@pytest.fixture
def clock() -> FrozenClock:
    """Real time: the partner site's OIDC client checks token times with its own clock."""
    return FrozenClock(datetime.now(UTC))


def start_service(live_server_factory: Any, **settings: Any) -> Any:
    server = live_server_factory(SANDBOX_ENABLED=True, **settings)
    with server.app.app_context(), DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        registry_import.import_csv(stream)
        keys.ensure_keys()
    return server


def submit(page: Page, selector: str = "main button[type=submit]") -> None:
    with page.expect_navigation():
        page.click(selector)


def test_path_b_through_the_franceconnect_sandbox(page: Page, live_server_factory: Any) -> None:
    server = start_service(live_server_factory)

    page.goto(server.url + "/creation-compte/")
    assert_accessible(page)
    submit(page, "button.fr-connect")
    assert "Je me connecte avec une identité de test" in page.content()
    assert_accessible(page)
    page.check("input[value='test']")
    page.fill("input[name=password]", "123")
    submit(page, "main button[type=submit][value=login]")

    assert page.url.endswith("/creation-compte/franceconnect/numero")
    assert "DUBOIS" in page.content()
    assert_accessible(page)
    page.fill("#nir", "2 62 08 75 107 891 78")  # a wrong key: a field error
    submit(page)
    assert page.title().startswith("Erreur")
    assert_accessible(page)
    page.fill("#nir", "2 62 08 75 107 891 79")
    submit(page)

    assert page.url.endswith("/creation-compte/code-personnel")
    page.fill("#password", GOOD_PASSWORD)
    page.fill("#confirmation", GOOD_PASSWORD)
    submit(page)
    assert page.url.endswith("/creation-compte/coordonnees")
    assert page.input_value("#email") != ""  # pre-filled from FranceConnect
    page.fill("#email", "angela.dubois@example.org")
    submit(page, "button[value=create]")

    assert page.url.endswith("/creation-compte/consultez-votre-messagerie")
    assert_accessible(page)
    with server.app.app_context():
        token = latest_activation_token(server.app)
    page.goto(f"{server.url}/creation-compte/activation/{token}")
    assert "Votre compte ameli est activé" in page.content()


def test_a_partner_sign_in_through_the_demo_partner_site(
    page: Page, live_server_factory: Any, partner_site_factory: Any
) -> None:
    server = start_service(live_server_factory)
    with server.app.app_context():
        make_account(VENTURI_NIR)
        client, secret = register_client(
            name="Mairie de démonstration",
            redirect_uris=["http://127.0.0.1:0/callback"],
            post_logout_redirect_uris=["http://127.0.0.1:0/"],
        )
        partner_url = partner_site_factory(
            {"client_id": client.client_id, "client_secret": secret, "issuer": server.url}
        )
        client.redirect_uris = [partner_url + "/callback"]
        client.post_logout_redirect_uris = [partner_url + "/"]
        db.session.commit()

    page.goto(partner_url + "/")
    page.click("text=Se connecter avec ameli")
    page.wait_for_url(f"{server.url}/connexion**")
    assert_accessible(page)
    page.fill("#nir", "1 62 12 2B 010 001")
    page.fill("#password", "not-the-code")
    submit(page)
    assert "Numéro de sécurité sociale ou code personnel incorrect" in page.content()
    assert_accessible(page)
    page.fill("#nir", "1 62 12 2B 010 001")
    page.fill("#password", GOOD_PASSWORD)
    submit(page)

    assert "Autoriser Mairie de démonstration" in page.content()
    assert_accessible(page)
    submit(page, "main button[value=accept]")
    assert page.url == partner_url + "/"
    assert "VENTURI" in page.content() and "eidas1" in page.content()


def test_a_late_link_offers_a_new_one_to_another_address(
    page: Page, live_server_factory: Any, browser_factory: Any, clock: FrozenClock
) -> None:
    server = start_service(live_server_factory)
    http = browser_factory(server.url)
    http.open("/creation-compte/carte-vitale")
    http.submit(
        "/creation-compte/carte-vitale",
        {
            "name": "venturi",
            "nir": "1 62 12 2B 010 001 03",
            "birth_date": "18/12/1962",
            "postal_code": "63000",
            "iban_tail": "0G02443",
            "vitale_tail": "46713226301",
        },
    )
    http.submit(
        "/creation-compte/code-personnel",
        {"password": GOOD_PASSWORD, "confirmation": GOOD_PASSWORD},
    )
    http.submit(
        "/creation-compte/coordonnees", {"email": "pierre.venturi@example.org", "action": "create"}
    )
    with server.app.app_context():
        old_token = latest_activation_token(server.app)
    clock.advance(timedelta(days=10))

    page.goto(f"{server.url}/creation-compte/activation/{old_token}")
    assert "Le lien n'est plus actif" in page.content()
    assert_accessible(page)
    page.click("label[for=destination-new]")  # DSFR draws the radio in its label
    page.fill("#email", "pierre@")
    submit(page)
    assert "Saisissez une adresse électronique valide" in page.content()
    assert_accessible(page)
    page.fill("#email", "p.venturi@example.org")
    submit(page)

    assert page.url.endswith("/creation-compte/consultez-votre-messagerie")
    assert "p.venturi@example.org" in page.content()
    with server.app.app_context():
        new_token = latest_activation_token(server.app)
    assert new_token != old_token
    page.goto(f"{server.url}/creation-compte/activation/{new_token}")
    assert "Votre compte ameli est activé" in page.content()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/creation-compte/",
        "/creation-compte/carte-vitale",
        "/creation-compte/sans-numero-de-serie",
        "/connexion",
        "/fin-de-session",
        "/nulle-part",
    ],
)
def test_every_entry_page_is_accessible_and_fits_320_pixels(
    page: Page, live_server_factory: Any, path: str
) -> None:
    server = start_service(live_server_factory)
    page.set_viewport_size({"width": 320, "height": 640})

    page.goto(server.url + path)

    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_the_error_summary_and_an_exclusion_page_are_accessible(
    page: Page, live_server_factory: Any
) -> None:
    server = start_service(live_server_factory)
    page.goto(server.url + "/creation-compte/carte-vitale")
    submit(page)  # nothing typed: every field in error at once
    assert page.title().startswith("Erreur : 6 erreurs")
    assert_accessible(page)

    for field, value in card_form("158031501433966").items():  # a member of the MSA
        page.fill(f"#{field}", value)
    submit(page)

    assert "Votre régime ne permet pas encore la création immédiate" in page.content()
    assert_accessible(page)


def test_the_account_pages_are_accessible(page: Page, live_server_factory: Any) -> None:
    server = start_service(live_server_factory)
    with server.app.app_context():
        make_account(VENTURI_NIR)
        make_account("278043818574771", status=AccountStatus.PENDING)

    for nir, landing in (
        ("2 78 04 38 185 747", "/connexion/activation"),
        ("1 62 12 2B 010 001", "/mon-compte"),
    ):
        page.goto(server.url + "/connexion")
        page.fill("#nir", nir)
        page.fill("#password", GOOD_PASSWORD)
        submit(page)
        assert page.url.endswith(landing)
        assert_accessible(page)


def test_a_cancelled_franceconnect_sign_in_ends_on_an_accessible_page(
    page: Page, live_server_factory: Any
) -> None:
    server = start_service(live_server_factory)
    page.goto(server.url + "/creation-compte/")
    submit(page, "button.fr-connect")

    submit(page, "main button[value=cancel]")

    assert "/franceconnect/callback" in page.url
    assert_accessible(page)
