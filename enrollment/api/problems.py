"""Errors of the mobile API as RFC 9457 problem details, one stable ``code`` per problem.

A problem carries ``type`` (``https://ameli.example/problems/<code>``), ``title`` (fixed per
code), ``status``, ``detail`` (the French message the web shows for the same rule), ``code``
and, when fields are at fault, ``errors``: ``[{field, code, message}]``. The codes below are
the whole list; the OpenAPI document enumerates exactly these (a test keeps them in step).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Response
from flask import jsonify
from flask_babel import lazy_gettext as _l

from core.throttle import Throttled
from enrollment.eligibility import EnrollmentRefused
from enrollment.validators import ValidationError

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://ameli.example/problems/"

# code -> (status, title). Titles never change from one occurrence to the next (RFC 9457 §3.1.3).
PROBLEMS: dict[str, tuple[int, str]] = {
    "request.malformed": (400, _l("Requête incorrecte")),
    "request.too_large": (413, _l("Requête trop volumineuse")),
    "fields.invalid": (422, _l("Informations à corriger")),
    "identity.not_recognised": (422, _l("Identité non reconnue")),
    "exclusion.regime": (403, _l("Régime non éligible à la création immédiate")),
    "exclusion.nir_not_certified": (403, _l("Numéro de sécurité sociale non certifié")),
    "exclusion.no_bank_details": (403, _l("Coordonnées bancaires inconnues de la caisse")),
    "exclusion.no_active_vitale_card": (403, _l("Pas de carte Vitale active")),
    "exclusion.account_exists": (409, _l("Compte déjà existant")),
    "wizard.invalid": (401, _l("Démarche non reconnue")),
    "wizard.expired": (401, _l("Démarche expirée")),
    "enrollment.password_required": (409, _l("Code personnel à choisir d'abord")),
    "enrollment.finished": (409, _l("Démarche déjà terminée")),
    "activation.token_invalid": (401, _l("Suivi de l'activation non reconnu")),
    "activation.token_expired": (401, _l("Suivi de l'activation expiré")),
    "activation.already_active": (409, _l("Compte déjà activé")),
    "throttled": (429, _l("Trop de tentatives")),
}
# Codes of ``errors[].code`` that describe the request's shape rather than a rule of a field.
SHAPE_ERRORS: dict[str, str] = {
    "field.wrong_type": _l("Ce champ n'a pas le bon type."),
    "field.unknown": _l("Ce champ n'est pas attendu."),
    "field.invalid_text": _l("Ce champ contient des caractères qui ne sont pas du texte valide."),
    "field.invalid_choice": _l("Cette valeur ne fait pas partie des choix possibles."),
}


@dataclass(frozen=True)
class FieldProblem:
    """Name one field at fault, the rule it breaks and the French message for it."""

    field: str
    code: str
    message: str

    @classmethod
    def of(cls, name: str, error: ValidationError) -> FieldProblem:
        """Describe the validation ``error`` of field ``name``."""
        return cls(field=name, code=error.code, message=str(error.message))


@dataclass
class Problem(Exception):
    """An API answer other than success; raise it from a view to send it."""

    code: str
    detail: str
    errors: tuple[FieldProblem, ...] = ()
    members: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.code)

    @property
    def status(self) -> int:
        return PROBLEMS[self.code][0]

    def as_json(self) -> dict[str, Any]:
        """Return the problem details object (RFC 9457 §3) with its extension members."""
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.code,
            "title": str(PROBLEMS[self.code][1]),
            "status": self.status,
            "detail": str(self.detail),
            "code": self.code,
        }
        if self.errors:
            body["errors"] = [
                {"field": error.field, "code": error.code, "message": str(error.message)}
                for error in self.errors
            ]
        body.update(self.members)
        return body

    def response(self) -> Response:
        """Return the ``application/problem+json`` response of this problem."""
        response = jsonify(self.as_json())
        response.status_code = self.status
        response.mimetype = MEDIA_TYPE
        response.headers["Cache-Control"] = "no-store"
        response.headers.update(self.headers)
        return response


def invalid_fields(errors: Iterable[FieldProblem]) -> Problem:
    """Return the problem of fields that break their rules (each one listed)."""
    return Problem(
        "fields.invalid",
        _l("Certaines informations sont à corriger : voyez le message de chaque champ."),
        errors=tuple(errors),
    )


def malformed(detail: str, errors: Iterable[FieldProblem] = ()) -> Problem:
    """Return the problem of a body that is not the JSON object the operation expects."""
    return Problem("request.malformed", detail, errors=tuple(errors))


def refused(error: EnrollmentRefused) -> Problem:
    """Return the problem of an eligibility refusal, with what the person can do next."""
    members: dict[str, Any] = {}
    if error.guidance:
        members["guidance"] = list(error.guidance)
    return Problem(error.code, error.message, members=members)


def throttled(error: Throttled, detail: str | None = None) -> Problem:
    """Return the problem of a blocked action, with when to try again (and ``Retry-After``)."""
    retry_at = error.retry_at.astimezone(UTC)
    # The rate limiter counts in real time, not in the application's (injectable) clock.
    seconds = max(1, math.ceil((retry_at - datetime.now(UTC)).total_seconds()))
    return Problem(
        "throttled",
        detail or error.message,
        members={"retry_at": retry_at.isoformat().replace("+00:00", "Z")},
        headers={"Retry-After": str(seconds)},
    )
