"""Web pages of enrollment: the three steps, the check-your-mailbox page, activation links."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from core import clock
from core.language import clear_session
from core.throttle import PARIS
from core.throttle import Limit
from core.throttle import Throttled
from core.throttle import get_throttle
from enrollment import accounts
from enrollment import activation
from enrollment import card_and_bank
from enrollment import contact
from enrollment import franceconnect_path
from enrollment import password as code_personnel
from enrollment import wizard
from enrollment.contact import EmailAlreadyUsed
from enrollment.eligibility import AccountAlreadyExists
from enrollment.eligibility import EnrollmentRefused
from enrollment.eligibility import IdentityNotRecognised
from enrollment.forms import CardAndBankForm
from enrollment.forms import ContactForm
from enrollment.forms import PasswordForm
from enrollment.forms import ResendForm
from enrollment.person import VerifiedPerson
from enrollment.validators import FieldErrors
from enrollment.validators import ValidationError
from enrollment.wizard import WizardError
from enrollment.wizard import WizardState
from franceconnect import session as franceconnect_session

bp = Blueprint(
    "enrollment",
    __name__,
    url_prefix="/creation-compte",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
WIZARD = "enrollment.wizard"
DONE = "enrollment.done"
PASSWORD_CHECKS = "enrollment.password_check.ip"
Page = str | WerkzeugResponse | tuple[str, int]


def _state() -> WizardState:
    token = session.get(WIZARD)
    if not token:
        raise WizardError()
    return wizard.load(token)


def _save(state: WizardState) -> None:
    session[WIZARD] = state.dump()


def too_many_checks() -> Response:
    """Answer a live check that came too often (the page simply stops updating)."""
    response = jsonify(error="too_many_checks")
    response.status_code = 429
    return response


def _typed_at_step1() -> dict[str, str]:
    """Return what was typed at step 1 of an enrollment in progress, to refill the form."""
    previous = session.get(WIZARD)
    if not previous:
        return {}
    try:
        return wizard.load(previous).step1
    except WizardError:
        session.pop(WIZARD, None)
        return {}


def _client_ip() -> str:
    return request.remote_addr or "unknown"


@bp.errorhandler(WizardError)
def wizard_lost(error: WizardError) -> WerkzeugResponse:
    session.pop(WIZARD, None)
    flash(str(error.message), "warning")
    return redirect(url_for(".start"))


@bp.get("/")
def start() -> str:
    """Offer the two ways of creating an account."""
    return render_template("enrollment/start.html")


@bp.get("/sans-numero-de-serie")
def no_serial_number() -> str:
    """Explain what to do without the Vitale card's serial number."""
    return render_template("enrollment/no_serial_number.html")


@bp.route("/carte-vitale", methods=["GET", "POST"])
def card_and_bank_step() -> Page:
    """Step 1 with Carte Vitale + IBAN: who are you."""
    form = CardAndBankForm()
    errors: dict[str, ValidationError] = {}
    refusal: str | None = None
    if request.method == "GET":
        form.process(data=_typed_at_step1())
    elif form.validate_on_submit():
        typed = {name: (form[name].data or "") for name in card_and_bank.FIELDS}
        try:
            claim = card_and_bank.parse(typed, clock.now().astimezone(PARIS).date())
            person = card_and_bank.verify(claim, _client_ip())
        except FieldErrors as error:
            errors = error.errors
        except Throttled as error:
            refusal = error.message
        except IdentityNotRecognised as error:
            refusal = error.message
        except EnrollmentRefused as error:
            return render_template("enrollment/refused.html", refusal=error), 403
        else:
            _save(WizardState(person=person, step1=typed))
            return redirect(url_for(".password_step"))
    status = 422 if errors or refusal else 200
    return render_template(
        "enrollment/card_and_bank.html", form=form, errors=errors, refusal=refusal
    ), status


@bp.route("/franceconnect/numero", methods=["GET", "POST"])
def franceconnect_nir_step() -> Page:
    """Step 1 with FranceConnect: the NIR of the person FranceConnect identified."""
    identity = franceconnect_session.current_identity()
    if identity is None:
        flash(
            _("Connectez-vous d'abord avec FranceConnect pour créer votre compte ainsi."), "warning"
        )
        return redirect(url_for(".start", _anchor="franceconnect"))
    typed = {"nir": ""}
    errors: dict[str, ValidationError] = {}
    refusal: str | None = None
    if request.method == "GET":
        typed["nir"] = _typed_at_step1().get("nir", "")
    else:
        typed["nir"] = request.form.get("nir", "")
        try:
            person = franceconnect_path.match(identity, typed["nir"], _client_ip())
        except FieldErrors as error:
            errors = error.errors
        except (Throttled, IdentityNotRecognised) as error:
            refusal = error.message
        except EnrollmentRefused as error:
            return render_template("enrollment/refused.html", refusal=error), 403
        else:
            _save(WizardState(person=person, step1=typed))
            return redirect(url_for(".password_step"))
    return render_template(
        "enrollment/franceconnect_nir.html",
        identity=identity,
        birthdate=franceconnect_path.birthdate_label(identity),
        typed=typed,
        errors=errors,
        refusal=refusal,
    ), 422 if errors or refusal else 200


def _password_context(person: VerifiedPerson) -> code_personnel.PasswordContext:
    return code_personnel.PasswordContext(
        nir=person.nir, birth_date=person.birth_date, names=person.names
    )


@bp.route("/code-personnel", methods=["GET", "POST"])
def password_step() -> Page:
    """Step 2: choose the code personnel."""
    state = _state()
    form = PasswordForm()
    verdict = None
    mismatch = False
    if form.validate_on_submit():
        password = form.password.data or ""
        verdict = code_personnel.evaluate(password, _password_context(state.person))
        mismatch = not code_personnel.check_confirmation(password, form.confirmation.data or "")
        if verdict.acceptable and not mismatch:
            _save(state.with_password_hash(code_personnel.get_hasher().hash(password)))
            return redirect(url_for(".contact_step"))
    errors = _password_errors(verdict, mismatch)
    return render_template(
        "enrollment/password.html",
        form=form,
        state=state,
        rules=code_personnel.RULES,
        verdict=verdict,
        errors=errors,
    ), 422 if errors else 200


def _password_errors(
    verdict: code_personnel.PasswordVerdict | None, mismatch: bool
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if verdict is not None and not verdict.acceptable:
        errors["password"] = " ".join(verdict.messages())
    if mismatch:
        errors["confirmation"] = code_personnel.CONFIRMATION_MESSAGE
    return errors


@bp.post("/code-personnel/verification")
def password_check() -> Response:
    """Tell the live indicator which rules a candidate code breaks, and its strength."""
    state = _state()
    # zxcvbn runs under a lock and a crafted input can take a second: cap the rate.
    limit = (Limit(PASSWORD_CHECKS, current_app.config["ENROLLMENT_PASSWORD_CHECKS"]), _client_ip())
    try:
        get_throttle().spend(limit)
    except Throttled:
        return too_many_checks()
    payload = request.get_json(silent=True)
    data: dict[str, Any] = payload if isinstance(payload, dict) else {}
    password = str(data.get("password") or "")
    verdict = code_personnel.evaluate(password, _password_context(state.person))
    answer = verdict.as_json()
    confirmation = data.get("confirmation")
    if confirmation is not None:
        answer["confirmation_matches"] = code_personnel.check_confirmation(
            password, str(confirmation)
        )
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/coordonnees", methods=["GET", "POST"])
def contact_step() -> Page:
    """Step 3: contact details; creates the pending account and sends the link."""
    state = _state()
    if not state.has_password:
        return redirect(url_for(".password_step"))
    form = ContactForm()
    errors: dict[str, ValidationError] = {}
    if request.method == "GET":
        form.process(data=state.contact or {"email": state.person.suggested_email or ""})
    elif form.validate_on_submit():
        typed = {
            name: form[name].data
            for name in ("email", "mobile_phone", "landline_phone", "marketing_consent")
        }
        if request.form.get("action") == "back":
            _save(state.with_contact({k: v for k, v in typed.items() if isinstance(v, str)}))
            return redirect(url_for(".password_step"))
        try:
            return _create_account(state, contact.parse(typed))
        except FieldErrors as error:
            errors = error.errors
        except EmailAlreadyUsed as error:
            errors = {"email": error}
        except AccountAlreadyExists as error:
            session.pop(WIZARD, None)
            return render_template("enrollment/refused.html", refusal=error), 409
    return render_template(
        "enrollment/contact.html", form=form, state=state, errors=errors
    ), 422 if errors else 200


def _create_account(state: WizardState, details: contact.ContactDetails) -> WerkzeugResponse:
    """Create the account and sign out; the same form sent twice lands on the same page."""
    try:
        accounts.create_account(state.person, state.password_hash(), details)
    except (EmailAlreadyUsed, AccountAlreadyExists):
        if not accounts.is_same_submission(state.person, details):
            raise
    return _enrolled(details.email)


def _enrolled(email: str) -> WerkzeugResponse:
    # The person is signed out of everything: nothing of the enrollment stays in the session,
    # and whoever came through FranceConnect is signed out of it too (SPEC §5.3).
    with franceconnect_session.kept_for_logout():
        clear_session()
    session[DONE] = email
    then = url_for(".check_mailbox")
    return redirect(franceconnect_session.sign_out_url(then) or then)


@bp.get("/consultez-votre-messagerie")
def check_mailbox() -> str:
    """Tell the person to open the link we emailed."""
    return render_template(
        "enrollment/check_mailbox.html",
        email=session.get(DONE),
        outbox_dir=None
        if current_app.config.get("SMTP_URL")
        else current_app.config["MAIL_OUTBOX_DIR"],
    )


@bp.route("/activation/<token>", methods=["GET", "POST"])
def activate(token: str) -> Page:
    """Activate with an emailed link, or offer to send a new one when it cannot."""
    if request.method == "POST":
        return _resend(token)
    try:
        activation.activate(token)
    except activation.ActivationLinkUnknown:
        return render_template("enrollment/activation_unknown.html"), 404
    except activation.ActivationLinkUsed:
        return render_template("enrollment/activated.html", already=True)
    except activation.ActivationLinkRefused as refused:
        return _resend_page(token, refused.account, ResendForm(), {}), 410
    return render_template("enrollment/activated.html", already=False)


def _resend_page(
    token: str,
    account: Any,
    form: ResendForm,
    errors: dict[str, ValidationError],
    refusal: str | None = None,
) -> str:
    return render_template(
        "enrollment/resend.html",
        token=token,
        form=form,
        errors=errors,
        state=activation.state_of(account),
        account=account,
        refusal=refusal,
    )


def _resend(token: str) -> Page:
    try:
        link = activation.find_link(token)
    except activation.ActivationLinkUnknown:
        return render_template("enrollment/activation_unknown.html"), 404
    account = link.account
    form = ResendForm()
    if activation.state_of(account) is activation.ActivationState.ACTIVE:
        return render_template("enrollment/activated.html", already=True)
    form.validate_on_submit()  # binds the data; CSRF was checked by CSRFProtect
    new_email = form.email.data or "" if form.destination.data == "new" else None
    try:
        activation.request_new_link(account, new_email)
    except ValidationError as error:
        return _resend_page(token, account, form, {"email": error}), 422
    except Throttled as error:
        return _resend_page(token, account, form, {}, error.message), 429
    session[DONE] = account.email
    return redirect(url_for(".check_mailbox"))
