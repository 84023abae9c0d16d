"""Journey: FranceConnect (the local sandbox), NIR, code personnel, contact, activation link,
over real HTTP: the client really calls the sandbox's token, userinfo and JWKS endpoints."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from accounts.models import Account
from accounts.models import AccountStatus
from accounts.models import EnrollmentPath
from core.db import db
from enrollment.registry import importer as registry_import
from tests.enrollment.conftest import DEMO_CSV
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import latest_activation_token

SANDBOX = "/sandbox/franceconnect/api/v2"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def start_server(live_server_factory: Any) -> Any:
    server = live_server_factory(SANDBOX_ENABLED=True)
    with server.app.app_context(), DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        registry_import.import_csv(stream)
    return server


def sign_in_with_franceconnect(browser: Any, login: str) -> Any:
    """Press the FranceConnect button and pick ``login`` on the sandbox; return the NIR page."""
    page = browser.open("/creation-compte/")
    assert 'class="fr-connect"' in page.text and "Qu’est-ce que FranceConnect ?" in page.text
    page = browser.submit("/franceconnect/connexion", {})
    assert urlsplit(page.url).path == SANDBOX + "/authorize"
    assert "Je me connecte avec une identité de test" in page.text
    page = browser.submit(
        SANDBOX + "/authorize", {"login": login, "password": "123", "action": "login"}
    )
    assert urlsplit(page.url).path == "/creation-compte/franceconnect/numero", page.text
    return page


def test_a_person_creates_and_activates_an_account_with_franceconnect(
    live_server_factory: Any, browser_factory: Any
) -> None:
    server = start_server(live_server_factory)
    browser = browser_factory(server.url)

    page = sign_in_with_franceconnect(browser, "test")
    assert "Étape 1 sur 3" in page.text
    assert "DUBOIS" in page.text and "Angela Claire Louise" in page.text
    assert "24/08/1962" in page.text

    page = browser.submit("/creation-compte/franceconnect/numero", {"nir": "2 62 08 75 107 891 79"})
    assert urlsplit(page.url).path == "/creation-compte/code-personnel"
    assert "Étape 2 sur 3" in page.text
    assert 'href="/creation-compte/franceconnect/numero">Retour' in page.text

    page = browser.submit(
        "/creation-compte/code-personnel",
        {"password": GOOD_PASSWORD, "confirmation": GOOD_PASSWORD},
    )
    assert urlsplit(page.url).path == "/creation-compte/coordonnees"
    assert 'value="wossewodda-3728@yopmail.com"' in page.text

    page = browser.submit(
        "/creation-compte/coordonnees",
        {"email": "wossewodda-3728@yopmail.com", "action": "create"},
    )
    hops = [urlsplit(response.headers["Location"]) for response in page.history]
    assert [hop.path for hop in hops] == [
        "/franceconnect/deconnexion",
        SANDBOX + "/session/end",
        "/franceconnect/deconnexion/retour",
        "/creation-compte/consultez-votre-messagerie",
    ]
    end_session = parse_qs(hops[1].query)
    assert set(end_session) == {"id_token_hint", "state", "post_logout_redirect_uri"}
    assert end_session["post_logout_redirect_uri"] == [
        server.url + "/franceconnect/deconnexion/retour"
    ]
    assert re.fullmatch(r"[0-9a-f]{64}", end_session["state"][0])
    assert parse_qs(hops[2].query) == {"state": end_session["state"]}
    assert urlsplit(page.url).path == "/creation-compte/consultez-votre-messagerie"
    assert "Consultez votre messagerie" in page.text
    assert "wossewodda-3728@yopmail.com" in page.text

    page = browser.open(f"/creation-compte/activation/{latest_activation_token(server.app)}")
    assert "Votre compte ameli est activé" in page.text
    with server.app.app_context():
        account = db.session.scalars(select(Account).where(Account.nir == "262087510789179")).one()
        assert account.status is AccountStatus.ACTIVE
        assert account.enrollment_path is EnrollmentPath.FRANCECONNECT
        assert account.franceconnect_sub is not None
        assert re.fullmatch(r"[0-9a-f]{64}v1", account.franceconnect_sub)


@pytest.mark.parametrize(
    ("login", "nir", "shown"),
    [
        ("étranger_présumé_né_jour", "1 92 11 99 217 128 81", "11/1992 (jour présumé)"),
        (
            "étranger_présumé_né_jour_et_mois",
            "1 92 20 99 217 101 58",
            "1992 (jour et mois présumés)",
        ),
        ("naissance_Espagne", "2 82 02 99 134 829 32", "24/02/1982"),
    ],
)
def test_a_birth_abroad_and_a_presumed_birth_date_are_matched(
    live_server_factory: Any, browser_factory: Any, login: str, nir: str, shown: str
) -> None:
    server = start_server(live_server_factory)
    browser = browser_factory(server.url)

    page = sign_in_with_franceconnect(browser, login)
    assert shown in page.text and "À l'étranger" in page.text

    page = browser.submit("/creation-compte/franceconnect/numero", {"nir": nir})
    assert urlsplit(page.url).path == "/creation-compte/code-personnel", page.text


def test_cancelling_on_franceconnect_ends_on_a_clear_page(
    live_server_factory: Any, browser_factory: Any
) -> None:
    server = start_server(live_server_factory)
    browser = browser_factory(server.url)
    browser.open("/creation-compte/")
    browser.submit("/franceconnect/connexion", {})

    page = browser.submit(SANDBOX + "/authorize", {"action": "cancel"})

    assert page.status_code == 403
    assert urlsplit(page.url).path == "/franceconnect/callback"
    assert parse_qs(urlsplit(page.url).query)["error"] == ["access_denied"]
    assert "Connexion avec FranceConnect annulée" in page.text
