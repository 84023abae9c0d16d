"""Step 1 of the Carte Vitale + IBAN path, shared by the web form and the mobile API.

Fields are checked one by one (each error is specific to its field); then the attempt is
throttled per NIR and per client IP (:mod:`enrollment.attempts`), and the ordered
eligibility checks run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from enrollment import attempts
from enrollment import validators
from enrollment.eligibility import CardAndBankClaim
from enrollment.eligibility import check_card_and_bank
from enrollment.models import EnrollmentPath
from enrollment.person import VerifiedPerson

FIELDS = ("name", "nir", "birth_date", "postal_code", "iban_tail", "vitale_tail")


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
    if not raw.strip():
        raise validators.BirthDateRequired()
    birth_date = validators.parse_iso_date(raw)
    # Zero-padded by hand: strftime("%Y") drops the padding of years before 1000.
    written = f"{birth_date.day:02d}/{birth_date.month:02d}/{birth_date.year:04d}"
    return validators.check_birth_date(written, today)


def verify(claim: CardAndBankClaim, client_ip: str) -> VerifiedPerson:
    """Throttle, then run the eligibility checks; count the attempts that do not match.

    :raises Throttled: too many recent failures for this NIR or this address.
    :raises EnrollmentRefused: the first eligibility check that failed.
    """
    record = attempts.throttled(claim.nir, client_ip, lambda: check_card_and_bank(claim))
    return VerifiedPerson.from_record(record, EnrollmentPath.VITALE_IBAN)
