"""Pages of the account: activation links, the pending account's page, "Mon compte",
sign-out, and "consultez votre messagerie".

Other packages add their part to "Mon compte" with :func:`add_page_section` (the identity
the caisse knows, the partner sites allowed), so that this page never reaches up to them.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from accounts import activation
from accounts import errors as errors_module
from accounts import links
from accounts import sessions
from accounts.forms import ResendForm
from accounts.mail import get_settings as mail_settings
from accounts.models import Account
from accounts.models import LinkPurpose
from core.fields import ValidationError
from core.http import no_store
from core.throttle import Throttled

bp = Blueprint("accounts", __name__, template_folder="templates")
bp.after_request(no_store)
Page = str | Response | tuple[str, int]
SECTIONS = "ameli.accounts.page_sections"


@dataclass(frozen=True)
class PageSection:
    """A part of "Mon compte" that another package fills in.

    ``context`` gives the values the page shows for an account (merged into the page's);
    ``template``, when given, is included in the page with them.
    """

    context: Callable[[Account], Mapping[str, Any]]
    template: str | None = None


def add_page_section(app: Flask, section: PageSection) -> None:
    """Add ``section`` to the "Mon compte" page of ``app``, after those added before."""
    app.extensions.setdefault(SECTIONS, []).append(section)


def _client_ip() -> str:
    return request.remote_addr or "unknown"


@bp.route("/creation-compte/activation/<token>", methods=["GET", "POST"])
def activate(token: str) -> Page:
    """Activate with an emailed link, or offer to send a new one when it cannot."""
    if request.method == "POST":
        return _resend(token)
    try:
        activation.activate(token)
    except errors_module.ActivationLinkUnknown:
        return render_template("accounts/activation_unknown.html"), 404
    except errors_module.ActivationLinkUsed:
        return render_template("accounts/activated.html", already=True)
    except errors_module.ActivationLinkRefused as refused:
        return _resend_page(token, refused.account, ResendForm(), {}), 410
    return render_template("accounts/activated.html", already=False)


def _resend_page(
    token: str,
    account: Account,
    form: ResendForm,
    errors: dict[str, ValidationError],
    refusal: str | None = None,
) -> str:
    link = activation.find_link(token)
    return render_template(
        "accounts/resend.html",
        token=token,
        form=form,
        errors=errors,
        state=activation.state_of(account),
        account=account,
        refusal=refusal,
        address_change=activation.is_latest(link),
    )


def _resend(token: str) -> Page:
    try:
        link = activation.find_link(token)
    except errors_module.ActivationLinkUnknown:
        return render_template("accounts/activation_unknown.html"), 404
    account = link.account
    form = ResendForm()
    form.validate_on_submit()  # binds the data; CSRF was checked by CSRFProtect
    try:
        activation.request_new_link(account, form.new_email, client_ip=_client_ip(), via_link=link)
    except errors_module.AccountAlreadyActive:
        return render_template("accounts/activated.html", already=True)
    except ValidationError as error:
        return _resend_page(token, account, form, {"email": error}), 422
    except (Throttled, errors_module.AddressChangeRefused) as error:
        status = 429 if isinstance(error, Throttled) else 403
        return _resend_page(token, account, form, {}, error.message), status
    if account.email:
        sessions.remember_mailbox(account.email)
    return redirect(url_for(".check_mailbox"))


@bp.get("/connexion/deblocage/<token>")
def unlock(token: str) -> Page:
    """Let the owner of a blocked account sign in from this browser despite the block."""
    try:
        link = links.redeem(token, LinkPurpose.UNLOCK)
    except errors_module.LinkError as refused:
        return render_template("accounts/link_refused.html", refusal=refused), refused.status
    sessions.grant_unlock(link.account_id, link.id, link.expires_at)
    flash(
        _(
            "Vous pouvez maintenant vous connecter depuis ce navigateur avec votre numéro de "
            "sécurité sociale et votre code personnel."
        ),
        "info",
    )
    return redirect(url_for(sessions.SIGN_IN_ENDPOINT))


@bp.get("/creation-compte/consultez-votre-messagerie")
def check_mailbox() -> str:
    """Tell the person to open the link we emailed."""
    mail = mail_settings()
    return render_template(
        "accounts/check_mailbox.html",
        email=sessions.remembered_mailbox(),
        outbox_dir=mail.outbox_dir if mail.to_files else None,
    )


@bp.route("/connexion/activation", methods=["GET", "POST"])
def pending() -> Page:
    """Show a pending account what to do now: wait for the link, or get a new one."""
    account = sessions.pending_account()
    if account is None:
        return redirect(url_for(sessions.SIGN_IN_ENDPOINT))
    state = activation.state_of(account)
    if state is activation.ActivationState.ACTIVE:
        sessions.sign_in(account)
        return redirect(url_for(".account"))
    form = ResendForm()
    errors: dict[str, ValidationError] = {}
    refusal: str | None = None
    if form.validate_on_submit():
        try:
            activation.request_new_link(account, form.new_email, client_ip=_client_ip())
        except errors_module.AccountAlreadyActive:
            # The link was clicked meanwhile, in another tab or on another device.
            sessions.sign_in(account)
            return redirect(url_for(".account"))
        except ValidationError as error:
            errors = {"email": error}
        except Throttled as error:
            refusal = error.message
        else:
            return redirect(url_for(".pending", sent=1))
    return render_template(
        "accounts/pending.html",
        account=account,
        state=state,
        form=form,
        errors=errors,
        refusal=refusal,
        sent=bool(request.args.get("sent")),
    ), 422 if errors or refusal else 200


@bp.get("/mon-compte")
@sessions.login_required
def account() -> Page:
    """Show the signed-in person their account, with what other packages add to it."""
    current = sessions.current_account()
    assert current is not None  # login_required
    values: dict[str, Any] = {}
    templates: list[str] = []
    for section in current_app.extensions.get(SECTIONS, []):
        values.update(section.context(current))
        if section.template:
            templates.append(section.template)
    return render_template("accounts/account.html", account=current, sections=templates, **values)


@bp.post("/deconnexion")
def sign_out() -> Response:
    """Sign out of ameli on this browser."""
    sessions.sign_out()
    flash(_("Vous êtes déconnecté de votre compte ameli."), "info")
    return redirect(url_for(sessions.SIGN_IN_ENDPOINT))
