"""The mobile app's enrollment with Carte Vitale + IBAN: the web's steps, as JSON (SPEC §11).

Every rule, check, message, throttle and exclusion is the web's: these views only read
JSON, call the same functions as ``enrollment.views`` and answer with JSON or an RFC 9457
problem. The state of the enrollment travels in a bearer token (``tokens``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge

from core import clock
from core.throttle import PARIS
from core.throttle import Limit
from core.throttle import Throttled
from core.throttle import get_throttle
from enrollment import accounts
from enrollment import activation
from enrollment import card_and_bank
from enrollment import contact
from enrollment import password as code_personnel
from enrollment.api import bp
from enrollment.api import openapi
from enrollment.api import tokens
from enrollment.api.problems import SHAPE_ERRORS
from enrollment.api.problems import FieldProblem
from enrollment.api.problems import Problem
from enrollment.api.problems import invalid_fields
from enrollment.api.problems import malformed
from enrollment.api.problems import refused
from enrollment.api.problems import throttled
from enrollment.contact import EmailAlreadyUsed
from enrollment.eligibility import AccountAlreadyExists
from enrollment.eligibility import EnrollmentRefused
from enrollment.models import Account
from enrollment.person import VerifiedPerson
from enrollment.validators import FieldErrors
from enrollment.validators import ValidationError
from enrollment.views import PASSWORD_CHECKS
from enrollment.wizard import WizardError
from enrollment.wizard import WizardState

# Bodies are a few short fields; anything bigger is refused before it is parsed.
MAX_BODY_BYTES = 16 * 1024
# A field type: str, bool, or (str, None) for an optional text that may be null.
FieldType = type | tuple[type | None, ...]
STEP1_FIELDS: dict[str, FieldType] = {name: str for name in card_and_bank.FIELDS}
PASSWORD_FIELDS: dict[str, FieldType] = {"password": str, "confirmation": str}
PASSWORD_CHECK_FIELDS: dict[str, FieldType] = {"password": str, "confirmation": (str, None)}
CONTACT_FIELDS: dict[str, FieldType] = {
    "email": str,
    "mobile_phone": (str, None),
    "landline_phone": (str, None),
    "marketing_consent": (bool, None),
}
RESEND_FIELDS: dict[str, FieldType] = {"destination": str, "email": (str, None)}
RESEND_DESTINATIONS = ("same", "new")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_BEARER = re.compile(r"Bearer +(\S+) *", re.IGNORECASE)


@bp.before_request
def limit_body_size() -> None:
    request.max_content_length = MAX_BODY_BYTES


@bp.errorhandler(Problem)
def send_problem(problem: Problem) -> Response:
    return problem.response()


@bp.errorhandler(RequestEntityTooLarge)
def body_too_large(error: RequestEntityTooLarge) -> Response:
    return Problem(
        "request.too_large",
        _("Le corps de la requête ne peut pas dépasser %(size)s Kio.", size=MAX_BODY_BYTES // 1024),
    ).response()


@bp.errorhandler(BadRequest)
def bad_request(error: BadRequest) -> Response:
    return malformed(_("La requête n'a pas pu être comprise.")).response()


@bp.after_request
def never_cache(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# --- Reading requests --------------------------------------------------------------------


def _body(fields: Mapping[str, FieldType]) -> dict[str, Any]:
    """Return the JSON object of the request, each field of the expected type.

    :raises Problem: ``request.malformed``, listing every field of the wrong type or unknown.
    """
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise malformed(_("Le corps de la requête doit être un objet JSON (application/json)."))
    errors: list[FieldProblem] = []
    for name, value in payload.items():
        expected = fields.get(name)
        if expected is None:
            errors.append(FieldProblem(name, "field.unknown", SHAPE_ERRORS["field.unknown"]))
        elif not _has_type(value, expected):
            errors.append(FieldProblem(name, "field.wrong_type", SHAPE_ERRORS["field.wrong_type"]))
        elif isinstance(value, str) and _LONE_SURROGATE.search(value):
            errors.append(
                FieldProblem(name, "field.invalid_text", SHAPE_ERRORS["field.invalid_text"])
            )
    if errors:
        raise malformed(_("Certains champs de la requête sont inattendus ou mal typés."), errors)
    return payload


def _has_type(value: object, expected: FieldType) -> bool:
    allowed = expected if isinstance(expected, tuple) else (expected,)
    if value is None:
        return None in allowed
    # bool is an int and nothing else is a bool: compare exact types.
    return any(kind is not None and type(value) is kind for kind in allowed)


def _bearer_token(code: str) -> str:
    """Return the token of the ``Authorization: Bearer`` header.

    :raises Problem: ``code`` (401) when the header is missing or of another scheme.
    """
    match = _BEARER.fullmatch(request.headers.get("Authorization", ""))
    if match is None:
        raise _token_problem(code, "Bearer")
    return match[1]


def _token_problem(code: str, challenge: str = 'Bearer error="invalid_token"') -> Problem:
    message = tokens.ActivationTokenError.message
    if code.startswith("wizard."):
        message = WizardError.message
    return Problem(code, message, headers={"WWW-Authenticate": challenge})


def _wizard_state(*, unfinished: bool = True) -> WizardState:
    """Return the enrollment of the bearer token.

    :raises Problem: ``wizard.invalid``, ``wizard.expired``, or ``enrollment.finished`` when
        ``unfinished`` and the NIR has an account since.
    """
    try:
        state = tokens.load_wizard(_bearer_token("wizard.invalid"))
    except WizardError as error:
        raise Problem(
            error.code, error.message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from error
    if unfinished and accounts.find_by_nir(state.person.nir) is not None:
        raise _finished()
    return state


def _finished() -> Problem:
    return Problem(
        "enrollment.finished", AccountAlreadyExists.message, members={"guidance": ["sign_in"]}
    )


def _activation_account() -> Account:
    """Return the account of the bearer activation token.

    :raises Problem: ``activation.token_invalid`` or ``activation.token_expired``.
    """
    try:
        return tokens.load_activation(_bearer_token("activation.token_invalid"))
    except tokens.ActivationTokenError as error:
        raise _token_problem(error.code) from error


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def _field_problems(errors: Mapping[str, ValidationError]) -> list[FieldProblem]:
    return [FieldProblem.of(name, error) for name, error in errors.items()]


def _json(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


# --- Answers -----------------------------------------------------------------------------


def _enrollment(state: WizardState, next_step: str) -> dict[str, Any]:
    person = state.person
    return {
        "enrollment_token": tokens.dump_wizard(state),
        "expires_in": tokens.wizard_max_age(),
        "next": next_step,
        "person": {
            "family_name": person.family_name,
            "usage_name": person.usage_name,
            "given_names": person.given_names,
        },
    }


def mask_email(email: str) -> str:
    """Return an address as the app may show it: ``p***@example.org``."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"


def _timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def activation_status(account: Account) -> dict[str, Any]:
    """Describe where the activation of ``account`` stands, as the sign-in page would."""
    sent_at = account.activation_sent_at
    state = activation.state_of(account)
    has_address = state is not activation.ActivationState.ADDRESS_DELETED
    return {
        "state": state.value,
        "email": mask_email(account.email) if account.email and has_address else None,
        "sent_at": _timestamp(sent_at),
        "link_expires_at": _timestamp(sent_at + activation.LINK_LIFETIME if sent_at else None),
        "address_kept_until": _timestamp(
            sent_at + activation.ADDRESS_RETENTION if sent_at and has_address else None
        ),
        "activated_at": _timestamp(account.activated_at),
    }


def _activation(account: Account) -> dict[str, Any]:
    return {
        "activation_token": tokens.dump_activation(account),
        "expires_in": tokens.activation_max_age(),
        "activation": activation_status(account),
    }


# --- Routes ------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """Serve the OpenAPI 3.1 description of this API."""
    response = _json(openapi.document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.post("/enrollment/identity")
def verify_identity() -> Response:
    """Step 1: check who the person is with NIR, name, birth date, IBAN and Vitale endings."""
    body = _body(STEP1_FIELDS)
    typed = {name: body.get(name) or "" for name in card_and_bank.FIELDS}
    try:
        claim = card_and_bank.parse(typed, clock.now().astimezone(PARIS).date(), iso_dates=True)
        person = card_and_bank.verify(claim, _client_ip())
    except FieldErrors as error:
        raise invalid_fields(_field_problems(error.errors)) from error
    except Throttled as error:
        raise throttled(error) from error
    except EnrollmentRefused as error:
        raise refused(error) from error
    return _json(_enrollment(WizardState(person=person), "password"))


@bp.get("/enrollment/password-rules")
def password_rules() -> Response:
    """List the rules of the code personnel and the strength levels, as the page shows them."""
    return _json(
        {
            "min_length": code_personnel.MIN_LENGTH,
            "max_length": code_personnel.MAX_LENGTH,
            "special_characters": "".join(sorted(code_personnel.SPECIAL_CHARACTERS)),
            "rules": [
                {"code": rule.code, "label": rule.label, "message": rule.message}
                for rule in code_personnel.RULES
            ],
            "strength_labels": list(code_personnel.STRENGTH_LABELS),
        }
    )


def _password_context(person: VerifiedPerson) -> code_personnel.PasswordContext:
    return code_personnel.PasswordContext(
        nir=person.nir, birth_date=person.birth_date, names=person.names
    )


@bp.post("/enrollment/password-check")
def check_password() -> Response:
    """Tell which rules a candidate code breaks and how strong it is (the live indicator)."""
    state = _wizard_state()
    body = _body(PASSWORD_CHECK_FIELDS)
    # The web's limit, on the same counter: zxcvbn runs under a lock and can be slow.
    limit = (Limit(PASSWORD_CHECKS, current_app.config["ENROLLMENT_PASSWORD_CHECKS"]), _client_ip())
    try:
        get_throttle().spend(limit)
    except Throttled as error:
        raise throttled(
            error, _("Trop de vérifications en peu de temps : patientez quelques instants.")
        ) from error
    password = body.get("password") or ""
    answer = code_personnel.evaluate(password, _password_context(state.person)).as_json()
    confirmation = body.get("confirmation")
    if confirmation is not None:
        answer["confirmation_matches"] = code_personnel.check_confirmation(password, confirmation)
    return _json(answer)


@bp.post("/enrollment/password")
def choose_password() -> Response:
    """Step 2: choose the code personnel (and its confirmation)."""
    state = _wizard_state()
    body = _body(PASSWORD_FIELDS)
    password = body.get("password") or ""
    verdict = code_personnel.evaluate(password, _password_context(state.person))
    errors = [FieldProblem("password", code, message) for code, message in verdict.errors()]
    if not code_personnel.check_confirmation(password, body.get("confirmation") or ""):
        errors.append(
            FieldProblem(
                "confirmation",
                code_personnel.CONFIRMATION_CODE,
                code_personnel.CONFIRMATION_MESSAGE,
            )
        )
    if errors:
        raise invalid_fields(errors)
    chosen = state.with_password_hash(code_personnel.get_hasher().hash(password))
    answer = _enrollment(chosen, "contact")
    answer["strength"] = {"score": verdict.strength.score, "label": verdict.strength.label}
    return _json(answer)


@bp.post("/enrollment/account")
def create_account() -> Response:
    """Step 3: give contact details; create the pending account and send the activation mail."""
    # A retried step 3 must find its account: the "finished" check comes after creation.
    state = _wizard_state(unfinished=False)
    if not state.has_password:
        raise Problem(
            "enrollment.password_required",
            _("Choisissez d'abord votre code personnel (étape 2)."),
        )
    body = _body(CONTACT_FIELDS)
    typed = {name: body.get(name) for name in CONTACT_FIELDS}
    try:
        details = contact.parse(typed)
    except FieldErrors as error:
        raise invalid_fields(_field_problems(error.errors)) from error
    try:
        account = accounts.create_account(state.person, state.password_hash(), details)
    except (EmailAlreadyUsed, AccountAlreadyExists) as error:
        # The same submission sent twice (a lost answer, retried) gets the same answer.
        if not accounts.is_same_submission(state.person, details):
            if isinstance(error, EmailAlreadyUsed):
                raise invalid_fields([FieldProblem.of("email", error)]) from error
            raise _finished() from error
        existing = accounts.find_by_nir(state.person.nir)
        assert existing is not None  # is_same_submission found it
        account = existing
    except WizardError as error:
        raise Problem(error.code, error.message) from error
    return _json(_activation(account), 201)


@bp.get("/activation")
def activation_state() -> Response:
    """Tell where the activation stands: awaiting the click, link expired, address deleted."""
    return _json(_activation(_activation_account()))


@bp.post("/activation/resend")
def resend_activation() -> Response:
    """Send a new activation link, to the same address or to a new one."""
    account = _activation_account()
    body = _body(RESEND_FIELDS)
    destination = body.get("destination")
    if destination not in RESEND_DESTINATIONS:
        raise malformed(
            _("Indiquez « same » (même adresse) ou « new » (nouvelle adresse)."),
            [
                FieldProblem(
                    "destination", "field.invalid_choice", SHAPE_ERRORS["field.invalid_choice"]
                )
            ],
        )
    if activation.state_of(account) is activation.ActivationState.ACTIVE:
        raise Problem(
            "activation.already_active",
            _(
                "Votre compte est déjà activé : votre adresse électronique est validée. "
                "Connectez-vous avec votre numéro de sécurité sociale et votre code personnel."
            ),
            members={"guidance": ["sign_in"]},
        )
    new_email = (body.get("email") or "") if destination == "new" else None
    try:
        activation.request_new_link(account, new_email)
    except ValidationError as error:
        raise invalid_fields([FieldProblem.of("email", error)]) from error
    except Throttled as error:
        raise throttled(error) from error
    return _json(_activation(account))
