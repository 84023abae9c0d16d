"""The sign-in page (NIR + code personnel), where the provider and ameli's own pages send a
person who must sign in; the account signs them in."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

import accounts
from core.fields import ValidationError
from core.http import no_store
from core.throttle import Throttled
from core.urls import safe_next
from idp.forms import SignInForm

bp = Blueprint("signin", __name__, template_folder="templates")
bp.after_request(no_store)
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
            account = accounts.authenticate(
                form.nir.data or "", form.password.data or "", request.remote_addr or "unknown"
            )
        except ValidationError as error:
            errors = {"nir": error}
        except (accounts.SignInFailed, Throttled) as error:
            failure = error.message
        else:
            accounts.sign_in(account)
            if account.status is not accounts.AccountStatus.ACTIVE:
                return redirect(url_for("accounts.pending"))
            return redirect(safe_next(form.next.data) or url_for("accounts.account"))
    status = 422 if errors or failure else 200
    return render_template("idp/sign_in.html", form=form, errors=errors, failure=failure), status
