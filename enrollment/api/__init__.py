"""The JSON API of the ameli app: enrollment with Carte Vitale + IBAN (SPEC §11)."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask

bp = Blueprint("enrollment_api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    """Install the API's routes on ``app``; it uses no cookie, hence no CSRF."""
    from enrollment.api import views  # noqa: F401 - registers the routes on ``bp``

    app.register_blueprint(bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
