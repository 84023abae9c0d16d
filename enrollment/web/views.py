"""Web pages of enrollment: the start, step 1 of each path, the code personnel, the contact
step that creates the pending account."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

import accounts
import franceconnect
from core.fields import FieldErrors
from core.fields import ValidationError
from core.http import no_store
from core.language import clear_session
from core.throttle import Throttled
from enrollment import card_and_bank
from enrollment import franceconnect_path
from enrollment import live
from enrollment import wizard
from enrollment.errors import EnrollmentRefused
from enrollment.errors import IdentityNotRecognised
from enrollment.errors import WizardError
from enrollment.person import VerifiedPerson
from enrollment.web.forms import CardAndBankForm
from enrollment.web.forms import ContactForm
from enrollment.web.forms import PasswordForm
from enrollment.wizard import WizardState

bp = Blueprint(
    "enrollment",
    __name__,
    url_prefix="/creation-compte",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
# Enrollment steps show who the person is: never kept in a cache or the history.
bp.after_request(no_store)
# The web carries its enrollment token in the session cookie (the app, in a bearer token).
WIZARD = "enrollment.wizard"
CONTACT_FIELDS = ("email", "mobile_phone", "landline_phone", "marketing_consent")
Page = str | WerkzeugResponse | tuple[str, int]


def _state() -> WizardState:
    token = session.get(WIZARD)
    if not token:
        raise WizardError()
    return wizard.load(token)


def _save(state: WizardState) -> None:
    session[WIZARD] = state.dump()


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


def _refused(refusal: EnrollmentRefused | accounts.AccountAlreadyExists, status: int) -> Page:
    return render_template("enrollment/refused.html", refusal=refusal), status


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


@dataclass
class Step1:
    """What a step-1 page shows after a submit: field errors, a refusal, or where to go."""

    errors: dict[str, ValidationError] = field(default_factory=dict)
    refusal: str | None = None
    next_page: Page | None = None

    @property
    def status(self) -> int:
        return 422 if self.errors or self.refusal else 200


def _verify(typed: dict[str, str], verify: Callable[[], VerifiedPerson]) -> Step1:
    """Run the identity check of a path's step 1, and keep the person it proves.

    Malformed fields get their own messages; a mismatch or a block, one generic message on
    the page; an exclusion, its own page (SPEC §4).
    """
    try:
        person = verify()
    except FieldErrors as error:
        return Step1(errors=error.errors)
    except (Throttled, IdentityNotRecognised) as error:
        return Step1(refusal=error.message)
    except (EnrollmentRefused, accounts.AccountAlreadyExists) as error:
        return Step1(next_page=_refused(error, 403))
    _save(WizardState(person=person, step1=typed))
    return Step1(next_page=redirect(url_for(".password_step")))


@bp.route("/carte-vitale", methods=["GET", "POST"])
def card_and_bank_step() -> Page:
    """Step 1 with Carte Vitale + IBAN: who are you."""
    form = CardAndBankForm()
    outcome = Step1()
    if request.method == "GET":
        form.process(data=_typed_at_step1())
    elif form.validate_on_submit():
        typed = {name: (form[name].data or "") for name in card_and_bank.FIELDS}
        outcome = _verify(
            typed, lambda: card_and_bank.verify(card_and_bank.parse(typed), _client_ip())
        )
    if outcome.next_page is not None:
        return outcome.next_page
    return render_template(
        "enrollment/card_and_bank.html", form=form, errors=outcome.errors, refusal=outcome.refusal
    ), outcome.status


@bp.route("/franceconnect/numero", methods=["GET", "POST"])
def franceconnect_nir_step() -> Page:
    """Step 1 with FranceConnect: the NIR of the person FranceConnect identified."""
    identity = franceconnect.current_identity()
    if identity is None:
        flash(
            _("Connectez-vous d'abord avec FranceConnect pour créer votre compte ainsi."), "warning"
        )
        return redirect(url_for(".start", _anchor="franceconnect"))
    typed = {"nir": ""}
    outcome = Step1()
    if request.method == "GET":
        typed["nir"] = _typed_at_step1().get("nir", "")
    else:
        typed["nir"] = request.form.get("nir", "")
        outcome = _verify(
            typed, lambda: franceconnect_path.match(identity, typed["nir"], _client_ip())
        )
    if outcome.next_page is not None:
        return outcome.next_page
    return render_template(
        "enrollment/franceconnect_nir.html",
        identity=identity,
        birthdate=franceconnect_path.birthdate_label(identity),
        typed=typed,
        errors=outcome.errors,
        refusal=outcome.refusal,
    ), outcome.status


@bp.route("/code-personnel", methods=["GET", "POST"])
def password_step() -> Page:
    """Step 2: choose the code personnel."""
    state = _state()
    form = PasswordForm()
    verdict = None
    mismatch = False
    if form.validate_on_submit():
        password = form.password.data or ""
        verdict = accounts.evaluate(password, live.password_context(state.person))
        mismatch = not accounts.check_confirmation(password, form.confirmation.data or "")
        if verdict.acceptable and not mismatch:
            _save(state.with_password_hash(accounts.hash_code_personnel(password)))
            return redirect(url_for(".contact_step"))
    errors = _password_errors(verdict, mismatch)
    return render_template(
        "enrollment/password.html",
        form=form,
        state=state,
        rules=accounts.RULES,
        verdict=verdict,
        errors=errors,
    ), 422 if errors else 200


def _password_errors(verdict: accounts.PasswordVerdict | None, mismatch: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if verdict is not None and not verdict.acceptable:
        errors["password"] = " ".join(verdict.messages())
    if mismatch:
        errors["confirmation"] = accounts.CONFIRMATION_MESSAGE
    return errors


@bp.route("/coordonnees", methods=["GET", "POST"])
def contact_step() -> Page:
    """Step 3: contact details; creates the pending account and sends the link."""
    state = _state()
    if not state.has_password:
        return redirect(url_for(".password_step"))
    form = ContactForm()
    errors: dict[str, ValidationError] = {}
    refusal: str | None = None
    if request.method == "GET":
        form.process(data=state.contact or {"email": state.person.suggested_email or ""})
    elif form.validate_on_submit():
        typed = {name: form[name].data for name in CONTACT_FIELDS}
        if request.form.get("action") == "back":
            _save(state.with_contact({k: v for k, v in typed.items() if isinstance(v, str)}))
            return redirect(url_for(".password_step"))
        try:
            return _create_account(state, accounts.parse_contact(typed))
        except FieldErrors as error:
            errors = error.errors
        except accounts.EmailAlreadyUsed as error:
            errors = {"email": error}
        except Throttled as error:
            refusal = error.message
        except accounts.AccountAlreadyExists as error:
            session.pop(WIZARD, None)
            return _refused(error, 409)
    status = 429 if refusal else 422 if errors else 200
    return render_template(
        "enrollment/contact.html", form=form, state=state, errors=errors, refusal=refusal
    ), status


def _create_account(state: WizardState, details: accounts.ContactDetails) -> WerkzeugResponse:
    """Create the account and sign out; the same form sent twice lands on the same page."""
    new = state.person.new_account(state.password_hash(), details)
    try:
        accounts.create(new, client_ip=_client_ip())
    except (accounts.EmailAlreadyUsed, accounts.AccountAlreadyExists):
        if not accounts.is_same_submission(new):
            raise
    return _enrolled(details.email)


def _enrolled(email: str) -> WerkzeugResponse:
    # The person is signed out of everything: nothing of the enrollment stays in the session,
    # and whoever came through FranceConnect is signed out of it too (SPEC §5.3).
    with franceconnect.kept_for_logout():
        clear_session()
    accounts.remember_mailbox(email)
    then = url_for("accounts.check_mailbox")
    return redirect(franceconnect.sign_out_url(then) or then)
