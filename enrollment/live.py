"""What the live indicators of the forms are told, by the very checks the submit runs.

The pages' scripts post what is typed so far: the step-1 fields get the message of each
malformed field (their shape only, never the registry, so nothing about anyone leaks); a
candidate code personnel gets the rules it breaks and its strength. No rule exists twice,
in Python and in JavaScript. Each check is limited per client address: zxcvbn runs under
a lock and a crafted input can take a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

import accounts
from core.fields import FieldErrors
from core.throttle import Limit
from core.throttle import Throttled
from core.throttle import get_throttle
from enrollment import card_and_bank
from enrollment.person import VerifiedPerson
from enrollment.settings import get_settings

# The web page and the mobile app share each counter.
PASSWORD_CHECKS = "enrollment.password_check.ip"
FIELD_CHECKS = "enrollment.field_check.ip"


class TooManyChecks(Throttled):
    """The live checks came too often from one address: the indicator pauses."""

    message = _l("Trop de vérifications en peu de temps : patientez quelques instants.")


def _spend(scope: str, rate: str, client_ip: str) -> None:
    try:
        get_throttle().spend((Limit(scope, rate), client_ip))
    except Throttled as error:
        raise TooManyChecks(error.retry_at) from error


def password_context(person: VerifiedPerson) -> accounts.PasswordContext:
    """Return what the code personnel of ``person`` must not contain, and what is guessable."""
    return accounts.PasswordContext(
        nir=person.nir, birth_date=person.birth_date, names=person.names
    )


def check_step1_fields(typed: Mapping[str, str], client_ip: str) -> dict[str, str]:
    """Return the message of every malformed field of step 1, as typed so far.

    :raises TooManyChecks: the address checked too often lately.
    """
    _spend(FIELD_CHECKS, get_settings().field_checks, client_ip)
    try:
        card_and_bank.parse(typed)
    except FieldErrors as error:
        return {name: str(problem.message) for name, problem in error.errors.items()}
    return {}


def check_code_personnel(
    person: VerifiedPerson, password: str, confirmation: str | None, client_ip: str
) -> dict[str, Any]:
    """Return which rules a candidate code breaks, its strength and, when a confirmation is
    given, whether it matches (never the code).

    :raises TooManyChecks: the address checked too often lately.
    """
    _spend(PASSWORD_CHECKS, get_settings().password_checks, client_ip)
    answer = accounts.evaluate(password, password_context(person)).as_json()
    if confirmation is not None:
        answer["confirmation_matches"] = accounts.check_confirmation(password, confirmation)
    return answer
