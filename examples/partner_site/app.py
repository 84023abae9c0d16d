"""A demo partner site: "Se connecter avec ameli", the claims received, and sign-out.

A small Flask app using Authlib's OpenID Connect client, as a partner's developer would
write it: discovery, authorization code with PKCE (S256) and nonce, ID token checks,
userinfo, and RP-initiated logout with ``state``.

Configuration, first found wins: environment (``PARTNER_CLIENT_ID``,
``PARTNER_CLIENT_SECRET``, ``AMELI_ISSUER``, ``PARTNER_URL``), then the JSON file named by
``PARTNER_SITE_CONFIG`` (default ``instance/partner_site.json``, written by ``ameli demo``).

Run: ``python -m examples.partner_site.app`` (port 5001, or ``PARTNER_PORT``).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from authlib.integrations.flask_client import OAuth
from authlib.integrations.flask_client import OAuthError
from flask import Flask
from flask import redirect
from flask import render_template_string
from flask import request
from flask import session
from flask import url_for
from werkzeug.serving import run_simple
from werkzeug.wrappers import Response

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_FILE = ROOT / "instance" / "partner_site.json"
SCOPE = "openid profile email birth"

PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Mairie de démonstration</title>
<style>body{font-family:Marianne,Arial,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}
button,.bouton{background:#000091;color:#fff;border:0;padding:.75rem 1.25rem;font-size:1rem;
cursor:pointer;text-decoration:none;display:inline-block}dt{font-weight:bold}</style></head>
<body><h1>Mairie de démonstration</h1>
{% if error %}<p role="alert">La connexion a échoué : {{ error }}</p>{% endif %}
{% if claims %}
<p>Vous êtes connecté avec votre compte ameli. Voici ce que ce site a reçu :</p>
<dl>{% for name, value in claims.items() %}<dt>{{ name }}</dt><dd>{{ value }}</dd>{% endfor %}</dl>
<form method="post" action="{{ url_for('logout') }}">
<button type="submit">Se déconnecter</button></form>
{% else %}
{% if signed_out %}<p role="status">Vous êtes déconnecté.</p>{% endif %}
<p>Pour accéder à vos démarches, connectez-vous avec votre compte ameli.</p>
<a class="bouton" href="{{ url_for('login') }}">Se connecter avec ameli</a>
{% endif %}
</body></html>"""


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read the client's registration from the environment, then the JSON file."""
    path = Path(os.environ.get("PARTNER_SITE_CONFIG", DEFAULT_CONFIG_FILE))
    settings: dict[str, Any] = {
        "issuer": "http://127.0.0.1:5000",
        "url": "http://127.0.0.1:5001",
    }
    if path.exists():
        settings.update(json.loads(path.read_text(encoding="utf-8")))
    for name, variable in (
        ("client_id", "PARTNER_CLIENT_ID"),
        ("client_secret", "PARTNER_CLIENT_SECRET"),
        ("issuer", "AMELI_ISSUER"),
        ("url", "PARTNER_URL"),
    ):
        if os.environ.get(variable):
            settings[name] = os.environ[variable]
    settings.update(overrides or {})
    if not settings.get("client_id"):
        raise SystemExit(f"no client registered: run `ameli demo` or write {path}")
    return settings


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the partner site for the client described by the settings."""
    settings = load_settings(overrides)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.get("secret_key") or secrets.token_hex(32)
    app.config["SESSION_COOKIE_NAME"] = "partner_session"
    base_url = str(settings["url"]).rstrip("/")
    oauth = OAuth(app)
    ameli = oauth.register(
        "ameli",
        client_id=settings["client_id"],
        client_secret=settings.get("client_secret"),
        server_metadata_url=str(settings["issuer"]).rstrip("/")
        + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256"},
    )

    @app.get("/")
    def home() -> str:
        signed_out = False
        if "state" in request.args:
            expected = session.pop("logout_state", None)
            signed_out = expected is not None and request.args["state"] == expected
        return render_template_string(
            PAGE, claims=session.get("claims"), signed_out=signed_out, error=None
        )

    @app.get("/login")
    def login() -> Response:
        response: Response = ameli.authorize_redirect(base_url + url_for("callback"))
        return response

    @app.get("/callback")
    def callback() -> str | Response:
        if "error" in request.args:
            return render_template_string(PAGE, claims=None, error=request.args["error"])
        try:
            token = ameli.authorize_access_token()
        except OAuthError as error:
            return render_template_string(PAGE, claims=None, error=error.error)
        claims = dict(ameli.userinfo(token=token))
        id_token_claims = token["userinfo"]
        claims["acr"] = id_token_claims.get("acr")
        session["claims"] = claims
        session["id_token"] = token["id_token"]
        return redirect(url_for("home"))

    @app.post("/logout")
    def logout() -> Response:
        id_token = session.pop("id_token", None)
        session.pop("claims", None)
        state = secrets.token_urlsafe(16)
        session["logout_state"] = state
        logout_url = ameli.create_logout_url(
            post_logout_redirect_uri=base_url + "/",
            id_token_hint=id_token,
            state=state,
        )
        return redirect(logout_url["url"])

    return app


def main() -> None:
    port = int(os.environ.get("PARTNER_PORT", "5001"))
    run_simple("127.0.0.1", port, create_app(), threaded=True)


if __name__ == "__main__":
    main()
