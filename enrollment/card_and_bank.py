"""Step 1 of the Carte Vitale + IBAN path, shared by the web form and the mobile API.

Fields are checked one by one (each error is specific to its field); then the attempt is
throttled per NIR and per client IP, and the ordered eligibility checks run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask import current_app

from core.throttle import Limit
from core.throttle import get_throttle
from enrollment import validators
from enrollment.eligibility import CardAndBankClaim
from enrollment.eligibility import IdentityNotRecognised
from enrollment.eligibility import check_card_and_bank
from enrollment.models import EnrollmentPath
from enrollment.person import VerifiedPerson

FIELDS = ("name", "nir", "birth_date", "postal_code", "iban_tail", "vitale_tail")
PER_NIR = "enrollment.card_and_bank.nir"
PER_IP = "enrollment.card_and_bank.ip"


def parse(form: Mapping[str, str], today: date, *, iso_dates: bool = False) -> CardAndBankClaim:
    """Check every field of step 1 and return the claim.

    ``iso_dates`` reads the birth date as YYYY-MM-DD (API) instead of DD/MM/YYYY (web).

    :raises validators.FieldErrors: with one error per wrong field.
    """
    fields = validators.FieldChecker(form)
    fields.check("name", validators.check_name)
    if iso_dates:
        birth_date = fields.check("birth_date", _check_iso_birth_date, today)
    else:
        birth_date = fields.check("birth_date", validators.check_birth_date, today)
    fields.check("nir", validators.check_nir, birth_date)
    fields.check("postal_code", validators.check_postal_code)
    fields.check("iban_tail", validators.check_iban_tail)
    fields.check("vitale_tail", validators.check_vitale_tail)
    return CardAndBankClaim(**fields.result(FIELDS))


def _check_iso_birth_date(raw: str, today: date) -> date:
    birth_date = validators.parse_iso_date(raw)
    return validators.check_birth_date(birth_date.strftime("%d/%m/%Y"), today)


def limits(nir: str, client_ip: str) -> tuple[tuple[Limit, str], ...]:
    config = current_app.config
    return (
        (Limit(PER_NIR, config["ENROLLMENT_FAILURES_PER_NIR"]), nir),
        (Limit(PER_IP, config["ENROLLMENT_FAILURES_PER_IP"]), client_ip),
    )


def verify(claim: CardAndBankClaim, client_ip: str) -> VerifiedPerson:
    """Throttle, then run the eligibility checks; count the attempts that do not match.

    :raises Throttled: too many recent failures for this NIR or this address.
    :raises EnrollmentRefused: the first eligibility check that failed.
    """
    throttle = get_throttle()
    keys = limits(claim.nir, client_ip)
    throttle.check(*keys)
    try:
        record = check_card_and_bank(claim)
    except IdentityNotRecognised:
        throttle.record(*keys)
        raise
    return VerifiedPerson.from_record(record, EnrollmentPath.VITALE_IBAN)
