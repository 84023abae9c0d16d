"""The sign-in page (NIR + code personnel), the pending account's page, sign-out."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.throttle import Throttled
from core.urls import safe_next
from enrollment import activation
from enrollment.forms import ResendForm
from enrollment.models import Account
from enrollment.registry import get_registry
from enrollment.validators import ValidationError
from idp import session as sso
from idp import storage
from idp.authentication import SignInFailed
from idp.authentication import authenticate
from idp.forms import SignInForm

bp = Blueprint("signin", __name__, template_folder="templates")
Page = str | Response | tuple[str, int]


def login_hint(hint: str | None) -> str | None:
    """Return an OIDC ``login_hint`` worth pre-filling: one that looks like a NIR."""
    if not hint:
        return None
    compact = "".join(hint.split()).upper()
    if 13 <= len(compact) <= 15 and compact[:5].isdigit() and compact[7:].isdigit():
        return compact
    return None


@bp.route("/connexion", methods=["GET", "POST"])
def sign_in() -> Page:
    """Sign in with NIR + code personnel."""
    form = SignInForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        form.nir.data = login_hint(request.args.get("login_hint"))
    errors: dict[str, ValidationError] = {}
    failure: str | None = None
    if form.validate_on_submit():
        try:
            account = authenticate(
                form.nir.data or "", form.password.data or "", request.remote_addr or "unknown"
            )
        except ValidationError as error:
            errors = {"nir": error}
        except (SignInFailed, Throttled) as error:
            failure = error.message
        else:
            sso.sign_in(account)
            if account.status is not account.status.ACTIVE:
                return redirect(url_for(".pending"))
            return redirect(safe_next(form.next.data) or url_for(".account"))
    status = 422 if errors or failure else 200
    return render_template("idp/sign_in.html", form=form, errors=errors, failure=failure), status


@bp.route("/connexion/activation", methods=["GET", "POST"])
def pending() -> Page:
    """Show a pending account what to do now: wait for the link, or get a new one."""
    account = sso.pending_account()
    if account is None:
        return redirect(url_for(".sign_in"))
    state = activation.state_of(account)
    if state is activation.ActivationState.ACTIVE:
        sso.sign_in(account)
        return redirect(url_for(".account"))
    form = ResendForm()
    errors: dict[str, ValidationError] = {}
    refusal: str | None = None
    if form.validate_on_submit():
        new_email = form.email.data or "" if form.destination.data == "new" else None
        try:
            activation.request_new_link(account, new_email)
        except ValidationError as error:
            errors = {"email": error}
        except Throttled as error:
            refusal = error.message
        else:
            return redirect(url_for(".pending", sent=1))
    return render_template(
        "idp/pending.html",
        account=account,
        state=state,
        form=form,
        errors=errors,
        refusal=refusal,
        sent=bool(request.args.get("sent")),
    ), 422 if errors or refusal else 200


@bp.get("/mon-compte")
def account() -> Page:
    """Show the signed-in person their account."""
    current: Account | None = sso.current_account()
    if current is None:
        return redirect(url_for(".sign_in", next=request.path))
    return render_template(
        "idp/account.html",
        account=current,
        person=get_registry().find(current.nir),
        consents=storage.consents_of(current),
    )


@bp.post("/mon-compte/autorisations/<int:consent_id>/retrait")
def revoke_consent(consent_id: int) -> Response:
    """Withdraw a partner's authorisation, and the tokens it holds."""
    current: Account | None = sso.current_account()
    if current is None:
        return redirect(url_for(".sign_in"))
    if storage.revoke_consent(current, consent_id):
        flash(_("L'autorisation a été retirée."), "info")
    return redirect(url_for(".account"))


@bp.post("/deconnexion")
def sign_out() -> Response:
    """Sign out of ameli on this browser."""
    sso.sign_out()
    flash(_("Vous êtes déconnecté de votre compte ameli."), "info")
    return redirect(url_for(".sign_in"))
