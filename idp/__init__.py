"""OpenID Connect provider: partner sites and FranceConnect sign people in with ameli."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the sign-in pages and their settings on ``app``."""
    from idp import signin

    app.config.setdefault("SIGN_IN_FAILURES_PER_IP", "50/hour")
    app.register_blueprint(signin.bp)
