"""The account's contact details: the email address (unique, confirmed by link), the phone
numbers and the marketing consent (SPEC §7).

Enrollment's contact step reads them with :func:`parse`; activation checks a new address
with :func:`check_email`; "Mon compte" will change them with the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError
from email_validator import validate_email
from flask_babel import lazy_gettext as _l

from core.fields import FieldChecker
from core.fields import ValidationError


class EmailRequired(ValidationError):
    code = "email.required"
    field = "email"
    message = _l("Saisissez votre adresse électronique.")


class EmailMalformed(ValidationError):
    code = "email.malformed"
    field = "email"
    message = _l(
        "Saisissez une adresse électronique valide, au format nom@domaine.fr "
        "(sans espace ni accent avant le @)."
    )


class EmailAlreadyUsed(ValidationError):
    code = "email.already_used"
    field = "email"
    message = _l(
        "Cette adresse électronique est déjà utilisée par un autre compte ameli. "
        "Chaque compte doit avoir sa propre adresse : saisissez-en une autre."
    )


class MobilePhoneMalformed(ValidationError):
    code = "mobile_phone.malformed"
    field = "mobile_phone"
    message = _l(
        "Saisissez un numéro de téléphone portable français valide, par exemple 06 12 34 56 78."
    )


class LandlinePhoneMalformed(ValidationError):
    code = "landline_phone.malformed"
    field = "landline_phone"
    message = _l(
        "Saisissez un numéro de téléphone fixe français valide, par exemple 01 23 45 67 89."
    )


# Metropolitan France first, then the overseas departments and collectivities whose
# residents the Assurance Maladie covers (national numbers like 0692… belong to them).
FRENCH_REGIONS = ("FR", "RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF")
MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
LANDLINE_TYPES = {
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.VOIP,
}


@dataclass(frozen=True)
class ContactDetails:
    """Validated contact details, ready to store."""

    email: str
    mobile_phone: str | None
    landline_phone: str | None
    marketing_consent: bool


def check_email(raw: str) -> str:
    """Return the address trimmed, its domain lower-cased.

    :raises EmailRequired, EmailMalformed:
    """
    text = raw.strip()
    if not text:
        raise EmailRequired()
    try:
        # ASCII local parts only: the page says so, and every SMTP relay can carry them.
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise EmailMalformed() from error
    return f"{result.local_part}@{result.domain.lower()}"


def canonical_email(email: str) -> str:
    """Return the form the uniqueness constraint compares: all lower case."""
    return email.lower()


def _parse_french_number(text: str) -> phonenumbers.PhoneNumber | None:
    """Parse a number of metropolitan France or an overseas department, written either way."""
    for region in FRENCH_REGIONS:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.region_code_for_number(
            number
        ) in FRENCH_REGIONS and phonenumbers.is_valid_number(number):
            return number
        if text.startswith("+") or text.startswith("00"):
            return None  # international form: the region tried makes no difference
    return None


def _check_phone(raw: str, types: set[int], error: type[ValidationError]) -> str | None:
    text = raw.strip()
    if not text:
        return None
    number = _parse_french_number(text)
    if number is None or phonenumbers.number_type(number) not in types:
        raise error()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_mobile_phone(raw: str) -> str | None:
    """Return a French mobile number in E.164, or None when left empty."""
    return _check_phone(raw, MOBILE_TYPES, MobilePhoneMalformed)


def check_landline_phone(raw: str) -> str | None:
    """Return a French landline number in E.164, or None when left empty."""
    return _check_phone(raw, LANDLINE_TYPES, LandlinePhoneMalformed)


def parse(form: Mapping[str, object]) -> ContactDetails:
    """Check the contact step's fields and return the details to store.

    :raises FieldErrors: with one error per wrong field.
    """
    fields = FieldChecker(form)
    fields.check("email", check_email)
    fields.check("mobile_phone", check_mobile_phone)
    fields.check("landline_phone", check_landline_phone)
    values = fields.result(("email", "mobile_phone", "landline_phone"))
    return ContactDetails(marketing_consent=_checked(form.get("marketing_consent")), **values)


def _checked(value: object) -> bool:
    # A checkbox posts "y" (or "on"); JSON clients send true. "false" must not mean yes.
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("y", "yes", "on", "true", "1")
