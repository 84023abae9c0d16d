"""Journey: Carte Vitale + IBAN, from step 1 to an active account, over real HTTP and SMTP."""

from __future__ import annotations

import re
from typing import Any

from enrollment.registry import importer as registry_import
from tests.enrollment.conftest import DEMO_CSV
from tests.enrollment.conftest import GOOD_PASSWORD

LINK = re.compile(r"https?://\S+/creation-compte/activation/[A-Za-z0-9_-]+")


def test_a_person_creates_and_activates_an_account_with_card_and_iban(
    live_server_factory: Any, browser_factory: Any, smtp_server: Any
) -> None:
    server = live_server_factory(SMTP_URL=smtp_server.url)
    with server.app.app_context(), DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        registry_import.import_csv(stream)
    browser = browser_factory(server.url)

    page = browser.open("/creation-compte/carte-vitale")
    assert "Étape 1 sur 3" in page.text
    page = browser.submit(
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
    assert page.url.endswith("/creation-compte/code-personnel") and "Étape 2 sur 3" in page.text

    page = browser.submit(
        "/creation-compte/code-personnel",
        {"password": GOOD_PASSWORD, "confirmation": GOOD_PASSWORD},
    )
    assert page.url.endswith("/creation-compte/coordonnees") and "Étape 3 sur 3" in page.text

    page = browser.submit(
        "/creation-compte/coordonnees",
        {
            "email": "Pierre.Venturi@Example.ORG",
            "mobile_phone": "06 12 34 56 78",
            "marketing_consent": "y",
            "action": "create",
        },
    )
    assert page.url.endswith("/creation-compte/consultez-votre-messagerie")
    assert "Consultez votre messagerie" in page.text
    assert "Pierre.Venturi@example.org" in page.text

    smtp_server.wait_for(1)
    mail = smtp_server.messages[0]
    assert mail["To"] == "Pierre.Venturi@example.org"
    assert mail["Subject"] == "Activez votre compte ameli"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    link = LINK.search(body)
    assert link is not None and link[0].startswith(server.url)

    page = browser.open(link[0])
    assert "Votre compte ameli est activé" in page.text

    page = browser.open("/connexion")
    page = browser.submit("/connexion", {"nir": "1 62 12 2B 010 001", "password": GOOD_PASSWORD})
    assert page.url.endswith("/mon-compte")
    assert "Bonjour Pierre VENTURI" in page.text
