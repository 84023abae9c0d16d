"""Step 1 of the Carte Vitale + IBAN path, shared by the web form and the mobile API.

Fields are checked one by one (each error is specific to its field); then the attempt is
throttled per NIR and per client IP, and the ordered eligibility checks run
(:mod:`enrollment.eligibility`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from accounts import EnrollmentPath
from core import clock
from core.fields import FieldChecker
from core.nir import check_nir
from enrollment import eligibility
from enrollment import fields
from enrollment.eligibility import CardAndBankClaim
from enrollment.errors import BirthDateRequired
from enrollment.person import VerifiedPerson

FIELDS = ("name", "nir", "birth_date", "postal_code", "iban_tail", "vitale_tail")


def parse(form: Mapping[str, str], *, iso_dates: bool = False) -> CardAndBankClaim:
    """Check every field of step 1 and return the claim; the birth date is checked against
    today in France.

    ``iso_dates`` reads the birth date as YYYY-MM-DD (API) instead of DD/MM/YYYY (web).

    :raises core.fields.FieldErrors: with one error per wrong field.
    """
    today = clock.today()
    checker = FieldChecker(form)
    checker.check("name", fields.check_name)
    if iso_dates:
        birth_date = checker.check("birth_date", _check_iso_birth_date, today)
    else:
        birth_date = checker.check("birth_date", fields.check_birth_date, today)
    checker.check("nir", check_nir, birth_date)
    checker.check("postal_code", fields.check_postal_code)
    checker.check("iban_tail", fields.check_iban_tail)
    checker.check("vitale_tail", fields.check_vitale_tail)
    return CardAndBankClaim(**checker.result(FIELDS))


def _check_iso_birth_date(raw: str, today: date) -> date:
    if not raw.strip():
        raise BirthDateRequired()
    birth_date = fields.parse_iso_date(raw)
    # Zero-padded by hand: strftime("%Y") drops the padding of years before 1000.
    written = f"{birth_date.day:02d}/{birth_date.month:02d}/{birth_date.year:04d}"
    return fields.check_birth_date(written, today)


def verify(claim: CardAndBankClaim, client_ip: str) -> VerifiedPerson:
    """Throttle, then run the eligibility checks; count the attempts that do not match.

    :raises Throttled: too many recent failures for this NIR or this address.
    :raises EnrollmentRefused: the first eligibility check that failed.
    :raises accounts.AccountAlreadyExists: the NIR has an account already.
    """
    record = eligibility.throttled(
        claim.nir, client_ip, lambda: eligibility.check_card_and_bank(claim)
    )
    return VerifiedPerson.from_record(record, EnrollmentPath.VITALE_IBAN)
