"""What members may type on the path A form, rule by rule (SPEC.md §4 and §13)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban
from stdnum.fr import nir as stdnum_nir

from core import fields as core_fields
from core import names
from core import nir as nir_rules
from enrollment import errors
from enrollment import fields

TODAY = date(2025, 6, 15)
# No example database: this suite must not write files into the working tree.
PROPERTY = settings(max_examples=200, deadline=None, database=None)
NIR_CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def with_key(body: str) -> str:
    """Complete a 13-character body with its key, computed by python-stdnum as an oracle."""
    return body + stdnum_nir.calc_check_digits(body)


def with_check_digits(country: str, bban: str) -> str:
    """Build an IBAN with correct ISO 13616 check digits, computed by python-stdnum."""
    return country + stdnum_iban.calc_check_digits(country + "00" + bban) + bban


# --- Errors ------------------------------------------------------------------------------

ERRORS = [
    (nir_rules.NirRequired, "nir.required", "nir"),
    (nir_rules.NirMalformed, "nir.malformed", "nir"),
    (nir_rules.NirKeyMissing, "nir.key_missing", "nir"),
    (nir_rules.NirKeyMismatch, "nir.key_mismatch", "nir"),
    (nir_rules.NirProvisional, "nir.provisional", "nir"),
    (nir_rules.NirOutOfRange, "nir.out_of_range", "nir"),
    (nir_rules.NirBirthDateMismatch, "nir.birth_date_mismatch", "nir"),
    (errors.BirthDateRequired, "birth_date.required", "birth_date"),
    (errors.BirthDateMalformed, "birth_date.malformed", "birth_date"),
    (errors.BirthDateImpossible, "birth_date.impossible", "birth_date"),
    (errors.BirthDateInFuture, "birth_date.in_future", "birth_date"),
    (errors.BirthDateTooOld, "birth_date.too_old", "birth_date"),
    (errors.PostalCodeRequired, "postal_code.required", "postal_code"),
    (errors.PostalCodeMalformed, "postal_code.malformed", "postal_code"),
    (errors.IbanRequired, "iban.required", "iban"),
    (errors.IbanMalformed, "iban.malformed", "iban"),
    (errors.IbanChecksum, "iban.checksum", "iban"),
    (errors.IbanNotSepa, "iban.not_sepa", "iban"),
    (errors.RibKeyMismatch, "iban.rib_key", "iban"),
    (errors.IbanTailRequired, "iban_tail.required", "iban_tail"),
    (errors.IbanTailMalformed, "iban_tail.malformed", "iban_tail"),
    (errors.VitaleTailRequired, "vitale_tail.required", "vitale_tail"),
    (errors.VitaleTailMalformed, "vitale_tail.malformed", "vitale_tail"),
    (errors.NameRequired, "name.required", "name"),
    (errors.NameMalformed, "name.malformed", "name"),
]


@pytest.mark.parametrize(("error", "code", "field"), ERRORS, ids=[e[1] for e in ERRORS])
def test_each_error_carries_its_code_field_and_french_message(
    error: type[core_fields.ValidationError], code: str, field: str
) -> None:
    raised = error()
    assert (raised.code, raised.field) == (code, field)
    assert isinstance(raised, core_fields.ValidationError)
    assert isinstance(raised, ValueError)
    assert raised.message.endswith(".")
    assert str(raised) == raised.message


def test_error_codes_are_unique() -> None:
    assert len({code for _, code, _ in ERRORS}) == len(ERRORS)


def test_an_error_message_can_be_overridden() -> None:
    raised = errors.BirthDateMalformed("La date doit être au format AAAA-MM-JJ.")
    assert str(raised) == raised.message == "La date doit être au format AAAA-MM-JJ."
    assert raised.code == "birth_date.malformed"
    assert errors.BirthDateMalformed().message != raised.message


# --- NIR: reference values (SPEC §13) ----------------------------------------------------

REFERENCE_NIRS = [
    "2 95 10 99 126 111 93",
    "1 85 05 75 056 017 97",
    "1 84 12 2A 004 001 48",
    "2 84 05 2B 321 025 79",
    "1 62 12 2B 010 001 03",
]


@pytest.mark.parametrize("printed", REFERENCE_NIRS)
def test_reference_nirs_are_accepted_and_compacted(printed: str) -> None:
    compact = printed.replace(" ", "")
    assert nir_rules.check_nir(printed) == compact
    assert nir_rules.nir_key(compact[:13]) == int(compact[13:])


@pytest.mark.parametrize("printed", REFERENCE_NIRS)
def test_nir_key_agrees_with_python_stdnum(printed: str) -> None:
    compact = printed.replace(" ", "")
    assert f"{nir_rules.nir_key(compact[:13]):02d}" == stdnum_nir.calc_check_digits(compact[:13])


def test_key_is_97_when_the_number_is_a_multiple_of_97() -> None:
    assert int("1850575056017") % 97 == 0
    assert nir_rules.nir_key("1850575056017") == 97


@pytest.mark.parametrize(
    ("corsican", "numeric"),
    [("184122A004001", "1841219004001"), ("284052B321025", "2840518321025")],
    ids=["2A as 19", "2B as 18"],
)
def test_corsican_departments_count_as_their_old_numeric_codes(corsican: str, numeric: str) -> None:
    assert nir_rules.nir_key(corsican) == nir_rules.nir_key(numeric)


def test_seed_nir_agrees_with_its_birth_date() -> None:
    assert nir_rules.check_nir("1 62 12 2B 010 001 03", date(1962, 12, 18)) == "162122B01000103"


@pytest.mark.parametrize(
    "typed",
    [
        "162122B01000103",
        "1 62 12 2b 010 001 03",
        "1.62.12.2B.010.001.03",
        "1-62-12-2B-010-001-03",
        "1\u00a062\u00a012\u00a02B\u00a0010\u00a0001\u00a003",
        "1\u202f62\u202f12\u202f2B\u202f010\u202f001\u202f03",
        "  1 62 12 2B 010 001 03\t",
    ],
    ids=["compact", "lower-case", "dots", "dashes", "nbsp", "narrow nbsp", "surrounding"],
)
def test_nir_separators_and_case_are_ignored(typed: str) -> None:
    assert nir_rules.normalize_nir(typed) == "162122B01000103"
    assert nir_rules.check_nir(typed) == "162122B01000103"


# --- NIR: refusals, in the order they are checked ----------------------------------------

NIR_REFUSALS = [
    ("", nir_rules.NirRequired),
    ("  . - ", nir_rules.NirRequired),
    ("1 62 12 2B 010 001 0", nir_rules.NirMalformed),
    ("1 62 12 2B 010 001 033", nir_rules.NirMalformed),
    ("1 62 12 2B 010 00", nir_rules.NirMalformed),
    ("1 62 12 2C 010 001 03", nir_rules.NirMalformed),
    ("1 62 12 3A 010 001 03", nir_rules.NirMalformed),
    ("1 62 12 B2 010 001 03", nir_rules.NirMalformed),
    ("1 62 12 2B 010 001 O3", nir_rules.NirMalformed),
    ("1 62 12 2B 010 001 03/", nir_rules.NirMalformed),
    ("\uff11 62 12 2B 010 001 03", nir_rules.NirMalformed),
    ("1 62 12 2B 010 001", nir_rules.NirKeyMissing),
    ("1 85 05 75 056 017", nir_rules.NirKeyMissing),
    ("1 62 12 2B 010 001 04", nir_rules.NirKeyMismatch),
    ("1 62 12 2B 010 001 30", nir_rules.NirKeyMismatch),
    ("2 62 12 2B 010 001 03", nir_rules.NirKeyMismatch),
    ("1 62 12 2A 010 001 03", nir_rules.NirKeyMismatch),
    ("1 85 05 75 056 017 00", nir_rules.NirKeyMismatch),
]


@pytest.mark.parametrize(
    ("typed", "error"), NIR_REFUSALS, ids=[r[0] or "empty" for r in NIR_REFUSALS]
)
def test_nir_refusals(typed: str, error: type[nir_rules.NirError]) -> None:
    with pytest.raises(error) as raised:
        nir_rules.check_nir(typed)
    assert raised.value.field == "nir"


def test_thirteen_characters_alone_ask_for_the_key() -> None:
    with pytest.raises(nir_rules.NirKeyMissing) as raised:
        nir_rules.check_nir("162122B010001")
    assert "ajoutez les 2 chiffres de la clé" in raised.value.message


@pytest.mark.parametrize(
    "typed",
    [
        with_key("7621299126111"),
        with_key("8950599126111"),
        "7 62 12 99 126 111 00",
        "8621299126111",
        "7 62 13 00 000 000 00",
    ],
    ids=["7 valid key", "8 valid key", "wrong key", "no key", "every field wrong"],
)
def test_provisional_numbers_always_get_the_provisional_message(typed: str) -> None:
    with pytest.raises(nir_rules.NirProvisional) as raised:
        nir_rules.check_nir(typed)
    assert raised.value.message.startswith("Un numéro provisoire ne permet pas de créer un compte")


def test_the_registry_import_may_keep_provisional_numbers() -> None:
    provisional = with_key("7621299126111")
    assert (
        nir_rules.check_nir(provisional, date(1962, 12, 1), allow_provisional=True) == provisional
    )
    with pytest.raises(nir_rules.NirKeyMismatch):
        nir_rules.check_nir("7 62 12 99 126 111 00", allow_provisional=True)


OUT_OF_RANGE = {
    "sex 0": "0621299126111",
    "sex 3": "3621299126111",
    "sex 4": "4621299126111",
    "sex 5": "5621299126111",
    "sex 6": "6621299126111",
    "sex 9": "9621299126111",
    "month 00": "1620099126111",
    "month 13": "1621399126111",
    "month 19": "1621999126111",
    "department 00": "1621200126111",
    "commune 000": "1621275000111",
    "commune 000 abroad": "1621299000111",
    "commune 00 overseas": "1621297100111",
    "order 000": "1621275056000",
}


@pytest.mark.parametrize("body", OUT_OF_RANGE.values(), ids=OUT_OF_RANGE.keys())
def test_fields_out_of_range_are_refused_even_with_a_correct_key(body: str) -> None:
    with pytest.raises(nir_rules.NirOutOfRange) as raised:
        nir_rules.check_nir(with_key(body))
    assert raised.value.message.startswith("Ce numéro de sécurité sociale n'est pas valide")


@pytest.mark.parametrize(
    "body",
    ["1622099126111", "1624299126111", "1625099126111", "1629999126111"],
    ids=["month 20", "month 42", "month 50", "month 99"],
)
def test_months_20_to_99_mean_an_unknown_month(body: str) -> None:
    nir = with_key(body)
    assert nir_rules.check_nir(nir) == nir
    for month in range(1, 13):
        assert nir_rules.check_nir(nir, date(1962, month, 28)) == nir


@pytest.mark.parametrize(
    "body",
    ["2850397105123", "1621298712345", "2740597412123"],
    ids=["Guadeloupe 971", "French Polynesia 987", "Réunion 974"],
)
def test_overseas_departments_have_two_digit_communes(body: str) -> None:
    assert nir_rules.check_nir(with_key(body)) == with_key(body)


@pytest.mark.parametrize(
    ("nir", "birth_date"),
    [
        ("1 62 12 2B 010 001 03", date(1962, 11, 18)),
        ("1 62 12 2B 010 001 03", date(1963, 12, 18)),
        ("1 62 12 2B 010 001 03", date(1926, 12, 18)),
        ("2 95 10 99 126 111 93", date(1995, 1, 10)),
        (with_key("1622099126111"), date(1963, 6, 1)),
    ],
    ids=["month", "year", "digits swapped", "day for month", "year with unknown month"],
)
def test_nir_must_agree_with_the_birth_date(nir: str, birth_date: date) -> None:
    with pytest.raises(nir_rules.NirBirthDateMismatch):
        nir_rules.check_nir(nir, birth_date)


@pytest.mark.parametrize(
    "birth_date", [date(1995, 10, 1), date(1995, 10, 31), date(2095, 10, 1), date(1895, 10, 1)]
)
def test_only_the_last_two_digits_of_the_year_are_compared(birth_date: date) -> None:
    assert nir_rules.check_nir("2 95 10 99 126 111 93", birth_date) == "295109912611193"


def test_key_is_checked_before_the_birth_date() -> None:
    with pytest.raises(nir_rules.NirKeyMismatch):
        nir_rules.check_nir("1 62 12 2B 010 001 04", date(1970, 1, 1))


@pytest.mark.parametrize("body", ["1621A2B010001", "1621", "", "1621299126111X"])
def test_nir_key_needs_a_13_character_body(body: str) -> None:
    with pytest.raises(nir_rules.NirMalformed):
        nir_rules.nir_key(body)


# --- NIR at sign-in: with or without the key ---------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["1 62 12 2B 010 001 03", "1 62 12 2B 010 001", "1.62.12.2b.010.001"],
    ids=["with key", "without key", "dots and lower-case"],
)
def test_sign_in_accepts_the_number_with_or_without_its_key(typed: str) -> None:
    assert nir_rules.check_nir_or_body(typed) == "162122B010001"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", nir_rules.NirRequired),
        ("1 62 12 2B 010 00", nir_rules.NirMalformed),
        ("1 62 12 2B 010 001 0", nir_rules.NirMalformed),
        ("1 62 12 2B 010 001 04", nir_rules.NirKeyMismatch),
        ("7 62 12 99 126 111", nir_rules.NirProvisional),
        ("7 62 12 99 126 111 00", nir_rules.NirProvisional),
        ("3 62 12 99 126 111", nir_rules.NirOutOfRange),
        ("1 62 15 99 126 111", nir_rules.NirOutOfRange),
    ],
)
def test_sign_in_refusals(typed: str, error: type[nir_rules.NirError]) -> None:
    with pytest.raises(error):
        nir_rules.check_nir_or_body(typed)


# --- NIR: properties ---------------------------------------------------------------------


def _digits(low: int, high: int, width: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:0{width}d}")


_departments = st.one_of(_digits(1, 19, 2), _digits(21, 95, 2), st.sampled_from(["2A", "2B"]))
_places_of_birth = st.one_of(
    st.tuples(_departments, _digits(1, 990, 3)).map("".join),
    _digits(1, 990, 3).map(lambda country: "99" + country),
    st.tuples(_digits(971, 976, 3), _digits(1, 90, 2)).map("".join),
)


@st.composite
def valid_nirs(draw: st.DrawFn) -> str:
    """Draw a certified NIR with plausible fields and the right key."""
    sex = draw(st.sampled_from("12"))
    year = draw(_digits(0, 99, 2))
    month = draw(st.one_of(_digits(1, 12, 2), _digits(20, 99, 2)))
    place = draw(_places_of_birth)
    order = draw(_digits(1, 999, 3))
    return with_key(sex + year + month + place + order)


@PROPERTY
@given(valid_nirs())
def test_every_valid_nir_is_accepted(nir: str) -> None:
    assert nir_rules.check_nir(nir) == nir
    assert nir_rules.check_nir(stdnum_nir.format(nir).lower()) == nir
    assert nir_rules.nir_key(nir[:13]) == int(nir[13:])
    assert nir_rules.check_nir_or_body(nir) == nir_rules.check_nir_or_body(nir[:13]) == nir[:13]


@PROPERTY
@given(valid_nirs(), st.integers(1, 28), st.integers(1, 12))
def test_every_valid_nir_agrees_with_a_matching_birth_date(nir: str, day: int, month: int) -> None:
    nir_month = int(nir[3:5])
    birth_date = date(1900 + int(nir[1:3]), nir_month if nir_month <= 12 else month, day)
    assert nir_rules.check_nir(nir, birth_date) == nir


@PROPERTY
@given(valid_nirs())
def test_any_single_character_substitution_is_refused(nir: str) -> None:
    for position, original in enumerate(nir):
        for replacement in NIR_CHARACTERS.replace(original, ""):
            altered = nir[:position] + replacement + nir[position + 1 :]
            with pytest.raises(core_fields.ValidationError):
                nir_rules.check_nir(altered)


# --- Birth date --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("18/12/1962", date(1962, 12, 18)),
        ("1/2/2000", date(2000, 2, 1)),
        ("  01/02/2000 ", date(2000, 2, 1)),
        ("29/02/2000", date(2000, 2, 29)),
        ("01/01/1900", date(1900, 1, 1)),
        ("15/06/2025", TODAY),
    ],
    ids=["seed", "single digits", "surrounding spaces", "leap day", "earliest", "born today"],
)
def test_birth_dates_accepted(typed: str, expected: date) -> None:
    assert fields.check_birth_date(typed, TODAY) == expected


BIRTH_DATE_REFUSALS = [
    ("", errors.BirthDateRequired),
    ("   ", errors.BirthDateRequired),
    ("1962-12-18", errors.BirthDateMalformed),
    ("18-12-1962", errors.BirthDateMalformed),
    ("18/12/62", errors.BirthDateMalformed),
    ("18 12 1962", errors.BirthDateMalformed),
    ("18/12/1962 12:00", errors.BirthDateMalformed),
    ("018/12/1962", errors.BirthDateMalformed),
    ("\u0661\u0668/12/1962", errors.BirthDateMalformed),
    ("31/02/2000", errors.BirthDateImpossible),
    ("29/02/2001", errors.BirthDateImpossible),
    ("00/01/2000", errors.BirthDateImpossible),
    ("12/13/2000", errors.BirthDateImpossible),
    ("31/12/1899", errors.BirthDateTooOld),
    ("16/06/2025", errors.BirthDateInFuture),
    ("01/01/2100", errors.BirthDateInFuture),
]


@pytest.mark.parametrize(
    ("typed", "error"), BIRTH_DATE_REFUSALS, ids=[r[0] or "empty" for r in BIRTH_DATE_REFUSALS]
)
def test_birth_date_refusals(typed: str, error: type[errors.BirthDateError]) -> None:
    with pytest.raises(error) as raised:
        fields.check_birth_date(typed, TODAY)
    assert raised.value.field == "birth_date"


def test_malformed_birth_date_shows_the_expected_format() -> None:
    with pytest.raises(errors.BirthDateMalformed) as raised:
        fields.check_birth_date("1962-12-18", TODAY)
    assert "JJ/MM/AAAA" in raised.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1962-12-18", date(1962, 12, 18)), (" 2000-02-29 ", date(2000, 2, 29))],
)
def test_iso_dates_from_the_registry(text: str, expected: date) -> None:
    assert fields.parse_iso_date(text) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", errors.BirthDateMalformed),
        ("18/12/1962", errors.BirthDateMalformed),
        ("1962-12-8", errors.BirthDateMalformed),
        ("1962-12-18T00:00", errors.BirthDateMalformed),
        ("2001-02-29", errors.BirthDateImpossible),
        ("1962-00-18", errors.BirthDateImpossible),
    ],
)
def test_iso_date_refusals(text: str, error: type[errors.BirthDateError]) -> None:
    with pytest.raises(error):
        fields.parse_iso_date(text)


# --- Postal code -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"), [("63000", "63000"), (" 63 000 ", "63000"), ("01000", "01000")]
)
def test_postal_codes_accepted(typed: str, expected: str) -> None:
    assert fields.check_postal_code(typed) == expected


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", errors.PostalCodeRequired),
        ("  ", errors.PostalCodeRequired),
        ("6300", errors.PostalCodeMalformed),
        ("630000", errors.PostalCodeMalformed),
        ("2A000", errors.PostalCodeMalformed),
        ("63-000", errors.PostalCodeMalformed),
    ],
)
def test_postal_code_refusals(typed: str, error: type[errors.PostalCodeError]) -> None:
    with pytest.raises(error) as raised:
        fields.check_postal_code(typed)
    assert raised.value.field == "postal_code"


# --- IBAN --------------------------------------------------------------------------------

REFERENCE_IBAN = "FR76 3000 6000 0112 3456 7890 189"


@pytest.mark.parametrize(
    "typed",
    [REFERENCE_IBAN, "fr7630006000011234567890189", "FR76\u00a03000\u00a06000 0112 3456 7890 189"],
    ids=["printed", "lower-case", "nbsp"],
)
def test_reference_iban_is_accepted(typed: str) -> None:
    assert fields.check_iban(typed) == "FR7630006000011234567890189"


def test_reference_iban_has_the_right_rib_key() -> None:
    assert fields.rib_key("30006", "00001", "12345678901") == 89


@pytest.mark.parametrize(
    ("letter", "digit"),
    [(letter, str(index % 9 + 1)) for index, letter in enumerate("ABCDEFGHIJKLMNOPQR")]
    + [(letter, str(index + 2)) for index, letter in enumerate("STUVWXYZ")],
)
def test_letters_of_a_french_account_count_as_digits(letter: str, digit: str) -> None:
    assert fields.rib_key("30006", "00001", "1234567890" + letter) == fields.rib_key(
        "30006", "00001", "1234567890" + digit
    )


def test_french_account_with_a_letter_is_accepted() -> None:
    assert fields.check_iban("FR53 3000 6000 0112 3456 7890 S86") == "FR5330006000011234567890S86"


@pytest.mark.parametrize(
    "typed",
    [
        "DE89 3704 0044 0532 0130 00",
        "GB82 WEST 1234 5698 7654 32",
        "BE31 4354 1116 1155",
        "CH93 0076 2011 6238 5295 7",
        "MC58 1122 2000 0101 2345 6789 030",
    ],
)
def test_iban_from_the_sepa_zone_is_accepted(typed: str) -> None:
    assert fields.check_iban(typed) == typed.replace(" ", "")


IBAN_REFUSALS = {
    "empty": ("", errors.IbanRequired),
    "spaces only": ("   ", errors.IbanRequired),
    "no country": ("7630006000011234567890189", errors.IbanMalformed),
    "punctuation": ("FR76-3000-6000-0112-3456-7890-189", errors.IbanMalformed),
    "accented letter": ("FR76 3000 6000 0112 3456 7890 18É", errors.IbanMalformed),
    "too short": ("FR76 3000", errors.IbanMalformed),
    "too long": ("FR76" + "1" * 31, errors.IbanMalformed),
    "digit changed": ("FR76 3000 6000 0112 3456 7890 188", errors.IbanChecksum),
    "digits swapped": ("FR76 3000 6000 0112 3456 7809 189", errors.IbanChecksum),
    "check digits changed": ("FR67 3000 6000 0112 3456 7890 189", errors.IbanChecksum),
    "letter for digit": ("FR76 3000 6000 0112 3456 7890 I89", errors.IbanChecksum),
    "french 26 characters": (
        with_check_digits("FR", "3000600001123456789018"),
        errors.IbanMalformed,
    ),
    "french 28 characters": (
        with_check_digits("FR", "300060000112345678901899"),
        errors.IbanMalformed,
    ),
    "letter in bank code": (
        with_check_digits("FR", "3000A00001123456789018" + "9"),
        errors.IbanMalformed,
    ),
    "unknown country": (with_check_digits("XX", "30006000011234567890189"), errors.IbanMalformed),
    "outside sepa": ("SA03 8000 0000 6080 1016 7519", errors.IbanNotSepa),
    "rib key": ("FR06 3000 6000 0112 3456 7890 188", errors.RibKeyMismatch),
    "rib key with a letter": ("FR26 3000 6000 0112 3456 7890 S87", errors.RibKeyMismatch),
}


@pytest.mark.parametrize(("typed", "error"), IBAN_REFUSALS.values(), ids=IBAN_REFUSALS.keys())
def test_iban_refusals(typed: str, error: type[errors.IbanError]) -> None:
    with pytest.raises(error) as raised:
        fields.check_iban(typed)
    assert raised.value.field == "iban"


def _rib_key_oracle(bank: str, branch: str, account: str) -> str:
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


@st.composite
def french_ibans(draw: st.DrawFn) -> str:
    """Draw a French IBAN with a digits-only account and both keys right."""
    bank, branch, account = (
        draw(_digits(0, 99999, 5)),
        draw(_digits(0, 99999, 5)),
        draw(_digits(0, 10**11 - 1, 11)),
    )
    return with_check_digits("FR", bank + branch + account + _rib_key_oracle(bank, branch, account))


@PROPERTY
@given(french_ibans())
def test_every_valid_french_iban_is_accepted_and_any_digit_change_refused(iban: str) -> None:
    assert fields.check_iban(iban) == iban
    assert fields.iban_tail(iban) == iban[-7:]
    for position in range(2, len(iban)):
        for replacement in "0123456789".replace(iban[position], ""):
            with pytest.raises(errors.IbanError):
                fields.check_iban(iban[:position] + replacement + iban[position + 1 :])


# --- The parts typed in path A: IBAN and Carte Vitale ------------------------------------


def test_iban_tail_is_the_last_seven_characters() -> None:
    assert fields.iban_tail("FR7630006000011234567890189") == "7890189"
    assert fields.iban_tail(REFERENCE_IBAN) == "7890189"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("7890189", "7890189"), (" 789 0189 ", "7890189"), ("890s86a", "890S86A")],
)
def test_iban_tails_accepted(typed: str, expected: str) -> None:
    assert fields.check_iban_tail(typed) == expected


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", errors.IbanTailRequired),
        (" ", errors.IbanTailRequired),
        ("890189", errors.IbanTailMalformed),
        ("67890189", errors.IbanTailMalformed),
        ("789-189", errors.IbanTailMalformed),
        ("7890É89", errors.IbanTailMalformed),
    ],
)
def test_iban_tail_refusals(typed: str, error: type[errors.IbanTailError]) -> None:
    with pytest.raises(error) as raised:
        fields.check_iban_tail(typed)
    assert raised.value.field == "iban_tail"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12345678901", "12345678901"),
        ("123 456 789 01", "12345678901"),
        ("1234.5678.901", "12345678901"),
    ],
)
def test_vitale_tails_accepted(typed: str, expected: str) -> None:
    assert fields.check_vitale_tail(typed) == expected


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", errors.VitaleTailRequired),
        (" . ", errors.VitaleTailRequired),
        ("1234567890", errors.VitaleTailMalformed),
        ("123456789012", errors.VitaleTailMalformed),
        ("1234567890A", errors.VitaleTailMalformed),
        ("1234-5678-901", errors.VitaleTailMalformed),
        ("\uff11234567890\uff11", errors.VitaleTailMalformed),
    ],
)
def test_vitale_tail_refusals(typed: str, error: type[errors.VitaleTailError]) -> None:
    with pytest.raises(error) as raised:
        fields.check_vitale_tail(typed)
    assert raised.value.field == "vitale_tail"


# --- Names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("VENTURI", "venturi"),
        ("  Dupré   Martin ", "dupre martin"),
        ("d'Artagnan-Dupré", "d artagnan dupre"),
        ("D ARTAGNAN DUPRE", "d artagnan dupre"),
        ("O’Neil", "o neil"),
        ("N‘Diaye", "n diaye"),
        ("Hawaiʼi", "hawai i"),
        ("Dupré–Martin", "dupre martin"),
        ("ŒUVRAY", "oeuvray"),
        ("Lætitia", "laetitia"),
        ("STRAẞE", "strasse"),
        ("Müßig", "mussig"),
        ("Çelik Ñúñez", "celik nunez"),
        ("Dupré\u00a0Martin", "dupre martin"),
    ],
)
def test_names_are_normalized_for_comparison(typed: str, normalized: str) -> None:
    assert names.normalize_name(typed) == normalized


@pytest.mark.parametrize(
    ("typed", "candidates"),
    [
        ("venturi", ("VENTURI", None)),
        ("D ARTAGNAN DUPRE", ("d'Artagnan-Dupré",)),
        ("DUPRE MARTIN", ("DUPRE-MARTIN",)),
        ("DUPREMARTIN", ("Dupré-Martin",)),
        ("Dupré-Martin", ("DUPREMARTIN",)),
        ("NDIAYE", ("N'Diaye",)),
        ("Martin", ("DUPONT", "MARTIN")),
        ("Martin", (None, "Martin")),
        ("Martin", ("", "MARTIN")),
    ],
    ids=[
        "case",
        "accents and punctuation",
        "space for hyphen",
        "no space",
        "hyphen for no space",
        "apostrophe dropped",
        "usage name",
        "no family name",
        "empty family name",
    ],
)
def test_names_that_match(typed: str, candidates: tuple[str | None, ...]) -> None:
    assert fields.names_match(typed, *candidates)


@pytest.mark.parametrize(
    ("typed", "candidates"),
    [
        ("Martine", ("MARTIN",)),
        ("Martin", ("DUPONT", "DURAND")),
        ("", ("",)),
        ("", (None,)),
        (" - ", ("-",)),
        ("Martin", ()),
        ("Martin", (None, "")),
        ("Dupré Martin", ("DUPRE",)),
    ],
)
def test_names_that_do_not_match(typed: str, candidates: tuple[str | None, ...]) -> None:
    assert not fields.names_match(typed, *candidates)


_latin_names = st.text(alphabet="abcdeéèêëàçôöîïùûüÿœæßAÉÈÇŒÆ -'’", min_size=1, max_size=30)


@PROPERTY
@given(_latin_names)
def test_a_name_matches_itself_in_capitals(name: str) -> None:
    assert names.normalize_name(names.normalize_name(name)) == names.normalize_name(name)
    assert fields.names_match(name.upper(), name) == bool(names.normalize_name(name))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("Venturi", "Venturi"), ("  Dupré-Martin ", "Dupré-Martin"), ("x" * 100, "x" * 100)],
)
def test_names_accepted(typed: str, expected: str) -> None:
    assert fields.check_name(typed) == expected


@pytest.mark.parametrize(
    ("typed", "error"),
    [("", errors.NameRequired), ("   ", errors.NameRequired), ("x" * 101, errors.NameMalformed)],
)
def test_name_refusals(typed: str, error: type[core_fields.ValidationError]) -> None:
    with pytest.raises(error) as raised:
        fields.check_name(typed)
    assert raised.value.field == "name"
