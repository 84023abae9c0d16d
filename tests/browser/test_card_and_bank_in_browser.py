"""Path A in a real browser, with the keyboard alone, accessible at every step."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from enrollment.registry import importer as registry_import
from tests.browser.conftest import assert_accessible
from tests.enrollment.conftest import DEMO_CSV
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import latest_activation_token


def tab_to(page: Page, element_id: str, limit: int = 60) -> None:
    """Press Tab until the element with ``element_id`` has the focus, as a keyboard user."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} cannot be reached with Tab")


def type_fields(page: Page, values: dict[str, str]) -> None:
    for element_id, value in values.items():
        tab_to(page, element_id)
        page.keyboard.press("Control+A")
        page.keyboard.type(value)


def submit(page: Page) -> None:
    """Press Enter in the focused field and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_path_a_with_the_keyboard_alone_through_the_activation_link(
    page: Page, live_server_factory: Any
) -> None:
    server = live_server_factory()
    with server.app.app_context(), DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        registry_import.import_csv(stream)

    page.goto(server.url + "/creation-compte/carte-vitale")
    assert_accessible(page)
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Contenu"

    type_fields(
        page,
        {
            "name": "venturi",
            "nir": "1 62 12 2B 010 001 03",
            "birth_date": "18/12/1962",
            "postal_code": "6300",
            "iban_tail": "0G02443",
            "vitale_tail": "46713226301",
        },
    )
    submit(page)
    assert page.title().startswith("Erreur : 1 erreur – Étape 1 sur 3")
    assert page.evaluate("document.activeElement.id") == "erreurs"
    assert page.get_attribute("a[href='#postal_code']", "href") == "#postal_code"
    assert page.input_value("#nir") == "1 62 12 2B 010 001 03"  # nothing typed is lost
    assert_accessible(page)

    type_fields(page, {"postal_code": "63000"})
    submit(page)
    assert page.url.endswith("/creation-compte/code-personnel")
    assert page.title().startswith("Étape 2 sur 3")
    assert_accessible(page)

    type_fields(page, {"password": "motdepasse"})
    page.wait_for_selector("[data-rule='letters_case'].fr-message--error")
    assert_accessible(page)
    type_fields(page, {"password": GOOD_PASSWORD, "confirmation": GOOD_PASSWORD})
    submit(page)
    assert page.url.endswith("/creation-compte/coordonnees")
    assert page.title().startswith("Étape 3 sur 3")
    assert_accessible(page)

    type_fields(page, {"email": "pierre.venturi@example.org", "mobile_phone": "06 12 34 56 78"})
    submit(page)
    assert page.url.endswith("/consultez-votre-messagerie")
    assert "Consultez votre messagerie" in page.content()
    assert_accessible(page)

    with server.app.app_context():
        token = latest_activation_token(server.app)
    page.goto(f"{server.url}/creation-compte/activation/{token}")
    assert "Votre compte ameli est activé" in page.content()
    assert_accessible(page)


def test_a_field_is_checked_live_when_the_person_leaves_it(
    page: Page, live_server_factory: Any
) -> None:
    server = live_server_factory()
    page.goto(server.url + "/creation-compte/carte-vitale")

    page.fill("#postal_code", "630")
    page.keyboard.press("Tab")
    page.wait_for_selector("#postal_code-error")
    assert "5 chiffres" in page.inner_text("#postal_code-error")
    assert page.get_attribute("#postal_code", "aria-invalid") == "true"
    assert page.query_selector("#nir-error") is None  # untouched fields stay quiet
    assert_accessible(page)

    page.fill("#postal_code", "63000")
    page.keyboard.press("Tab")
    page.wait_for_selector("#postal_code-error", state="detached")
    assert page.get_attribute("#postal_code", "aria-invalid") is None
