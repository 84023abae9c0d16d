"""Step 1 of the FranceConnect path: the NIR typed by a person FranceConnect identified.

The registry row of that NIR must be the identity FranceConnect certified (birth name,
first given name, birth date, gender, birthplace or birth country), compared with the
normalisation of path A; then exclusions 1, 2 and 6 apply (SPEC §5.3). Attempts count
against the same per-NIR and per-address limits as path A.
"""

from __future__ import annotations

from flask_babel import gettext as _

from accounts import EnrollmentPath
from core.fields import FieldChecker
from core.nir import check_nir
from enrollment import eligibility
from enrollment import fields
from enrollment.errors import IdentityNotRecognised
from enrollment.person import VerifiedPerson
from enrollment.registry import BeneficiaryRecord
from enrollment.registry import get_registry
from franceconnect import PivotIdentity

FIELDS = ("nir",)


def check_identity_matches(record: BeneficiaryRecord, identity: PivotIdentity) -> None:
    """Refuse unless the registry row is the person FranceConnect identified.

    A ``00`` day or month in FranceConnect's birth date (a presumed date) matches any.

    :raises IdentityNotRecognised: on the first difference.
    """
    year, month, day = identity.birthdate_parts
    born = record.birth_date
    if identity.born_abroad:
        place_matches = not record.birthplace and record.birthcountry == identity.birthcountry
    else:
        place_matches = (record.birthplace or "").upper() == identity.birthplace.upper()
    if not (
        fields.names_match(identity.family_name, record.family_name)
        and fields.names_match(identity.first_given_name, record.first_given_name)
        and born.year == year
        and month in (None, born.month)
        and day in (None, born.day)
        and record.gender == identity.gender
        and place_matches
    ):
        raise IdentityNotRecognised()


def _find(identity: PivotIdentity, nir: str) -> BeneficiaryRecord:
    record = get_registry().find(nir)
    if record is None:
        raise IdentityNotRecognised()
    check_identity_matches(record, identity)
    eligibility.check_franceconnect_record(record)
    return record


def match(identity: PivotIdentity, nir_input: str, client_ip: str) -> VerifiedPerson:
    """Return the person to enrol, once the NIR typed is FranceConnect's identity's.

    :raises core.fields.FieldErrors: when the NIR is malformed (its own message).
    :raises Throttled: too many recent failures for this NIR or this address.
    :raises EnrollmentRefused: the identity does not match, or an exclusion applies.
    :raises accounts.AccountAlreadyExists: the NIR has an account already.
    """
    checker = FieldChecker({"nir": nir_input})
    checker.check("nir", check_nir)
    nir: str = checker.result(FIELDS)["nir"]
    record = eligibility.throttled(nir, client_ip, lambda: _find(identity, nir))
    return VerifiedPerson.from_record(
        record,
        EnrollmentPath.FRANCECONNECT,
        franceconnect_sub=identity.sub,
        suggested_email=identity.email or None,
    )


def birthdate_label(identity: PivotIdentity) -> str:
    """Write FranceConnect's birth date as the person reads it, presumed parts said so."""
    year, month, day = identity.birthdate_parts
    if month is None:
        return _("%(year)s (jour et mois présumés)", year=year)
    if day is None:
        return _("%(month)s/%(year)s (jour présumé)", month=str(month).zfill(2), year=year)
    return f"{day:02d}/{month:02d}/{year}"
