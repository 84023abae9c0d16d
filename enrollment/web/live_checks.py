"""Routes of the forms' live checks; what they answer is :mod:`enrollment.live`'s."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import flash
from flask import jsonify
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from enrollment import card_and_bank
from enrollment import live
from enrollment import wizard
from enrollment.errors import WizardError

bp = Blueprint("live_checks", __name__, url_prefix="/creation-compte")
# Where the web keeps its enrollment token: the session cookie (see enrollment.web.views).
WIZARD = "enrollment.wizard"


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def _answer(body: dict[str, object], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(live.TooManyChecks)
def too_many_checks(error: live.TooManyChecks) -> Response:
    """Answer a live check that came too often (the page simply stops updating)."""
    return _answer({"error": "too_many_checks"}, 429)


@bp.errorhandler(WizardError)
def enrollment_lost(error: WizardError) -> WerkzeugResponse:
    """Send a check of the code personnel whose enrollment is gone back to the start."""
    session.pop(WIZARD, None)
    flash(str(error.message), "warning")
    return redirect(url_for("enrollment.start"))


@bp.post("/verification/carte-vitale")
def card_and_bank_fields() -> Response:
    """Return the message of every malformed field of step 1, as typed so far."""
    typed = {name: request.form.get(name, "") for name in card_and_bank.FIELDS}
    return _answer({"errors": live.check_step1_fields(typed, _client_ip())})


@bp.post("/code-personnel/verification")
def password_check() -> Response:
    """Tell the live indicator which rules a candidate code breaks, and its strength."""
    token = session.get(WIZARD)
    if not token:
        raise WizardError()
    state = wizard.load(token)
    payload = request.get_json(silent=True)
    data = payload if isinstance(payload, dict) else {}
    confirmation = data.get("confirmation")
    answer = live.check_code_personnel(
        state.person,
        str(data.get("password") or ""),
        None if confirmation is None else str(confirmation),
        _client_ip(),
    )
    return _answer(answer)
