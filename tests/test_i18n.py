"""French by default, English on request: the catalogue, the locale choice, the switch, mails."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import Environment
from jinja2 import nodes
from werkzeug.test import TestResponse

from config.i18n import TRANSLATIONS_DIRECTORY
from tests.api.conftest import PROBLEM
from tests.api.conftest import identity
from tests.enrollment.conftest import Enroll
from tests.enrollment.conftest import page_text
from tests.enrollment.conftest import registry  # noqa: F401 - the demo registry fixture
from tests.enrollment.conftest import sent_mails

ROOT = Path(__file__).resolve().parents[1]
ENGLISH_PO = Path(TRANSLATIONS_DIRECTORY) / "en" / "LC_MESSAGES" / "messages.po"
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
PERRIN_MSA = "158031501433966"
TEMPLATE_FOLDERS = [
    ROOT / "accounts" / "templates",
    ROOT / "config" / "templates",
    ROOT / "enrollment" / "web" / "templates",
    ROOT / "franceconnect" / "templates",
    ROOT / "franceconnect" / "sandbox" / "templates",
    ROOT / "idp" / "templates",
]


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue() -> None:
    """Compile the English catalogue as ``make translations`` does, when it is out of date."""
    mo = ENGLISH_PO.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= ENGLISH_PO.stat().st_mtime:
        return
    with ENGLISH_PO.open("rb") as stream:
        catalog = read_po(stream, locale="en")
    # Written aside then renamed: xdist workers may compile at the same time.
    descriptor, temporary = tempfile.mkstemp(dir=mo.parent, suffix=".mo")
    with os.fdopen(descriptor, "wb") as stream:
        write_mo(stream, catalog)
    os.replace(temporary, mo)


def _extracted_ids() -> set[str | tuple[str, ...]]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as stream:
        method_map, options_map = parse_mapping_cfg(stream)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    return {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords
        )
    }


def _english_catalogue():  # type: ignore[no-untyped-def]
    with ENGLISH_PO.open("rb") as stream:
        return read_po(stream, locale="en")


# --- The catalogue -----------------------------------------------------------------------


def test_every_english_message_is_translated_and_none_is_fuzzy() -> None:
    catalog = _english_catalogue()
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
        )
    ]
    assert untranslated == []
    assert not catalog.fuzzy


def test_english_placeholders_are_those_of_the_french() -> None:
    problems = [(message.id, errors) for message, errors in _english_catalogue().check()]
    assert problems == []


def test_the_catalogue_holds_exactly_the_messages_of_the_sources() -> None:
    extracted = _extracted_ids()
    catalogued = {message.id for message in _english_catalogue() if message.id}
    assert sorted(map(str, extracted - catalogued)) == []  # missing from the catalogue
    assert sorted(map(str, catalogued - extracted)) == []  # no longer in the sources


# --- Choosing the language ---------------------------------------------------------------


def _html_lang(response: TestResponse) -> str:
    match = re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True))
    assert match is not None
    return match[1]


@pytest.mark.parametrize(
    ("accept_language", "lang", "label"),
    [
        ("en", "en", "My social security number"),
        ("en-GB,en;q=0.9,fr;q=0.5", "en", "My social security number"),
        ("en-US", "en", "My social security number"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr", "Mon n° de sécurité sociale"),
        ("de-DE,de;q=0.9", "fr", "Mon n° de sécurité sociale"),
        (None, "fr", "Mon n° de sécurité sociale"),
    ],
)
def test_the_page_follows_accept_language_with_french_by_default(
    client: FlaskClient, accept_language: str | None, lang: str, label: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = client.get("/creation-compte/carte-vitale", headers=headers)
    assert response.status_code == 200
    assert _html_lang(response) == lang
    assert label in page_text(response)
    assert "Accept-Language" in response.headers["Vary"]


def test_english_step_1_reads_in_english(client: FlaskClient) -> None:
    text = page_text(client.get("/creation-compte/carte-vitale", headers=ENGLISH))
    for label in (
        "Create my ameli account",
        "Step 1 of 3",
        "My surname",
        "My date of birth",
        "The last 7 characters of my IBAN",
        "I don't have my Vitale card's serial number",
    ):
        assert label in text


def test_the_switch_keeps_the_chosen_language_until_changed(client: FlaskClient) -> None:
    response = client.get("/langue/en?" + urlencode({"next": "/creation-compte/?a=1"}))
    assert response.status_code == 302
    assert response.headers["Location"] == "/creation-compte/?a=1"
    # The choice outweighs the browser's own preference, page after page.
    for path in ("/", "/creation-compte/", "/connexion"):
        page = client.get(path, headers={"Accept-Language": "fr"})
        assert _html_lang(page) == "en"
    assert "Sign in to my ameli account" in page_text(page)

    assert client.get("/langue/fr?next=/connexion").headers["Location"] == "/connexion"
    page = client.get("/connexion", headers=ENGLISH)
    assert _html_lang(page) == "fr"
    assert "Connexion à mon compte ameli" in page_text(page)


def test_the_switch_refuses_an_unknown_language(client: FlaskClient) -> None:
    assert client.get("/langue/de?next=/").status_code == 404
    assert _html_lang(client.get("/")) == "fr"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "",
    ],
)
def test_the_switch_never_sends_anyone_off_site(client: FlaskClient, target: str) -> None:
    response = client.get("/langue/en?" + urlencode({"next": target}))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_switch_is_dsfr_links_that_work_without_javascript(client: FlaskClient) -> None:
    html = client.get("/creation-compte/?etape=1", headers=ENGLISH).get_data(as_text=True)
    links = re.findall(r"<a class=\"fr-translate__language[^>]*>[^<]*</a>", html)
    assert len(links) == 2
    french, english = links
    assert 'lang="fr" hreflang="fr"' in french and ">FR - Français<" in french
    assert 'lang="en" hreflang="en"' in english and ">EN - English<" in english
    assert 'aria-current="true"' in english and "aria-current" not in french
    assert 'href="/langue/fr?next=/creation-compte/?etape%3D1"' in french
    assert 'aria-controls="langues" aria-expanded="false"' in html
    # Without JavaScript the menu stays open, by a style sheet (the CSP forbids inline style).
    assert '<noscript><link rel="stylesheet" href="/static/css/noscript.css"></noscript>' in html
    with client.get("/static/css/noscript.css") as response:
        sheet = response.get_data(as_text=True)
    assert ".fr-translate__menu {\n  visibility: visible;" in sheet


# --- Mails -------------------------------------------------------------------------------


@pytest.fixture
def enroll(client: FlaskClient, registry: None) -> Enroll:  # noqa: F811
    return Enroll(client)


def test_an_english_speaker_gets_the_activation_mail_in_english(
    app: Flask, client: FlaskClient, enroll: Enroll
) -> None:
    client.get("/langue/en")
    enroll.complete()
    mail = sent_mails(app)[-1]
    assert mail["Subject"] == "Activate your ameli account"
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content().startswith("Hello,\n\nYou have just created your ameli account.")
    assert " at " in text.get_content() and "valid for 7 days, until " in text.get_content()
    assert '<html lang="en">' in html.get_content()
    assert "Activate my ameli account" in html.get_content()
    assert "Bonjour" not in text.get_content() + html.get_content()


def test_a_french_speaker_gets_the_activation_mail_in_french(app: Flask, enroll: Enroll) -> None:
    enroll.complete()
    mail = sent_mails(app)[-1]
    assert mail["Subject"] == "Activez votre compte ameli"
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    assert text.get_content().startswith("Bonjour,\n\nVous venez de créer votre compte ameli.")


# --- Messages from Python: field errors, exclusions, the API ------------------------------


def test_a_field_error_is_shown_in_english(client: FlaskClient, enroll: Enroll) -> None:
    client.get("/langue/en")
    text = page_text(enroll.step1(nir="1 62 12 2B 010 001"))
    assert "Error: 1 error – Step 1 of 3 – My identity" in text
    assert "1 error to correct" in text
    assert "My social security number: Your social security number is 15 characters long" in text


def test_an_exclusion_is_shown_in_english(client: FlaskClient, enroll: Enroll) -> None:
    client.get("/langue/en")
    response = enroll.step1(PERRIN_MSA)
    if response.status_code == 302:
        response = client.get(response.headers["Location"])
    text = page_text(response)
    assert "Your insurance scheme does not yet allow an ameli account to be created" in text


@pytest.mark.parametrize(
    ("headers", "detail", "message"),
    [
        (
            ENGLISH,
            "Some information needs correcting: see the message for each field.",
            "Enter your social security number.",
        ),
        (
            {},
            "Certaines informations sont à corriger : voyez le message de chaque champ.",
            "Saisissez votre numéro de sécurité sociale.",
        ),
    ],
)
def test_the_api_answers_field_errors_in_the_asked_language(
    client: FlaskClient,
    registry: None,  # noqa: F811
    headers: dict[str, str],
    detail: str,
    message: str,  # noqa: F811
) -> None:
    response = client.post("/api/v1/enrollment/identity", json=identity(nir=""), headers=headers)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["code"] == "fields.invalid"
    assert body["detail"] == detail
    assert body["errors"] == [{"field": "nir", "code": "nir.required", "message": message}]


def test_the_api_answers_an_exclusion_in_english(client: FlaskClient, registry: None) -> None:  # noqa: F811
    response = client.post(
        "/api/v1/enrollment/identity", json=identity(PERRIN_MSA), headers=ENGLISH
    )
    body = response.get_json()
    assert response.status_code == 403
    assert body["code"] == "exclusion.regime"
    assert body["title"] == "Insurance scheme not eligible for immediate sign-up"
    assert body["detail"].startswith("Your insurance scheme does not yet allow an ameli account")


def test_the_api_password_indicator_speaks_english(client: FlaskClient, registry: None) -> None:  # noqa: F811
    token = client.post("/api/v1/enrollment/identity", json=identity(), headers=ENGLISH).get_json()[
        "enrollment_token"
    ]
    verdict = client.post(
        "/api/v1/enrollment/password-check",
        json={"password": "abc"},
        headers={"Authorization": f"Bearer {token}", **ENGLISH},
    ).get_json()
    assert verdict["rules"][0] == {
        "code": "length",
        "label": "be between 8 and 50 characters long",
        "ok": False,
    }
    assert verdict["strength"]["label"] == "Very weak"


# --- No text outside the catalogues -------------------------------------------------------

# What may stay French on an English page: the DSFR brand block, the language's own name
# in the switch, and the name of a FranceConnect identity provider.
ALLOWED_FRENCH = (
    "République Française",
    "FR - Français",
    "L'Identité Numérique La Poste",
)
FRENCH_MARKERS = re.compile(
    r"[éèàçêâîôûùœÉÈÀÇ]|\b(?:le|la|les|des|du|votre|vos|mon|mes|et|ou|pour|avec|sur|une?)\b"
)


def _french_left(response: TestResponse) -> list[str]:
    text = page_text(response)
    for allowed in ALLOWED_FRENCH:
        text = text.replace(allowed, "")
    return sorted(set(re.findall(r"\S*(?:" + FRENCH_MARKERS.pattern + r")\S*", text)))


def test_english_pages_of_a_whole_journey_hold_no_french(
    app: Flask, client: FlaskClient, enroll: Enroll
) -> None:
    client.get("/langue/en")
    pages = {
        "home": client.get("/"),
        "start": client.get("/creation-compte/"),
        "step 1": client.get("/creation-compte/carte-vitale"),
        "step 1, errors": enroll.step1(name="", nir="", birth_date="", postal_code=""),
        "no serial number": client.get("/creation-compte/sans-numero-de-serie"),
        "sign-in": client.get("/connexion"),
        "sign-in, error": client.post("/connexion", data={"nir": "", "password": ""}),
        "not found": client.get("/nowhere"),
    }
    assert enroll.step1().status_code == 302
    pages["step 2"] = client.get("/creation-compte/code-personnel")
    pages["step 2, errors"] = enroll.step2("abc", "abd")
    assert enroll.step2().status_code == 302
    pages["step 3"] = client.get("/creation-compte/coordonnees")
    pages["step 3, errors"] = enroll.step3("not an address", mobile_phone="12")
    pages["check mailbox"] = client.get(enroll.step3().headers["Location"])
    from tests.enrollment.conftest import latest_activation_token

    pages["activated"] = client.get(f"/creation-compte/activation/{latest_activation_token(app)}")
    pages["unknown link"] = client.get("/creation-compte/activation/nope")
    french = {name: _french_left(page) for name, page in pages.items()}
    assert french == {name: [] for name in pages}


def _template_sources() -> list[Path]:
    return sorted(
        path
        for folder in TEMPLATE_FOLDERS
        for path in folder.rglob("*")
        if path.suffix in (".html", ".txt")
    )


# Text a template may hold outside the catalogue: brand names, symbols and spacing.
BRANDS = re.compile(r"République|Française|ameli|FranceConnect|&nbsp;|[*–:.,()-]")
SHOWN_ATTRIBUTES = re.compile(r'\b(?:title|aria-label|alt|placeholder)="([^"{]*[^\W\d_][^"{]*)"')
# A string constant of an expression that reads as words (accents, or two words).
WORDS = re.compile(r"[À-ÿ]|[A-Za-z]{2,} [A-Za-z]{2,}")
GETTEXT = ("_", "gettext", "ngettext")


def _untranslated(source: str) -> list[str]:
    """Return the text of a template that does not go through the catalogue.

    The template is parsed by Jinja with the i18n extension, so ``{% trans %}`` blocks are
    the ``gettext`` calls they compile to: what is left as raw template data, or as a
    string constant outside ``_()``, would reach a page untranslated.
    """
    tree = Environment(extensions=["jinja2.ext.i18n"]).parse(source)
    translated = {
        id(constant)
        for call in tree.find_all(nodes.Call)
        if isinstance(call.node, nodes.Name) and call.node.name in GETTEXT
        for argument in call.args
        for constant in [argument, *argument.find_all(nodes.Const)]
    }
    found = [
        constant.value
        for constant in tree.find_all(nodes.Const)
        if isinstance(constant.value, str)
        and id(constant) not in translated
        and WORDS.search(constant.value)
    ]
    # Raw data in document order; a mark stands for each expression, so that tags hold.
    html = "\x00".join(data.data for data in tree.find_all(nodes.TemplateData))
    html = re.sub(r"<style\b.*?</style>", " ", html, flags=re.S)
    found.extend(SHOWN_ATTRIBUTES.findall(html))
    text = re.sub(r"<[^>]*>", " ", html).replace("\x00", " ")
    found.extend(word for word in BRANDS.sub(" ", text).split() if re.search(r"[^\W\d_]", word))
    return found


@pytest.mark.parametrize("path", _template_sources(), ids=lambda path: path.name)
def test_templates_hold_no_text_outside_the_catalogue(path: Path) -> None:
    assert _untranslated(path.read_text(encoding="utf-8")) == []
