"""No NIR, hash, token or link in any log line (SPEC §18): the captured logs of whole
journeys over real HTTP, access lines included, are searched for each of them."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

import keys
from accounts.models import Account
from core.db import db
from core.redaction import redact
from enrollment.registry import importer as registry_import
from idp.clients import register_client
from tests.enrollment.conftest import DEMO_CSV
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import card_form
from tests.live import Browser

NIR_FORMS = ("162122B01000103", "162122B010001", "1 62 12 2B 010 001 03", "1+62+12+2B+010+001+03")
LINK = re.compile(r"https?://\S+/creation-compte/activation/([A-Za-z0-9_-]+)")


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


def test_a_whole_journey_leaves_no_secret_in_the_logs(
    live_server_factory: Any, smtp_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = live_server_factory(SMTP_URL=smtp_server.url)
    with server.app.app_context(), DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        registry_import.import_csv(stream)
        keys.ensure_keys()
        client, secret = register_client(
            name="Impots.example", redirect_uris=["https://partenaire.example/callback"]
        )
        client_id = client.client_id
    browser = Browser(server.url)

    # Path A, the activation link, a sign-in with the key left out.
    browser.open("/creation-compte/carte-vitale")
    browser.submit("/creation-compte/carte-vitale", card_form())
    browser.submit(
        "/creation-compte/code-personnel",
        {"password": GOOD_PASSWORD, "confirmation": GOOD_PASSWORD},
    )
    browser.submit(
        "/creation-compte/coordonnees", {"email": "pierre.venturi@example.org", "action": "create"}
    )
    [mail] = smtp_server.wait_for(1)
    token = LINK.search(mail.get_body(preferencelist=("plain",)).get_content())[1]  # type: ignore[index, union-attr]
    browser.open(f"/creation-compte/activation/{token}")
    browser.open("/connexion")
    browser.submit("/connexion", {"nir": "1 62 12 2B 010 001", "password": "Mauvais-code-1"})
    # A partner's request with a login_hint, signed in, consented, redeemed.
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": "https://partenaire.example/callback",
            "scope": "openid offline_access",
            "state": "etat-secret-123",
            "nonce": "nonce-secret-456",
            "login_hint": "1 62 12 2B 010 001 03",
        }
    )
    page = browser.open(f"/autorisation?{query}")
    next_url = re.search(r'name="next"[^>]*value="([^"]*)"', page.text)[1]  # type: ignore[index]
    page = browser.submit(
        "/connexion",
        {
            "nir": "162122B01000103",
            "password": GOOD_PASSWORD,
            "next": next_url.replace("&amp;", "&"),
        },
    )
    consent = re.search(r'name="request" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    answer = browser.post(
        server.url + "/autorisation/consentement",
        data={
            "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)[1],
            "request": consent,
            "decision": "accept",
        },  # type: ignore[index]
        allow_redirects=False,
        timeout=10,
    )
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    tokens = browser.post(
        server.url + "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://partenaire.example/callback",
        },
        auth=(client_id, secret or ""),
        timeout=10,
    ).json()
    browser.close()

    logged = everything_logged(caplog)
    assert "GET /creation-compte/activation/" in logged  # the access lines were captured
    for secret_text in (
        *NIR_FORMS,
        token,
        code,
        tokens["access_token"],
        tokens["refresh_token"],
        tokens["id_token"],
        "$argon2",
        GOOD_PASSWORD,
        "Mauvais-code-1",
        "etat-secret-123",
    ):
        assert secret_text not in logged, secret_text


def test_the_sign_in_url_carries_the_hint_once(live_server_factory: Any) -> None:
    server = live_server_factory()
    with server.app.app_context():
        client, _ = register_client(name="Impots.example", redirect_uris=["https://p.example/cb"])
        client_id = client.client_id
    browser = Browser(server.url)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": "https://p.example/cb",
            "scope": "openid",
            "login_hint": "162122B01000103",
        }
    )

    response = browser.get(f"{server.url}/autorisation?{query}", allow_redirects=False, timeout=10)

    location = response.headers["Location"]
    assert location.count("162122B01000103") == 1
    browser.close()


def test_a_failed_statement_logged_names_no_parameter(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    values = {
        "nir": "162122B01000103",
        "status": "active",
        "enrollment_path": "vitale_iban",
        "password_hash": "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
        "created_at": None,
    }
    try:
        db.session.execute(insert(Account), values)
    except IntegrityError:
        db.session.rollback()
        logging.getLogger("config.errors").exception("unexpected error on POST /test")
    else:  # pragma: no cover - the row breaks a NOT NULL constraint
        pytest.fail("the statement should have failed")

    [record] = [r for r in caplog.records if r.name == "config.errors"]
    written = logging.Formatter().format(record)
    assert "IntegrityError" in written
    assert "162122B01000103" not in written and "argon2" not in written


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("account 12 signed in", "account 12 signed in"),
        (
            '"GET /creation-compte/activation/AbCd1234efgh HTTP/1.1" 200',
            '"GET /creation-compte/activation/[…] HTTP/1.1" 200',
        ),
        ("mail 3 sent to *@exemple.fr", "mail 3 sent to *@exemple.fr"),
    ],
)
def test_redaction_keeps_what_follows_a_request(text: str, kept: str) -> None:
    assert redact(text) == kept
