"""Live validation of the step-1 form, by the very checks the submit runs.

The page's script posts what is typed so far; the answer gives each malformed field's
message. Only the shape of each field is checked here, never the registry, so nothing
about anyone leaks, and no rule exists twice (in Python and in JavaScript).
"""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request

from core import clock
from core.throttle import PARIS
from core.throttle import Limit
from core.throttle import Throttled
from core.throttle import get_throttle
from enrollment import card_and_bank
from enrollment.validators import FieldErrors
from enrollment.views import too_many_checks

bp = Blueprint("live_checks", __name__, url_prefix="/creation-compte/verification")
FIELD_CHECKS = "enrollment.field_check.ip"


@bp.post("/carte-vitale")
def card_and_bank_fields() -> Response:
    """Return the message of every malformed field of step 1, as typed so far."""
    limit = (
        Limit(FIELD_CHECKS, current_app.config["ENROLLMENT_FIELD_CHECKS"]),
        request.remote_addr or "unknown",
    )
    try:
        get_throttle().spend(limit)
    except Throttled:
        return too_many_checks()
    typed = {name: request.form.get(name, "") for name in card_and_bank.FIELDS}
    errors: dict[str, str] = {}
    try:
        card_and_bank.parse(typed, clock.now().astimezone(PARIS).date())
    except FieldErrors as error:
        errors = {name: str(problem.message) for name, problem in error.errors.items()}
    response = jsonify(errors=errors)
    response.headers["Cache-Control"] = "no-store"
    return response
