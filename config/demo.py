"""``ameli demo``: the whole demonstration in one command (SPEC §12).

Registers, idempotently, the demo partner site and a FranceConnect client, writes the
partner's credentials to ``instance/partner_site.json``, starts the partner site
(``examples/partner_site``, port 5001) and the mail worker in subprocesses and runs the
service with the threaded development server. Ctrl-C stops all three.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

import idp
from core import settings

ROOT = Path(__file__).resolve().parent.parent
PARTNER_CLIENT_ID = "partenaire-demo"
PARTNER_URL = "http://127.0.0.1:5001"
FRANCECONNECT_CLIENT_ID = "franceconnect"
# FranceConnect v2's callback for its identity providers (sandbox).
FRANCECONNECT_REDIRECT_URI = "https://fcp-low.sbx.dev-franceconnect.fr/api/v2/oidc-callback"


def register_partner(settings_file: Path, issuer: str) -> dict[str, Any]:
    """Register the demo partner site unless it is already, and write its settings file.

    A secret is shown only once, so a missing or stale file means a new registration.
    """
    settings: dict[str, Any] = {}
    if settings_file.exists():
        settings = json.loads(settings_file.read_text(encoding="utf-8"))
    client = idp.find_client(PARTNER_CLIENT_ID)
    secret = settings.get("client_secret")
    if client is None or not secret or not client.check_client_secret(secret):
        idp.delete_client(PARTNER_CLIENT_ID)
        _, secret = idp.register_client(
            client_id=PARTNER_CLIENT_ID,
            name="Mairie de démonstration",
            redirect_uris=[PARTNER_URL + "/callback"],
            post_logout_redirect_uris=[PARTNER_URL + "/"],
        )
    settings = {
        "client_id": PARTNER_CLIENT_ID,
        "client_secret": secret,
        "issuer": issuer,
        "url": PARTNER_URL,
    }
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text(json.dumps(settings, indent=2), encoding="utf-8")
    settings_file.chmod(0o600)
    return settings


def register_franceconnect() -> str | None:
    """Register FranceConnect (trusted, ES256, JWT userinfo); return its new secret, if any."""
    if idp.find_client(FRANCECONNECT_CLIENT_ID) is not None:
        return None
    _, secret = idp.register_client(
        client_id=FRANCECONNECT_CLIENT_ID,
        name="FranceConnect",
        redirect_uris=[FRANCECONNECT_REDIRECT_URI],
        auth_method="client_secret_post",
        id_token_alg="ES256",
        userinfo_alg="ES256",
        trusted=True,
    )
    return secret


@click.command("demo")
@click.option("--port", default=5000, show_default=True, help="Port of the ameli service.")
@with_appcontext
def demo_command(port: int) -> None:
    """Register the demo clients, start the partner site (5001) and run the service."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not os.environ.get("AMELI_ISSUER"):
        app.config["ISSUER"] = f"http://127.0.0.1:{port}"
        # What the packages derive from the issuer (FranceConnect's sandbox URLs) follows.
        settings.reload(app)
    issuer = str(app.config["ISSUER"]).rstrip("/")
    settings_file = Path(app.instance_path) / "partner_site.json"
    register_partner(settings_file, issuer)
    franceconnect_secret = register_franceconnect()
    if franceconnect_secret:
        credentials = {"client_id": FRANCECONNECT_CLIENT_ID, "client_secret": franceconnect_secret}
        click.echo(json.dumps(credentials))
    environment = {**os.environ, "PARTNER_SITE_CONFIG": str(settings_file)}
    # Flask ignores app.run() under its CLI; the partner site is a plain script.
    environment.pop("FLASK_RUN_FROM_CLI", None)
    helpers = [
        subprocess.Popen(
            [sys.executable, "-m", "examples.partner_site.app"], cwd=ROOT, env=environment
        ),
        # Pages only queue mails; the worker sends them, as in production.
        subprocess.Popen(
            [sys.executable, "-m", "config", "mail", "deliver", "--loop", "--interval", "1"],
            env=environment,
        ),
    ]
    click.echo(f"ameli: {issuer}  —  site partenaire de démonstration: {PARTNER_URL}")
    try:
        # app.run() is a no-op inside the flask CLI: serve with Werkzeug directly.
        run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)
    finally:
        for helper in helpers:
            helper.terminate()
        for helper in helpers:
            try:
                helper.wait(timeout=10)
            except subprocess.TimeoutExpired:
                helper.kill()
