"""The two bearer tokens of the mobile API, each with a salt of its own.

- The **enrollment token** carries the same :class:`~enrollment.wizard.WizardState` as the
  web's session, sealed for the API (``WIZARD_SALT``), so that neither token can be
  replayed on the other channel. It expires after ``ENROLLMENT_WIZARD_MAX_AGE`` seconds.
- The **activation token**, handed out at account creation, lets the app follow and resend
  the activation mail without a session. It names the account only, and expires after
  ``ENROLLMENT_API_ACTIVATION_MAX_AGE`` seconds (21 days of the address plus a margin).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature
from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer

import accounts
from core.errors import Refusal
from enrollment import wizard
from enrollment.settings import get_settings
from enrollment.wizard import WizardState

WIZARD_SALT = "ameli.enrollment.api.wizard"
ACTIVATION_SALT = "ameli.enrollment.api.activation"


class ActivationTokenError(Refusal):
    """The activation token cannot be used; ``code`` says why."""

    code = "activation.token_invalid"
    status = 401
    title = _l("Suivi de l'activation non reconnu")
    message = _l(
        "Le suivi de l'activation de votre compte n'a pas pu être repris. Connectez-vous sur "
        "ameli.fr avec votre numéro de sécurité sociale et votre code personnel pour "
        "recevoir un nouveau lien."
    )


class ActivationTokenExpired(ActivationTokenError):
    code = "activation.token_expired"
    title = _l("Suivi de l'activation expiré")


def dump_wizard(state: WizardState) -> str:
    """Return the enrollment token of ``state``, valid on the API only."""
    return state.dump(salt=WIZARD_SALT)


def load_wizard(token: str) -> WizardState:
    """Read an enrollment token of the API.

    :raises wizard.WizardExpired: older than ``ENROLLMENT_WIZARD_MAX_AGE``.
    :raises wizard.WizardTampered: not an API enrollment token of this service.
    """
    return wizard.load(token, salt=WIZARD_SALT)


def wizard_max_age() -> int:
    return get_settings().wizard_max_age


def activation_max_age() -> int:
    return get_settings().api_activation_max_age


def _activation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=ACTIVATION_SALT)


def dump_activation(account: accounts.Account) -> str:
    """Return the activation token of ``account``."""
    return _activation_serializer().dumps({"account": account.id})


def load_activation(token: str) -> accounts.Account:
    """Return the account an activation token names.

    :raises ActivationTokenExpired: older than ``ENROLLMENT_API_ACTIVATION_MAX_AGE``.
    :raises ActivationTokenError: forged, or the account no longer exists.
    """
    try:
        payload = _activation_serializer().loads(token, max_age=activation_max_age())
    except SignatureExpired as error:
        raise ActivationTokenExpired() from error
    except BadSignature as error:
        raise ActivationTokenError() from error
    account_id = payload.get("account") if isinstance(payload, dict) else None
    # bool is an int: only a real id names an account.
    if type(account_id) is not int:
        raise ActivationTokenError()
    account = accounts.find(account_id)
    if account is None:
        raise ActivationTokenError()
    return account
