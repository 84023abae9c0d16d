"""The compte ameli itself, shared by both sign-up paths and the identity provider.

This package owns the account's tables, the code personnel's rules and its Argon2 hash,
the activation links and their 7 / 21-day lifecycle, the mail, sign-in, the session of a
browser and the "Mon compte" pages. What other packages may use is listed in
``__all__``: they open accounts with :func:`create`, sign people in with
:func:`authenticate`, and never read the tables themselves.
"""

from __future__ import annotations

from flask import Flask

from accounts.activation import ADDRESS_RETENTION
from accounts.activation import LINK_LIFETIME
from accounts.activation import ActivationState
from accounts.activation import activate
from accounts.activation import purge_addresses
from accounts.activation import request_new_link
from accounts.activation import state_of
from accounts.authentication import authenticate
from accounts.code_personnel import CONFIRMATION_CODE
from accounts.code_personnel import CONFIRMATION_MESSAGE
from accounts.code_personnel import MAX_LENGTH
from accounts.code_personnel import MIN_LENGTH
from accounts.code_personnel import RULES
from accounts.code_personnel import SPECIAL_CHARACTERS
from accounts.code_personnel import STRENGTH_LABELS
from accounts.code_personnel import TOO_WEAK_CODE
from accounts.code_personnel import PasswordContext
from accounts.code_personnel import PasswordVerdict
from accounts.code_personnel import check_confirmation
from accounts.code_personnel import evaluate
from accounts.contact import ContactDetails
from accounts.contact import EmailAlreadyUsed
from accounts.contact import check_email
from accounts.contact import parse as parse_contact
from accounts.creation import NewAccount
from accounts.creation import create
from accounts.creation import exists_for_nir
from accounts.creation import find
from accounts.creation import find_by_nir
from accounts.creation import is_same_submission
from accounts.errors import AccountAlreadyActive
from accounts.errors import AccountAlreadyExists
from accounts.errors import SignInFailed
from accounts.hashing import get_hasher
from accounts.models import Account
from accounts.models import AccountStatus
from accounts.models import EnrollmentPath
from accounts.sessions import auth_time
from accounts.sessions import current_account
from accounts.sessions import login_required
from accounts.sessions import remember_mailbox
from accounts.sessions import sign_in
from accounts.sessions import sign_out
from accounts.views import PageSection
from accounts.views import add_page_section

__all__ = [
    "ADDRESS_RETENTION",
    "CONFIRMATION_CODE",
    "CONFIRMATION_MESSAGE",
    "LINK_LIFETIME",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "RULES",
    "SPECIAL_CHARACTERS",
    "STRENGTH_LABELS",
    "TOO_WEAK_CODE",
    "Account",
    "AccountAlreadyActive",
    "AccountAlreadyExists",
    "AccountStatus",
    "ActivationState",
    "ContactDetails",
    "EmailAlreadyUsed",
    "EnrollmentPath",
    "NewAccount",
    "PageSection",
    "PasswordContext",
    "PasswordVerdict",
    "SignInFailed",
    "activate",
    "add_page_section",
    "auth_time",
    "authenticate",
    "check_confirmation",
    "check_email",
    "create",
    "current_account",
    "evaluate",
    "exists_for_nir",
    "find",
    "find_by_nir",
    "hash_code_personnel",
    "init_app",
    "is_same_submission",
    "login_required",
    "parse_contact",
    "purge_addresses",
    "remember_mailbox",
    "request_new_link",
    "sign_in",
    "sign_out",
    "state_of",
]


def hash_code_personnel(code: str) -> str:
    """Return the Argon2id hash under which a new code personnel is kept."""
    return get_hasher().hash(code)


def init_app(app: Flask) -> None:
    """Install the account's settings, hasher, mail, pages and ``ameli accounts`` commands.

    :raises core.errors.ConfigurationError: when a setting is unusable, or production has
        no SMTP server.
    """
    from accounts import cli
    from accounts import hashing
    from accounts import mail
    from accounts import session_store
    from accounts import settings
    from accounts import views

    settings.init_app(app)
    hashing.init_app(app)
    mail.init_app(app)
    app.session_interface = session_store.DatabaseSessionInterface()
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.accounts_cli)
