"""Hypothesis-driven fuzz of the web forms and the OpenID Connect endpoints: whatever is
sent, the answer is never a 5xx (SPEC: no stack trace, no 5xx on any input)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hypothesis
import pytest
from flask import Flask
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

import keys
from accounts.forms import ResendForm
from enrollment import card_and_bank
from enrollment.registry import importer as registry_import
from enrollment.web.forms import CardAndBankForm
from enrollment.web.forms import ContactForm
from enrollment.web.forms import PasswordForm
from idp.clients import register_client
from idp.forms import SignInForm
from tests.conftest import make_app
from tests.enrollment.conftest import DEMO_CSV

FUZZ = hypothesis.settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)
# Any text a client can send: control characters, lone accents, very long runs.
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=200),
    st.sampled_from(
        ["", "\x00", "%", "é" * 300, "1 62 12 2B 010 001 03", "openid", "code", "S256"]
    ),
)
OIDC_NAMES = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "claims",
    "id_token_hint",
    "login_hint",
    "code_challenge",
    "code_challenge_method",
    "request",
    "request_uri",
    "grant_type",
    "code",
    "refresh_token",
    "token",
    "token_type_hint",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "code_verifier",
    "post_logout_redirect_uri",
    "ui_locales",
    "inconnu",
]
PARAMETERS = st.dictionaries(st.sampled_from(OIDC_NAMES), TEXT, max_size=8)


def fields_of(form: type) -> list[str]:
    """Return the names of the fields a form class declares."""
    return [name for name, value in vars(form).items() if isinstance(value, UnboundField)]


# Each form with what its page sends besides its fields (buttons, the signed request).
FORMS = {
    "/connexion": fields_of(SignInForm),
    "/creation-compte/carte-vitale": fields_of(CardAndBankForm),
    "/creation-compte/code-personnel": fields_of(PasswordForm),
    "/creation-compte/verification/carte-vitale": list(card_and_bank.FIELDS),
    "/creation-compte/coordonnees": [*fields_of(ContactForm), "action"],
    "/connexion/activation": fields_of(ResendForm),
    "/autorisation/consentement": ["request", "decision"],
}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One service for the whole fuzz, with a registry, keys and a partner client."""
    folder = tmp_path_factory.mktemp("fuzz")
    database = {"DATABASE_URL": f"sqlite:///{folder / 'fuzz.sqlite3'}"}
    import flask_migrate

    app = make_app(database, Path(folder), ENROLLMENT_FAILURES_PER_IP="100000/hour")
    with app.app_context():
        flask_migrate.upgrade()
        with DEMO_CSV.open(encoding="utf-8", newline="") as stream:
            registry_import.import_csv(stream)
        keys.ensure_keys()
        client, _ = register_client(name="Fuzz.example", redirect_uris=["https://fuzz.example/cb"])
        client_id = client.client_id
    return app, client_id


def never_a_server_error(app: Flask, method: str, path: str, **kwargs: Any) -> None:
    with app.app_context():
        response = app.test_client().open(path, method=method, **kwargs)
    assert response.status_code < 500, (method, path, kwargs, response.get_data(as_text=True)[:300])


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_authorization_endpoint(fuzzed: Any, method: str) -> None:
    app, client_id = fuzzed

    @FUZZ
    @hypothesis.given(params=PARAMETERS, known_client=st.booleans())
    def fuzz(params: dict[str, str], known_client: bool) -> None:
        if known_client:
            params = {"client_id": client_id, "redirect_uri": "https://fuzz.example/cb", **params}
        if method == "GET":
            never_a_server_error(app, "GET", "/autorisation", query_string=params)
        else:
            never_a_server_error(app, "POST", "/autorisation", data=params)

    fuzz()


@pytest.mark.parametrize(
    "path", ["/token", "/revocation", "/introspection", "/fin-de-session", "/userinfo"]
)
def test_the_other_endpoints(fuzzed: Any, path: str) -> None:
    app, _ = fuzzed

    @FUZZ
    @hypothesis.given(params=PARAMETERS, authorization=st.one_of(st.none(), TEXT))
    def fuzz(params: dict[str, str], authorization: str | None) -> None:
        # What HTTP can carry in a header: one line of Latin-1.
        sendable = (
            authorization is not None
            and authorization.isprintable()
            and all(ord(char) < 256 for char in authorization)
        )
        headers = {"Authorization": authorization} if sendable else {}
        never_a_server_error(app, "POST", path, data=params, headers=headers)

    fuzz()


@pytest.mark.parametrize("path", sorted(FORMS))
def test_the_web_forms(fuzzed: Any, path: str) -> None:
    app, _ = fuzzed
    fields = FORMS[path]

    @FUZZ
    @hypothesis.given(form=st.fixed_dictionaries({name: TEXT for name in fields}))
    def fuzz(form: dict[str, str]) -> None:
        never_a_server_error(app, "POST", path, data=form)

    fuzz()


def test_the_live_check_of_the_code_personnel(fuzzed: Any) -> None:
    app, _ = fuzzed

    def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4)

    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | TEXT, containers, max_leaves=10
    )

    @FUZZ
    @hypothesis.given(body=json_values)
    def fuzz(body: Any) -> None:
        never_a_server_error(app, "POST", "/creation-compte/code-personnel/verification", json=body)

    fuzz()


def test_the_callbacks_and_links(fuzzed: Any) -> None:
    app, _ = fuzzed

    @FUZZ
    @hypothesis.given(
        path=st.sampled_from(
            ["/franceconnect/callback", "/franceconnect/deconnexion/retour", "/langue/en", "/"]
        ),
        params=PARAMETERS,
        segment=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80),
    )
    def fuzz(path: str, params: dict[str, str], segment: str) -> None:
        never_a_server_error(app, "GET", path, query_string=params)
        never_a_server_error(app, "GET", "/creation-compte/activation/" + segment.replace("/", ""))

    fuzz()
