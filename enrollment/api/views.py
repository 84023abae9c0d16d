"""The mobile app's enrollment with Carte Vitale + IBAN: the web's steps, as JSON (SPEC §11).

Every rule, check, message, throttle and exclusion is the web's: these views only read
JSON, call the same functions as the web pages and answer with JSON. A refusal raised by
the domain is answered as the RFC 9457 problem of :mod:`enrollment.api.problems`. The state
of the enrollment travels in a bearer token (:mod:`enrollment.api.tokens`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Response
from flask import jsonify
from flask import request
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge

import accounts
from core.db import UNAVAILABLE
from core.db import db
from core.errors import Refusal
from core.errors import ServiceUnavailable
from core.fields import FieldErrors
from core.fields import ValidationError
from enrollment import card_and_bank
from enrollment import live
from enrollment.api import bp
from enrollment.api import openapi
from enrollment.api import tokens
from enrollment.api.problems import MAX_BODY_BYTES
from enrollment.api.problems import BodyNotJsonObject
from enrollment.api.problems import FieldProblem
from enrollment.api.problems import Problem
from enrollment.api.problems import RequestMalformed
from enrollment.api.problems import RequestTooLarge
from enrollment.api.problems import UnexpectedFields
from enrollment.api.problems import UnknownDestination
from enrollment.errors import EnrollmentFinished
from enrollment.errors import PasswordNotChosen
from enrollment.errors import WizardError
from enrollment.wizard import WizardState

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


@bp.errorhandler(Refusal)
def send_refusal(refusal: Refusal) -> Response:
    return Problem.of(refusal).response()


def send_unavailable(error: Exception) -> Response:
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone for good; nothing more to undo
        pass
    problem = Problem.of(ServiceUnavailable())
    problem.headers = {"Retry-After": str(ServiceUnavailable.retry_after)}
    return problem.response()


for _unavailable in UNAVAILABLE:
    bp.register_error_handler(_unavailable, send_unavailable)


@bp.errorhandler(RequestEntityTooLarge)
def body_too_large(error: RequestEntityTooLarge) -> Response:
    return Problem.of(RequestTooLarge()).response()


@bp.errorhandler(BadRequest)
def bad_request(error: BadRequest) -> Response:
    return Problem.of(RequestMalformed()).response()


@bp.after_request
def never_cache(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# --- Reading requests --------------------------------------------------------------------


def _body(fields: Mapping[str, FieldType], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return the JSON object of the request, each field of the expected type.

    :raises BodyNotJsonObject: the body is not a JSON object.
    :raises UnexpectedFields: listing every field missing, of the wrong type or unknown.
    """
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BodyNotJsonObject()
    errors = [FieldProblem.shape(name, "field.missing") for name in required if name not in payload]
    for name, value in payload.items():
        expected = fields.get(name)
        if expected is None:
            errors.append(FieldProblem.shape(name, "field.unknown"))
        elif not _has_type(value, expected):
            errors.append(FieldProblem.shape(name, "field.wrong_type"))
        elif isinstance(value, str) and _LONE_SURROGATE.search(value):
            errors.append(FieldProblem.shape(name, "field.invalid_text"))
    if errors:
        raise UnexpectedFields(errors)
    return payload


def _has_type(value: object, expected: FieldType) -> bool:
    allowed = expected if isinstance(expected, tuple) else (expected,)
    if value is None:
        return None in allowed
    # bool is an int and nothing else is a bool: compare exact types.
    return any(kind is not None and type(value) is kind for kind in allowed)


def _bearer_token(missing: Refusal) -> str:
    """Return the token of the ``Authorization: Bearer`` header.

    :raises Problem: of ``missing`` (401) when the header is absent or of another scheme.
    """
    match = _BEARER.fullmatch(request.headers.get("Authorization", ""))
    if match is None:
        problem = Problem.of(missing)
        problem.headers = {"WWW-Authenticate": "Bearer"}
        raise problem
    return match[1]


def _wizard_state(*, unfinished: bool = True) -> WizardState:
    """Return the enrollment of the bearer token.

    :raises WizardError: the token is missing, forged or expired.
    :raises EnrollmentFinished: when ``unfinished`` and the NIR has an account since.
    """
    state = tokens.load_wizard(_bearer_token(WizardError()))
    if unfinished and accounts.exists_for_nir(state.person.nir):
        raise EnrollmentFinished()
    return state


def _activation_account() -> accounts.Account:
    """Return the account of the bearer activation token.

    :raises tokens.ActivationTokenError: the token is missing, forged or expired.
    """
    return tokens.load_activation(_bearer_token(tokens.ActivationTokenError()))


def _client_ip() -> str:
    return request.remote_addr or "unknown"


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


def activation_status(account: accounts.Account) -> dict[str, Any]:
    """Describe where the activation of ``account`` stands, as the sign-in page would."""
    sent_at = account.activation_sent_at
    state = accounts.state_of(account)
    has_address = state is not accounts.ActivationState.ADDRESS_DELETED
    return {
        "state": state.value,
        "email": mask_email(account.email) if account.email and has_address else None,
        "sent_at": _timestamp(sent_at),
        "link_expires_at": _timestamp(sent_at + accounts.LINK_LIFETIME if sent_at else None),
        "address_kept_until": _timestamp(
            sent_at + accounts.ADDRESS_RETENTION if sent_at and has_address else None
        ),
        "activated_at": _timestamp(account.activated_at),
    }


def _activation(account: accounts.Account) -> dict[str, Any]:
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
    claim = card_and_bank.parse(typed, iso_dates=True)
    person = card_and_bank.verify(claim, _client_ip())
    return _json(_enrollment(WizardState(person=person), "password"))


@bp.get("/enrollment/password-rules")
def password_rules() -> Response:
    """List the rules of the code personnel and the strength levels, as the page shows them."""
    return _json(
        {
            "min_length": accounts.MIN_LENGTH,
            "max_length": accounts.MAX_LENGTH,
            "special_characters": "".join(sorted(accounts.SPECIAL_CHARACTERS)),
            "rules": [
                {"code": rule.code, "label": rule.label, "message": rule.message}
                for rule in accounts.RULES
            ],
            "strength_labels": list(accounts.STRENGTH_LABELS),
        }
    )


@bp.post("/enrollment/password-check")
def check_password() -> Response:
    """Tell which rules a candidate code breaks and how strong it is (the live indicator)."""
    state = _wizard_state()
    body = _body(PASSWORD_CHECK_FIELDS, required=("password",))
    answer = live.check_code_personnel(
        state.person, body.get("password") or "", body.get("confirmation"), _client_ip()
    )
    return _json(answer)


@bp.post("/enrollment/password")
def choose_password() -> Response:
    """Step 2: choose the code personnel (and its confirmation)."""
    state = _wizard_state()
    body = _body(PASSWORD_FIELDS)
    password = body.get("password") or ""
    verdict = accounts.evaluate(password, live.password_context(state.person))
    errors = [FieldProblem("password", code, message) for code, message in verdict.errors()]
    if not accounts.check_confirmation(password, body.get("confirmation") or ""):
        errors.append(
            FieldProblem("confirmation", accounts.CONFIRMATION_CODE, accounts.CONFIRMATION_MESSAGE)
        )
    if errors:
        raise Problem.of(FieldErrors({}), errors)
    chosen = state.with_password_hash(accounts.hash_code_personnel(password))
    answer = _enrollment(chosen, "contact")
    answer["strength"] = {"score": verdict.strength.score, "label": verdict.strength.label}
    return _json(answer)


@bp.post("/enrollment/account")
def create_account() -> Response:
    """Step 3: give contact details; create the pending account and send the activation mail."""
    # A retried step 3 must find its account: the "finished" check comes after creation.
    state = _wizard_state(unfinished=False)
    if not state.has_password:
        raise PasswordNotChosen()
    body = _body(CONTACT_FIELDS)
    details = accounts.parse_contact({name: body.get(name) for name in CONTACT_FIELDS})
    new = state.person.new_account(state.password_hash(), details)
    try:
        account = accounts.create(new, client_ip=_client_ip())
    except (accounts.EmailAlreadyUsed, accounts.AccountAlreadyExists) as error:
        # The same submission sent twice (a lost answer, retried) gets the same answer.
        if not accounts.is_same_submission(new):
            if isinstance(error, accounts.EmailAlreadyUsed):
                raise FieldErrors({"email": error}) from error
            raise EnrollmentFinished() from error
        existing = accounts.find_by_nir(state.person.nir)
        assert existing is not None  # is_same_submission found it
        account = existing
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
        raise UnknownDestination([FieldProblem.shape("destination", "field.invalid_choice")])
    new_email = (body.get("email") or "") if destination == "new" else None
    try:
        accounts.request_new_link(account, new_email, client_ip=_client_ip())
    except ValidationError as error:
        raise FieldErrors({"email": error}) from error
    return _json(_activation(account))
