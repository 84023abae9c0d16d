"""The contact step's fields (SPEC §7): email mandatory and normalised, French phones in E.164."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from accounts.contact import ContactDetails
from accounts.contact import EmailMalformed
from accounts.contact import EmailRequired
from accounts.contact import LandlinePhoneMalformed
from accounts.contact import MobilePhoneMalformed
from accounts.contact import canonical_email
from accounts.contact import check_email
from accounts.contact import check_landline_phone
from accounts.contact import check_mobile_phone
from accounts.contact import parse
from core.fields import FieldErrors
from core.fields import ValidationError

# No example database: this suite must not write files into the working tree.
PROPERTY = settings(max_examples=100, deadline=None, database=None)
E164_FRENCH = re.compile(r"\+33[1-9][0-9]{8}")

# --- Email -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        pytest.param("pierre.venturi@example.org", "pierre.venturi@example.org", id="as is"),
        pytest.param("  pierre.venturi@example.org\t\n", "pierre.venturi@example.org", id="trim"),
        pytest.param("pierre.venturi@EXAMPLE.Org", "pierre.venturi@example.org", id="domain"),
        pytest.param("Pierre.VENTURI@example.org", "Pierre.VENTURI@example.org", id="local part"),
        pytest.param(
            " P.Venturi+ameli@Mail.Example.FR ", "P.Venturi+ameli@mail.example.fr", id="all"
        ),
        pytest.param("o'connor-smith@example.org", "o'connor-smith@example.org", id="apostrophe"),
    ],
)
def test_an_email_address_is_trimmed_and_its_domain_lower_cased(typed: str, kept: str) -> None:
    assert check_email(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("pierre.venturi.example.org", id="no @"),
        pytest.param("pierre@@example.org", id="two @"),
        pytest.param("pierre@venturi@example.org", id="@ in the local part"),
        pytest.param("@example.org", id="no local part"),
        pytest.param("pierre.venturi@", id="no domain"),
        pytest.param("pierre venturi@example.org", id="space in the local part"),
        pytest.param("pierre@exam ple.org", id="space in the domain"),
        pytest.param("pierre.venturi@example", id="domain without a dot"),
        pytest.param("pierre.venturi@localhost", id="localhost"),
        pytest.param("pierre@example..org", id="two dots in the domain"),
        pytest.param(".pierre@example.org", id="local part starts with a dot"),
        pytest.param("pierre.@example.org", id="local part ends with a dot"),
        pytest.param("pierre@-example.org", id="domain starts with a hyphen"),
        pytest.param('"pierre venturi"@example.org', id="quoted local part"),
        pytest.param("pierre@[192.0.2.1]", id="address literal"),
        pytest.param("pierre,venturi@example.org", id="comma"),
        pytest.param("pierre@example.org, paul@example.org", id="two addresses"),
        pytest.param("Pierre <pierre@example.org>", id="display name"),
        pytest.param("p" * 250 + "@example.org", id="longer than 254 characters"),
    ],
)
def test_a_malformed_email_address_is_refused(typed: str) -> None:
    with pytest.raises(EmailMalformed) as refused:
        check_email(typed)

    assert refused.value.code == "email.malformed"
    assert refused.value.field == "email"
    assert refused.value.message == (
        "Saisissez une adresse électronique valide, au format nom@domaine.fr "
        "(sans espace ni accent avant le @)."
    )


def test_an_accent_before_the_at_sign_is_refused_as_the_message_says() -> None:
    with pytest.raises(EmailMalformed):
        check_email("hélène.martin@example.org")


@pytest.mark.parametrize("typed", ["", "   ", "\t\n"], ids=["empty", "spaces", "blanks"])
def test_an_empty_email_address_is_asked_for(typed: str) -> None:
    with pytest.raises(EmailRequired) as refused:
        check_email(typed)

    assert refused.value.code == "email.required"
    assert refused.value.message == "Saisissez votre adresse électronique."


def test_the_canonical_form_ignores_the_case_of_the_whole_address() -> None:
    assert canonical_email("Pierre.VENTURI@example.org") == "pierre.venturi@example.org"
    assert canonical_email(check_email(" PIERRE.venturi@Example.ORG ")) == canonical_email(
        check_email("pierre.VENTURI@example.org")
    )


# --- Phones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "06-12-34-56-78",
        " 06 12 34 56 78 ",
        "+33 6 12 34 56 78",
        "+33612345678",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
    ],
)
def test_a_french_mobile_number_is_stored_in_e164(typed: str) -> None:
    assert check_mobile_phone(typed) == "+33612345678"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("07 81 23 45 67", "+33781234567"),
        ("+33 7 56 12 34 56", "+33756123456"),
    ],
)
def test_a_07_mobile_number_is_a_mobile_number_too(typed: str, stored: str) -> None:
    assert check_mobile_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("01 23 45 67 89", "+33123456789"),
        ("0299123456", "+33299123456"),
        ("03.88.12.34.56", "+33388123456"),
        ("+33 4 91 12 34 56", "+33491123456"),
        ("0033 5 61 12 34 56", "+33561123456"),
        ("09 70 12 34 56", "+33970123456"),
    ],
)
def test_a_french_landline_number_is_stored_in_e164(typed: str, stored: str) -> None:
    assert check_landline_phone(typed) == stored


@pytest.mark.parametrize("check", [check_mobile_phone, check_landline_phone])
@pytest.mark.parametrize("typed", ["", "   "], ids=["empty", "spaces"])
def test_a_phone_number_left_empty_is_none(check: Callable[[str], str | None], typed: str) -> None:
    assert check(typed) is None


def test_a_landline_number_is_not_a_mobile_number() -> None:
    with pytest.raises(MobilePhoneMalformed) as refused:
        check_mobile_phone("01 23 45 67 89")

    assert refused.value.code == "mobile_phone.malformed"
    assert refused.value.field == "mobile_phone"
    assert refused.value.message == (
        "Saisissez un numéro de téléphone portable français valide, par exemple 06 12 34 56 78."
    )


def test_a_mobile_number_is_not_a_landline_number() -> None:
    with pytest.raises(LandlinePhoneMalformed) as refused:
        check_landline_phone("06 12 34 56 78")

    assert refused.value.code == "landline_phone.malformed"
    assert refused.value.field == "landline_phone"
    assert refused.value.message == (
        "Saisissez un numéro de téléphone fixe français valide, par exemple 01 23 45 67 89."
    )


BAD_PHONES = [
    pytest.param("+32 470 12 34 56", id="Belgian mobile"),
    pytest.param("+44 7911 123456", id="British mobile"),
    pytest.param("+1 202 555 0143", id="American number"),
    pytest.param("+49 30 123456", id="German landline"),
    pytest.param("0800 12 34 56", id="freephone"),
    pytest.param("08 99 12 34 56", id="premium rate"),
    pytest.param("06 12 34 56 7", id="one digit short"),
    pytest.param("06 12 34 56 789", id="one digit too many"),
    pytest.param("06", id="two digits"),
    pytest.param("0612345678abc", id="letters after"),
    pytest.param("abc", id="letters"),
    pytest.param("+", id="plus sign"),
    pytest.param("0", id="zero"),
    pytest.param("\u0661\u0662\u0663", id="arabic digits"),
    pytest.param("06 12 34 56 78" * 20, id="very long"),
    pytest.param("+33", id="country code only"),
    pytest.param("++", id="two plus signs"),
    pytest.param("\x00", id="nul character"),
]


@pytest.mark.parametrize("typed", BAD_PHONES)
def test_a_foreign_or_garbage_mobile_number_is_refused(typed: str) -> None:
    with pytest.raises(MobilePhoneMalformed):
        check_mobile_phone(typed)


@pytest.mark.parametrize("typed", BAD_PHONES)
def test_a_foreign_or_garbage_landline_number_is_refused(typed: str) -> None:
    with pytest.raises(LandlinePhoneMalformed):
        check_landline_phone(typed)


@pytest.mark.parametrize(
    ("check", "typed", "stored"),
    [
        pytest.param(check_mobile_phone, "0692 12 34 56", "+262692123456", id="Réunion mobile"),
        pytest.param(check_mobile_phone, "+590 690 12 34 56", "+590690123456", id="Guadeloupe"),
        pytest.param(check_landline_phone, "0262 12 34 56", "+262262123456", id="Réunion fixe"),
    ],
)
def test_a_number_of_an_overseas_department_is_french(
    check: Callable[[str], str | None], typed: str, stored: str
) -> None:
    assert check(typed) == stored


# --- The whole step ----------------------------------------------------------------------


def test_the_step_returns_the_details_to_store() -> None:
    details = parse(
        {
            "email": " Pierre.Venturi@Example.org ",
            "mobile_phone": "06 12 34 56 78",
            "landline_phone": "04 73 12 34 56",
            "marketing_consent": "y",
        }
    )

    assert details == ContactDetails(
        email="Pierre.Venturi@example.org",
        mobile_phone="+33612345678",
        landline_phone="+33473123456",
        marketing_consent=True,
    )


def test_phones_and_consent_are_optional_and_consent_is_off_unless_ticked() -> None:
    details = parse({"email": "pierre.venturi@example.org"})

    assert details == ContactDetails(
        email="pierre.venturi@example.org",
        mobile_phone=None,
        landline_phone=None,
        marketing_consent=False,
    )


def test_every_wrong_field_is_reported_at_once_in_the_order_of_the_form() -> None:
    # Typed in another order than the form's, to show the errors follow the form.
    form = {"landline_phone": "06 12 34 56 78", "mobile_phone": "01 23 45 67 89", "email": "x@"}

    with pytest.raises(FieldErrors) as refused:
        parse(form)

    errors = refused.value.errors
    assert list(errors) == ["email", "mobile_phone", "landline_phone"]
    assert [type(error) for error in errors.values()] == [
        EmailMalformed,
        MobilePhoneMalformed,
        LandlinePhoneMalformed,
    ]
    assert str(refused.value) == "email.malformed, mobile_phone.malformed, landline_phone.malformed"


@pytest.mark.parametrize(
    ("form", "codes"),
    [
        pytest.param({}, {"email": "email.required"}, id="nothing typed"),
        pytest.param(
            {"email": "", "mobile_phone": "+44 7911 123456"},
            {"email": "email.required", "mobile_phone": "mobile_phone.malformed"},
            id="no email and a foreign mobile",
        ),
        pytest.param(
            {"email": "pierre.venturi@example.org", "landline_phone": "abc"},
            {"landline_phone": "landline_phone.malformed"},
            id="only the landline is wrong",
        ),
        pytest.param({"email": None}, {"email": "email.required"}, id="email null"),
    ],
)
def test_only_the_wrong_fields_are_reported(form: dict[str, object], codes: dict[str, str]) -> None:
    with pytest.raises(FieldErrors) as refused:
        parse(form)

    assert {name: error.code for name, error in refused.value.errors.items()} == codes


@PROPERTY
@given(st.text())
def test_any_text_is_a_french_phone_number_in_e164_or_a_typed_refusal(typed: str) -> None:
    for check in (check_mobile_phone, check_landline_phone):
        try:
            stored = check(typed)
        except ValidationError:
            continue
        assert stored is None or E164_FRENCH.fullmatch(stored), stored


@PROPERTY
@given(st.text() | st.emails())
def test_any_text_is_an_email_address_or_a_typed_refusal(typed: str) -> None:
    try:
        email = check_email(typed)
    except ValidationError:
        return
    local_part, domain = email.rsplit("@", 1)
    assert local_part and domain == domain.lower() and email == email.strip()


@pytest.mark.parametrize(
    ("posted", "consent"),
    [
        ("y", True),
        ("on", True),
        ("true", True),
        (True, True),
        ("", False),
        (None, False),
        ("false", False),
        ("0", False),
        (False, False),
        ("n", False),
    ],
)
def test_consent_is_given_only_by_a_checked_box_or_true(posted: object, consent: bool) -> None:
    details = parse({"email": "a@example.org", "marketing_consent": posted})

    assert details.marketing_consent is consent
