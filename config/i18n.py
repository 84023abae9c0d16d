"""Languages of the service: French by default, English on request (Flask-Babel).

The locale is, in this order, the one a person chose with the language switch (kept in the
session), the best match of the browser's ``Accept-Language`` among :data:`LOCALES`, then
French. The catalogues live in ``config/translations``; French is the source language, so
it needs no catalogue of its own.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import has_request_context
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext
from flask_babel import refresh
from werkzeug.wrappers import Response as WerkzeugResponse

from core.clock import in_france
from core.language import SESSION_KEY
from core.urls import safe_next

DEFAULT_LOCALE = "fr"
# Language codes offered by the switch, with the name each language has in itself.
LOCALES: dict[str, str] = {"fr": "Français", "en": "English"}
TRANSLATIONS_DIRECTORY = str(Path(__file__).resolve().parent / "translations")

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """Return the locale of the current request: chosen, else negotiated, else French."""
    if not has_request_context():
        return DEFAULT_LOCALE
    chosen = session.get(SESSION_KEY)
    if chosen in LOCALES:
        return str(chosen)
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def current_locale() -> str:
    """Return the language code of the page being rendered (``fr`` outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LOCALE


@bp.get("/langue/<code>")
def choose(code: str) -> WerkzeugResponse:
    """Remember the language a person chose, then go back to the page they were on."""
    if code not in LOCALES:
        abort(404)
    session[SESSION_KEY] = code
    return redirect(safe_next(request.args.get("next")) or url_for("pages.home"))


def french_datetime(moment: datetime) -> str:
    """Format ``moment`` in French time: ``18/12/2026 à 14:35`` (``at`` in English)."""
    local = in_france(moment)
    return gettext(
        "%(date)s à %(time)s", date=local.strftime("%d/%m/%Y"), time=local.strftime("%H:%M")
    )


def _vary_on_language(response: Response) -> Response:
    # The same address answers in another language for another Accept-Language.
    response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    """Set Flask-Babel's defaults and install the switch and its template helpers.

    The ``Babel`` extension itself is bound in the app factory, with :func:`select_locale`.
    """
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS_DIRECTORY)
    app.register_blueprint(bp)
    # Flask-Babel caches the locale on ``g``, which outlives a request when an application
    # context was already pushed (the CLI, tests): choose again for every request.
    app.before_request(refresh)
    app.after_request(_vary_on_language)
    app.jinja_env.globals.update(current_locale=current_locale, locales=LOCALES)
    app.add_template_filter(french_datetime)
