"""Error pages in the person's language: never a stack trace, never a bare 500."""

from __future__ import annotations

import logging

from flask import Flask
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError

from core.db import UNAVAILABLE
from core.db import db
from core.errors import ServiceUnavailable

log = logging.getLogger(__name__)

# Title and explanation of each status a person may meet.
PAGES: dict[int, tuple[str, str]] = {
    400: (
        _l("Requête incorrecte"),
        _l(
            "La demande envoyée n'a pas pu être comprise. Revenez à la page précédente et "
            "réessayez."
        ),
    ),
    403: (_l("Accès refusé"), _l("Vous n'avez pas accès à cette page.")),
    404: (
        _l("Page non trouvée"),
        _l(
            "La page que vous cherchez est introuvable. "
            "Vérifiez l'adresse saisie ou revenez à l'accueil."
        ),
    ),
    405: (
        _l("Méthode non autorisée"),
        _l("Cette page ne peut pas être utilisée de cette façon."),
    ),
    413: (_l("Envoi trop volumineux"), _l("Les informations envoyées sont trop volumineuses.")),
    414: (
        _l("Adresse trop longue"),
        _l("L'adresse de la page demandée est trop longue. Revenez à l'accueil et réessayez."),
    ),
    429: (
        _l("Trop de tentatives"),
        _l("Vous avez fait trop de tentatives. Patientez puis réessayez."),
    ),
    500: (
        _l("Erreur inattendue"),
        _l(
            "Désolé, le service rencontre un problème. "
            "Réessayez dans quelques instants ; les informations saisies n'ont pas été perdues "
            "si vous revenez en arrière."
        ),
    ),
    503: (
        _l("Service indisponible"),
        _l("Le service est momentanément indisponible. Réessayez dans quelques minutes."),
    ),
}


def init_app(app: Flask) -> None:
    """Render every HTTP error, and every unexpected exception, as a page."""
    app.register_error_handler(CSRFError, _expired_form)
    app.register_error_handler(HTTPException, _http_error)
    for unavailable in UNAVAILABLE:
        app.register_error_handler(unavailable, _database_unavailable)
    app.register_error_handler(Exception, _unexpected_error)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int) -> tuple[Response | str, int]:
    """Render the error page (or JSON problem for API clients) for ``status``."""
    title, explanation = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    if _wants_json():
        return jsonify(
            type="about:blank", title=str(title), status=status, detail=str(explanation)
        ), status
    return render_template(
        "errors/error.html", status=status, title=title, explanation=explanation
    ), status


def _expired_form(error: CSRFError) -> tuple[str, int]:
    return render_template(
        "errors/error.html",
        status=400,
        title=gettext("Page expirée"),
        explanation=gettext(
            "Pour votre sécurité, cette page a expiré. Revenez en arrière, rechargez "
            "la page puis validez à nouveau."
        ),
    ), 400


def _http_error(
    error: HTTPException,
) -> tuple[Response | str, int] | tuple[Response | str, int, list[tuple[str, str]]] | HTTPException:
    if error.code is None or error.code < 400:
        return error  # redirects and the like pass through untouched
    page, status = render_error(error.code)
    # What the error itself says about the request, such as the methods a URL allows.
    kept = [
        (name, value) for name, value in error.get_headers() if name in ("Allow", "Retry-After")
    ]
    return page, status, kept


def _database_unavailable(error: Exception) -> tuple[Response | str, int, dict[str, str]]:
    """Say the service is away for a moment (503), not that it broke (500)."""
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone for good; nothing more to undo
        log.debug("rollback after a database failure failed too", exc_info=True)
    log.warning(
        "database unreachable on %s %s: %s", request.method, request.path, type(error).__name__
    )
    page, status = render_error(ServiceUnavailable.status)
    return page, status, {"Retry-After": str(ServiceUnavailable.retry_after)}


def _unexpected_error(error: Exception) -> tuple[Response | str, int]:
    if isinstance(error, HTTPException):
        return render_error(error.code or 500)
    log.exception("unexpected error on %s %s", request.method, request.path)
    return render_error(InternalServerError.code)
