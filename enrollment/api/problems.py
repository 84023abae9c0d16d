"""Errors of the mobile API as RFC 9457 problem details, one stable ``code`` per problem.

Every problem is a refusal of the domain (:class:`core.errors.Refusal`): its class gives the
``code``, the ``status`` and the ``title``; its message is the ``detail``, the text the web
shows for the same rule. :data:`PROBLEMS` is the whole list: the API answers nothing else,
the OpenAPI document enumerates exactly these codes (:mod:`enrollment.api.openapi` reads
them from here), and a test checks that each operation documents the statuses its codes
carry. Views simply let refusals propagate; :meth:`Problem.of` turns one into its answer.

A problem carries ``type`` (``https://ameli.example/problems/<code>``), ``title``,
``status``, ``detail``, ``code`` and, as the refusal calls for, ``errors``
(``[{field, code, message}]``), ``guidance`` and ``retry_at`` (with ``Retry-After``).
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
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

import accounts
from core.errors import Refusal
from core.errors import ServiceUnavailable
from core.fields import FieldErrors
from core.fields import ValidationError
from core.throttle import Throttled
from enrollment.api.tokens import ActivationTokenError
from enrollment.api.tokens import ActivationTokenExpired
from enrollment.errors import EnrollmentFinished
from enrollment.errors import IdentityNotRecognised
from enrollment.errors import NirNotCertified
from enrollment.errors import NoActiveVitaleCard
from enrollment.errors import NoBankDetails
from enrollment.errors import PasswordNotChosen
from enrollment.errors import RegimeNotEligible
from enrollment.errors import WizardError
from enrollment.errors import WizardExpired

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://ameli.example/problems/"
# Bodies are a few short fields; anything bigger is refused before it is parsed.
MAX_BODY_BYTES = 16 * 1024


# --- Refusals of the API itself ---------------------------------------------------------


class RequestMalformed(Refusal):
    """The request is not what the operation reads."""

    code = "request.malformed"
    status = 400
    title = _l("Requête incorrecte")
    message = _l("La requête n'a pas pu être comprise.")

    def __init__(self, errors: Iterable[FieldProblem] = ()) -> None:
        super().__init__(self.code)
        self.errors = tuple(errors)


class BodyNotJsonObject(RequestMalformed):
    message = _l("Le corps de la requête doit être un objet JSON (application/json).")


class UnexpectedFields(RequestMalformed):
    message = _l("Certains champs de la requête sont inattendus ou mal typés.")


class UnknownDestination(RequestMalformed):
    message = _l("Indiquez « same » (même adresse) ou « new » (nouvelle adresse).")


class RequestTooLarge(Refusal):
    code = "request.too_large"
    status = 413
    title = _l("Requête trop volumineuse")

    @property
    def message(self) -> str:  # type: ignore[override]
        return gettext(
            "Le corps de la requête ne peut pas dépasser %(size)s Kio.",
            size=MAX_BODY_BYTES // 1024,
        )


# The whole list of problems, in the order of the OpenAPI document.
PROBLEMS: tuple[type[Refusal], ...] = (
    RequestMalformed,
    RequestTooLarge,
    FieldErrors,
    IdentityNotRecognised,
    RegimeNotEligible,
    NirNotCertified,
    NoBankDetails,
    NoActiveVitaleCard,
    accounts.AccountAlreadyExists,
    WizardError,
    WizardExpired,
    PasswordNotChosen,
    EnrollmentFinished,
    ActivationTokenError,
    ActivationTokenExpired,
    accounts.AccountAlreadyActive,
    Throttled,
    ServiceUnavailable,
)
# Codes of ``errors[].code`` that describe the request's shape rather than a rule of a field.
SHAPE_ERRORS: dict[str, str] = {
    "field.missing": _l("Ce champ est obligatoire."),
    "field.wrong_type": _l("Ce champ n'a pas le bon type."),
    "field.unknown": _l("Ce champ n'est pas attendu."),
    "field.invalid_text": _l("Ce champ contient des caractères qui ne sont pas du texte valide."),
    "field.invalid_choice": _l("Cette valeur ne fait pas partie des choix possibles."),
}


def kind_of(refusal: Refusal | type[Refusal]) -> type[Refusal]:
    """Return the problem of :data:`PROBLEMS` that ``refusal`` is (itself or an ancestor).

    :raises LookupError: the refusal is not one the API documents (a defect of ours).
    """
    refusal_class = refusal if isinstance(refusal, type) else type(refusal)
    for cls in refusal_class.__mro__:
        if cls in PROBLEMS:
            return cls
    raise LookupError(f"{refusal_class.__name__} is not a documented problem of the API")


@dataclass(frozen=True)
class FieldProblem:
    """Name one field at fault, the rule it breaks and the message for it."""

    field: str
    code: str
    message: str

    @classmethod
    def of(cls, name: str, error: ValidationError) -> FieldProblem:
        """Describe the validation ``error`` of field ``name``."""
        return cls(field=name, code=error.code, message=str(error.message))

    @classmethod
    def shape(cls, name: str, code: str) -> FieldProblem:
        """Describe a field of the wrong type, unknown, or of a choice not offered."""
        return cls(field=name, code=code, message=SHAPE_ERRORS[code])


@dataclass
class Problem(Exception):
    """An API answer other than success: one refusal, with what the app needs to go on."""

    kind: type[Refusal]
    detail: str
    errors: tuple[FieldProblem, ...] = ()
    members: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.kind.code)

    @classmethod
    def of(cls, refusal: Refusal, errors: Iterable[FieldProblem] = ()) -> Problem:
        """Return the problem of ``refusal``, with its fields, guidance and retry time.

        :raises LookupError: the refusal is not one the API documents.
        """
        problems = tuple(errors)
        if not problems and isinstance(refusal, FieldErrors):
            problems = tuple(FieldProblem.of(name, error) for name, error in refusal.errors.items())
        if not problems and isinstance(refusal, RequestMalformed):
            problems = refusal.errors
        members: dict[str, Any] = {}
        headers: dict[str, str] = {}
        if refusal.guidance:
            members["guidance"] = list(refusal.guidance)
        if isinstance(refusal, Throttled):
            retry_at = refusal.retry_at.astimezone(UTC)
            # The rate limiter counts in real time, not in the application's clock.
            seconds = max(1, math.ceil((retry_at - datetime.now(UTC)).total_seconds()))
            members["retry_at"] = retry_at.isoformat().replace("+00:00", "Z")
            headers["Retry-After"] = str(seconds)
        if isinstance(refusal, WizardError | ActivationTokenError):
            headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return cls(kind_of(refusal), str(refusal.message), problems, members, headers)

    @property
    def status(self) -> int:
        return self.kind.status

    def as_json(self) -> dict[str, Any]:
        """Return the problem details object (RFC 9457 §3) with its extension members."""
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.kind.code,
            "title": str(self.kind.title),
            "status": self.status,
            "detail": str(self.detail),
            "code": self.kind.code,
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
