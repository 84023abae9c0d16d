"""FranceConnect sign-in and logout pages of the relying party (SPEC §5.1).

Every failure ends on a page of this service, in French, and in the log with its code.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from werkzeug.wrappers import Response

from core.http import no_store
from franceconnect import errors
from franceconnect import session as fc_session
from franceconnect.client import FranceConnectClient
from franceconnect.client import get_client
from franceconnect.settings import get_settings

log = logging.getLogger(__name__)
bp = Blueprint("franceconnect", __name__, url_prefix="/franceconnect", template_folder="templates")
bp.after_request(no_store)
# Where a verified identity goes next: the FranceConnect path of enrollment (by name only).
AFTER_SIGN_IN = "enrollment.franceconnect_nir_step"


def _client() -> FranceConnectClient:
    settings = get_settings()
    if settings is None:
        raise errors.NotConfigured("no FranceConnect settings")
    return get_client(settings)


@bp.errorhandler(errors.FranceConnectError)
def failed(error: errors.FranceConnectError) -> tuple[str, int]:
    """Show what went wrong in French; log the code and the technical detail."""
    log.warning("FranceConnect %s failed: %s (%s)", request.endpoint, error.code, error.detail)
    # After a logout, the person still has somewhere to go: the page they were heading to.
    then = _after_logout() if isinstance(error, errors.LogoutStateMismatch) else None
    return render_template("franceconnect/error.html", error=error, then=then), error.status


@bp.post("/connexion")
def start() -> Response:
    """Send the browser to FranceConnect with a fresh ``state`` and ``nonce``.

    :raises FranceConnectError: when FranceConnect is off or unreachable.
    """
    authorization = _client().authorization_request()
    for key in (fc_session.IDENTITY, fc_session.ID_TOKEN):
        session.pop(key, None)
    session[fc_session.PENDING] = {"state": authorization.state, "nonce": authorization.nonce}
    return redirect(authorization.url)


@bp.get("/callback")
def callback() -> Response:
    """Check the return from FranceConnect, then verify the tokens and the identity.

    :raises FranceConnectError: the subclass naming the first check that failed.
    """
    pending = session.pop(fc_session.PENDING, None)
    expected = pending.get("state") if isinstance(pending, dict) else None
    received = request.args.get("state", "")
    if not (
        isinstance(expected, str) and hmac.compare_digest(expected.encode(), received.encode())
    ):
        raise errors.StateMismatch("state absent or different from the one sent")
    error = request.args.get("error")
    if error == "access_denied":
        raise errors.AccessDenied("the person cancelled")
    if error:
        raise errors.ProviderError(f"error={error!r} {request.args.get('error_description')!r}")
    code = request.args.get("code")
    if not code:
        raise errors.ProviderError("callback without code")
    sign_in = _client().sign_in(code, str(pending["nonce"]))
    fc_session.save_sign_in(sign_in.identity, sign_in.id_token)
    log.info("FranceConnect sign-in verified (sub %s…)", sign_in.identity.sub[:8])
    return redirect(url_for(AFTER_SIGN_IN))


@bp.get("/deconnexion")
def logout() -> Response:
    """Sign the person out of FranceConnect (``end_session`` with ``id_token_hint``)."""
    id_token = session.pop(fc_session.ID_TOKEN, None)
    session.pop(fc_session.IDENTITY, None)
    if not id_token:
        return redirect(_after_logout())
    state = secrets.token_hex(32)
    try:
        url = _client().logout_url(id_token, state)
    except errors.FranceConnectError as error:
        # The local session is gone already; do not hold the person on an error page.
        log.warning("FranceConnect logout skipped: %s (%s)", error.code, error.detail)
        return redirect(_after_logout())
    session[fc_session.LOGOUT_STATE] = state
    return redirect(url)


@bp.get("/deconnexion/retour")
def logout_return() -> Response:
    """Check the ``state`` FranceConnect returns after logout, then go on.

    :raises LogoutStateMismatch: when it is not the one sent.
    """
    expected = session.pop(fc_session.LOGOUT_STATE, None)
    received = request.args.get("state", "")
    if not (
        isinstance(expected, str) and hmac.compare_digest(expected.encode(), received.encode())
    ):
        raise errors.LogoutStateMismatch("logout state absent or different")
    return redirect(_after_logout())


def _after_logout() -> str:
    then = session.pop(fc_session.AFTER_LOGOUT, None)
    # Only a path of this service: never an address from elsewhere.
    if isinstance(then, str) and then.startswith("/") and not then.startswith(("//", "/\\")):
        return then
    return url_for("pages.home")
