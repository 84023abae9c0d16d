"""Read what people type at step 1: birth date, postal code, IBAN, its last characters, the
Carte Vitale digits and the name.

Pure functions, no Flask and no database. Each rule raises its own
:class:`~core.fields.ValidationError` from :mod:`enrollment.errors`, so that a person
always gets the most useful message first; the NIR is read by :mod:`core.nir`.
Specification: SPEC.md §3, §4 and §13.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.iso7064 import mod_97_10

from core.names import normalize_name
from enrollment.errors import BirthDateImpossible
from enrollment.errors import BirthDateInFuture
from enrollment.errors import BirthDateMalformed
from enrollment.errors import BirthDateRequired
from enrollment.errors import BirthDateTooOld
from enrollment.errors import IbanChecksum
from enrollment.errors import IbanMalformed
from enrollment.errors import IbanNotSepa
from enrollment.errors import IbanRequired
from enrollment.errors import IbanTailMalformed
from enrollment.errors import IbanTailRequired
from enrollment.errors import IsoDateMalformed
from enrollment.errors import NameMalformed
from enrollment.errors import NameRequired
from enrollment.errors import PostalCodeMalformed
from enrollment.errors import PostalCodeRequired
from enrollment.errors import RibKeyMismatch
from enrollment.errors import VitaleTailMalformed
from enrollment.errors import VitaleTailRequired

# --- Dates -------------------------------------------------------------------------------

_WEB_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", re.ASCII)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def _make_date(year: str, month: str, day: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise BirthDateImpossible() from None


def check_birth_date(raw: str, today: date) -> date:
    """Return the birth date typed on the web form as JJ/MM/AAAA (or J/M/AAAA).

    A baby born ``today`` can already be insured, so today is accepted.

    :raises BirthDateError: the subclass naming the first rule broken.
    """
    text = raw.strip()
    if not text:
        raise BirthDateRequired()
    match = _WEB_DATE.fullmatch(text)
    if match is None:
        raise BirthDateMalformed()
    day, month, year = match.groups()
    birth_date = _make_date(year, month, day)
    if birth_date < _EARLIEST_BIRTH_DATE:
        raise BirthDateTooOld()
    if birth_date > today:
        raise BirthDateInFuture()
    return birth_date


def parse_iso_date(raw: str) -> date:
    """Return the date written AAAA-MM-JJ, as in the registry CSV and the API.

    :raises IsoDateMalformed: if it is not written AAAA-MM-JJ.
    :raises BirthDateImpossible: if that day does not exist.
    """
    match = _ISO_DATE.fullmatch(raw.strip())
    if match is None:
        raise IsoDateMalformed()
    return _make_date(*match.groups())


# --- Postal code -------------------------------------------------------------------------

_POSTAL_CODE = re.compile(r"[0-9]{5}", re.ASCII)


def check_postal_code(raw: str) -> str:
    """Return the 5-digit postal code, spaces removed (so "63 000" is accepted)."""
    postal_code = "".join(raw.split())
    if not postal_code:
        raise PostalCodeRequired()
    if not _POSTAL_CODE.fullmatch(postal_code):
        raise PostalCodeMalformed()
    return postal_code


# --- IBAN --------------------------------------------------------------------------------

_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", re.ASCII)
# Countries of the European Payments Council's SEPA schemes that have their own IBAN country
# code (territories such as the French overseas departments, Jersey or Åland use the IBAN
# of their state). Reimbursements are paid by SEPA credit transfer.
# fmt: off
SEPA_COUNTRIES: frozenset[str] = frozenset(
    {
        "AD", "AL", "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR",
        "GB", "GI", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MD",
        "ME", "MK", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK", "SM", "VA",
    }
)
# fmt: on
# Letters of a French account number count as digits for the RIB key, in this pattern.
_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")


def _compact_iban(raw: str) -> str:
    return "".join(raw.split()).upper()


def rib_key(bank: str, branch: str, account: str) -> int:
    """Return the RIB key (1 to 97) of a French bank code, branch code and account number."""
    total = 89 * int(bank) + 15 * int(branch) + 3 * int(account.translate(_RIB_LETTERS))
    return 97 - total % 97


def check_iban(raw: str) -> str:
    """Return the full IBAN, spaces removed and upper-cased, once its keys are checked.

    Any IBAN of the SEPA zone is accepted (ISO 13616 mod 97 and its country's length and
    layout), because the Assurance Maladie pays reimbursements to any SEPA account. A
    French IBAN (``FR``, 27 characters)
    must also have the right RIB key, which catches typos inside the account number that a
    bank would otherwise reject days later.

    :raises IbanError: the subclass naming the first rule broken.
    """
    iban = _compact_iban(raw)
    if not iban:
        raise IbanRequired()
    if not _IBAN.fullmatch(iban):
        raise IbanMalformed()
    if mod_97_10.checksum(iban[4:] + iban[:4]) != 1:
        raise IbanChecksum()
    try:
        # The country-specific modules of stdnum are skipped: the RIB key is checked below.
        stdnum_iban.validate(iban, check_country=False)
    except StdnumValidationError:
        raise IbanMalformed() from None
    country = iban[:2]
    if country not in SEPA_COUNTRIES:
        raise IbanNotSepa()
    if country == "FR" and int(iban[25:]) != rib_key(iban[4:9], iban[9:14], iban[14:25]):
        raise RibKeyMismatch()
    return iban


def iban_tail(iban: str) -> str:
    """Return the last 7 characters of an IBAN, as members type them in path A."""
    return _compact_iban(iban)[-7:]


_IBAN_TAIL = re.compile(r"[A-Z0-9]{7}", re.ASCII)


def check_iban_tail(raw: str) -> str:
    """Return the last 7 characters of the IBAN typed by a member, spaces removed."""
    tail = _compact_iban(raw)
    if not tail:
        raise IbanTailRequired()
    if not _IBAN_TAIL.fullmatch(tail):
        raise IbanTailMalformed()
    return tail


# --- Carte Vitale ------------------------------------------------------------------------

_VITALE_SEPARATORS = re.compile(r"[\s.]")
_VITALE_TAIL = re.compile(r"[0-9]{11}", re.ASCII)


def check_vitale_tail(raw: str) -> str:
    """Return the last 11 digits of the Carte Vitale serial number, spaces and dots removed."""
    tail = _VITALE_SEPARATORS.sub("", raw)
    if not tail:
        raise VitaleTailRequired()
    if not _VITALE_TAIL.fullmatch(tail):
        raise VitaleTailMalformed()
    return tail


# --- Names -------------------------------------------------------------------------------

NAME_MAX_LENGTH = 100


def check_name(raw: str) -> str:
    """Return the name typed by a member, surrounding spaces removed."""
    name = raw.strip()
    if not name:
        raise NameRequired()
    if len(name) > NAME_MAX_LENGTH:
        raise NameMalformed()
    return name


def names_match(typed: str, *candidates: str | None) -> bool:
    """Tell whether the typed name is one of the candidates (family name, usage name).

    Spaces are also ignored altogether, so "DUPRE MARTIN", "Dupré-Martin" and "DUPREMARTIN"
    all match each other.
    """
    wanted = normalize_name(typed)
    if not wanted:
        return False
    squeezed = wanted.replace(" ", "")
    for candidate in candidates:
        if not candidate:
            continue
        known = normalize_name(candidate)
        if known and (known == wanted or known.replace(" ", "") == squeezed):
            return True
    return False
