"""Check and normalise what members type: NIR, birth date, postal code, IBAN, Carte Vitale, name.

Pure functions, no Flask and no database. Each rule raises its own subclass of
:class:`ValidationError`, carrying a stable ``code``, the form ``field`` it belongs to and a
French ``message`` that can be shown next to that field. Checks run in a fixed order so
that a member always gets the most useful message first. Specification: SPEC.md §3, §4
and §13.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.iso7064 import mod_97_10

__all__ = [
    "NAME_MAX_LENGTH",
    "SEPA_COUNTRIES",
    "BirthDateError",
    "BirthDateImpossible",
    "BirthDateInFuture",
    "BirthDateMalformed",
    "BirthDateRequired",
    "BirthDateTooOld",
    "IbanChecksum",
    "IbanError",
    "IbanMalformed",
    "IbanNotFrench",
    "IbanNotSepa",
    "IbanRequired",
    "IbanTailError",
    "IbanTailMalformed",
    "IbanTailRequired",
    "NameMalformed",
    "NameRequired",
    "NirBirthDateMismatch",
    "NirError",
    "NirKeyMismatch",
    "NirKeyMissing",
    "NirMalformed",
    "NirOutOfRange",
    "NirProvisional",
    "NirRequired",
    "PersonNameError",
    "PostalCodeError",
    "PostalCodeMalformed",
    "PostalCodeRequired",
    "RibKeyMismatch",
    "ValidationError",
    "VitaleTailError",
    "VitaleTailMalformed",
    "VitaleTailRequired",
    "check_birth_date",
    "check_iban",
    "check_iban_tail",
    "check_name",
    "check_nir",
    "check_nir_or_body",
    "check_postal_code",
    "check_vitale_tail",
    "iban_tail",
    "names_match",
    "nir_key",
    "normalize_name",
    "normalize_nir",
    "parse_iso_date",
    "rib_key",
]


class ValidationError(ValueError):
    """Refuse a value typed by a member, with a code, a form field and a French message."""

    code: str = "invalid"
    message: str = _l("Cette valeur n'est pas valide.")
    field: str = ""

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


# --- NIR (numéro d'inscription au répertoire, n° de sécurité sociale) ---------------------


class FieldErrors(Exception):
    """Several fields are wrong at once: one error per field name, in the form's order."""

    def __init__(self, errors: dict[str, ValidationError]) -> None:
        super().__init__(", ".join(error.code for error in errors.values()))
        self.errors = errors


class FieldChecker:
    """Check a form field by field, keeping every field's error rather than the first only."""

    def __init__(self, form: Mapping[str, object]) -> None:
        self._form = form
        self.values: dict[str, Any] = {}
        self.errors: dict[str, ValidationError] = {}

    def check(self, name: str, check: Callable[..., Any], *args: Any) -> Any:
        """Run ``check(raw_value, *args)`` for field ``name``; return its value or None."""
        try:
            value = check(str(self._form.get(name) or ""), *args)
        except ValidationError as error:
            self.errors[name] = error
            return None
        self.values[name] = value
        return value

    def result(self, order: Sequence[str]) -> dict[str, Any]:
        """Return the checked values.

        :raises FieldErrors: ordered as ``order``, when any field was wrong.
        """
        if self.errors:
            raise FieldErrors({name: self.errors[name] for name in order if name in self.errors})
        return self.values


class NirError(ValidationError):
    """Refuse a social security number."""

    field = "nir"


class NirRequired(NirError):
    """Refuse an empty social security number."""

    code = "nir.required"
    message = _l("Saisissez votre numéro de sécurité sociale.")


class NirMalformed(NirError):
    """Refuse a social security number with wrong characters or a wrong length."""

    code = "nir.malformed"
    message = _l(
        "Votre numéro de sécurité sociale doit comporter 15 caractères, clé comprise : "
        "uniquement des chiffres, sauf 2A ou 2B pour un département de Corse."
    )


class NirKeyMissing(NirError):
    """Refuse 13 characters typed without the 2-digit key."""

    code = "nir.key_missing"
    message = _l(
        "Votre numéro de sécurité sociale comporte 15 caractères : ajoutez les 2 chiffres "
        "de la clé, indiqués à la fin du numéro sur votre carte Vitale."
    )


class NirKeyMismatch(NirError):
    """Refuse a social security number whose key does not match its first 13 characters."""

    code = "nir.key_mismatch"
    message = _l(
        "Ce numéro de sécurité sociale n'est pas valide : vérifiez chaque chiffre et la clé."
    )


class NirProvisional(NirError):
    """Refuse a provisional number (first digit 7 or 8)."""

    code = "nir.provisional"
    message = _l(
        "Un numéro provisoire ne permet pas de créer un compte ameli en ligne. "
        "Contactez votre caisse d'assurance maladie pour obtenir votre numéro définitif."
    )


class NirOutOfRange(NirError):
    """Refuse a social security number with an impossible sex, month, place or order number."""

    code = "nir.out_of_range"
    message = _l("Ce numéro de sécurité sociale n'est pas valide : vérifiez chaque chiffre.")


class NirBirthDateMismatch(NirError):
    """Refuse a social security number whose year or month of birth disagrees with the date."""

    code = "nir.birth_date_mismatch"
    message = _l(
        "Votre numéro de sécurité sociale ne correspond pas à votre date de naissance : "
        "vérifiez l'année et le mois de naissance (2e à 5e chiffres du numéro)."
    )


# --- Birth date --------------------------------------------------------------------------


class BirthDateError(ValidationError):
    """Refuse a birth date."""

    field = "birth_date"


class BirthDateRequired(BirthDateError):
    """Refuse an empty birth date."""

    code = "birth_date.required"
    message = _l("Saisissez votre date de naissance.")


class BirthDateMalformed(BirthDateError):
    """Refuse a birth date that is not written JJ/MM/AAAA."""

    code = "birth_date.malformed"
    message = _l("Saisissez votre date de naissance au format JJ/MM/AAAA, par exemple 18/12/1962.")


class BirthDateImpossible(BirthDateError):
    """Refuse a day that does not exist, such as 31/02/2000."""

    code = "birth_date.impossible"
    message = _l("Cette date n'existe pas : vérifiez le jour et le mois.")


class BirthDateInFuture(BirthDateError):
    """Refuse a birth date after today."""

    code = "birth_date.in_future"
    message = _l("Votre date de naissance ne peut pas être dans le futur.")


class BirthDateTooOld(BirthDateError):
    """Refuse a birth date before 1 January 1900."""

    code = "birth_date.too_old"
    message = _l("Votre date de naissance ne peut pas être antérieure au 01/01/1900.")


# --- Postal code -------------------------------------------------------------------------


class PostalCodeError(ValidationError):
    """Refuse a postal code."""

    field = "postal_code"


class PostalCodeRequired(PostalCodeError):
    """Refuse an empty postal code."""

    code = "postal_code.required"
    message = _l("Saisissez votre code postal.")


class PostalCodeMalformed(PostalCodeError):
    """Refuse a postal code that is not 5 digits."""

    code = "postal_code.malformed"
    message = _l("Le code postal doit comporter 5 chiffres, par exemple 63000.")


# --- IBAN --------------------------------------------------------------------------------


class IbanError(ValidationError):
    """Refuse a full IBAN."""

    field = "iban"


class IbanRequired(IbanError):
    """Refuse an empty IBAN."""

    code = "iban.required"
    message = _l("Saisissez votre IBAN.")


class IbanMalformed(IbanError):
    """Refuse an IBAN with wrong characters or a length that does not fit its country."""

    code = "iban.malformed"
    message = _l(
        "Cet IBAN n'est pas valide : il commence par 2 lettres et 2 chiffres, puis comporte "
        "uniquement des lettres et des chiffres (27 caractères pour un compte en France)."
    )


class IbanChecksum(IbanError):
    """Refuse an IBAN whose check digits are wrong (ISO 13616 mod 97)."""

    code = "iban.checksum"
    message = _l("Cet IBAN n'est pas valide : vérifiez chaque caractère.")


class IbanNotFrench(IbanError):
    """Refuse a foreign IBAN where only a French account is accepted."""

    code = "iban.not_french"
    message = _l("Indiquez un compte bancaire ouvert en France (IBAN commençant par FR).")


class IbanNotSepa(IbanError):
    """Refuse an IBAN from a country outside the SEPA zone."""

    code = "iban.not_sepa"
    message = _l(
        "Les remboursements ne peuvent être versés que sur un compte bancaire ouvert "
        "dans la zone SEPA."
    )


class RibKeyMismatch(IbanError):
    """Refuse a French IBAN whose RIB key does not match its bank, branch and account."""

    code = "iban.rib_key"
    message = _l("Cet IBAN n'est pas valide : la clé RIB (2 derniers chiffres) ne correspond pas.")


# --- Last 7 characters of the IBAN -------------------------------------------------------


class IbanTailError(ValidationError):
    """Refuse the last characters of an IBAN."""

    field = "iban_tail"


class IbanTailRequired(IbanTailError):
    """Refuse empty IBAN characters."""

    code = "iban_tail.required"
    message = _l("Saisissez les 7 derniers caractères de votre IBAN.")


class IbanTailMalformed(IbanTailError):
    """Refuse IBAN characters that are not exactly 7 letters or digits."""

    code = "iban_tail.malformed"
    message = _l(
        "Saisissez exactement les 7 derniers caractères de votre IBAN (lettres et chiffres)."
    )


# --- Last 11 digits of the Carte Vitale serial number ------------------------------------


class VitaleTailError(ValidationError):
    """Refuse the last digits of a Carte Vitale serial number."""

    field = "vitale_tail"


class VitaleTailRequired(VitaleTailError):
    """Refuse empty Carte Vitale digits."""

    code = "vitale_tail.required"
    message = _l("Saisissez les 11 derniers chiffres du numéro de série de votre carte Vitale.")


class VitaleTailMalformed(VitaleTailError):
    """Refuse Carte Vitale digits that are not exactly 11 digits."""

    code = "vitale_tail.malformed"
    message = _l(
        "Saisissez exactement les 11 derniers chiffres du numéro de série de votre "
        "carte Vitale, sans lettre."
    )


# --- Name --------------------------------------------------------------------------------


class PersonNameError(ValidationError):
    """Refuse a name (named so as not to shadow the built-in ``NameError``)."""

    field = "name"


class NameRequired(PersonNameError):
    """Refuse an empty name."""

    code = "name.required"
    message = _l("Saisissez votre nom.")


class NameMalformed(PersonNameError):
    """Refuse a name longer than the registry can hold."""

    code = "name.malformed"
    message = _l("Votre nom ne peut pas dépasser 100 caractères.")


# --- NIR ---------------------------------------------------------------------------------

# Members copy the number as printed on the card ("1 62 12 2B 010 001 03") or as typed
# elsewhere with dots or dashes; \s also covers the non-breaking spaces of pasted text.
_NIR_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015]")
_NIR_BODY = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{6}", re.ASCII)
_NIR_FULL = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}", re.ASCII)
_NIR_BODY_OR_FULL = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{6}(?:[0-9]{2})?", re.ASCII)
# Corsica was split in 1976; the key is still computed on the old numeric codes.
_CORSICA = {"2A": "19", "2B": "18"}
_CERTIFIED_SEX = frozenset("12")
_PROVISIONAL_SEX = frozenset("78")
_OVERSEAS_DEPARTMENTS = frozenset({"97", "98"})


def normalize_nir(raw: str) -> str:
    """Strip spaces, dots and dashes from a social security number and upper-case it."""
    return _NIR_SEPARATORS.sub("", raw).upper()


def nir_key(body: str) -> int:
    """Return the 2-digit key (1 to 97) of the first 13 characters of a NIR.

    :raises NirMalformed: if ``body`` is not 13 characters of a NIR.
    """
    if not _NIR_BODY.fullmatch(body):
        raise NirMalformed()
    department = body[5:7]
    digits = body[:5] + _CORSICA.get(department, department) + body[7:]
    return 97 - int(digits) % 97


def _check_nir_body(body: str, *, allow_provisional: bool = False) -> None:
    """Check the sex digit, month, place of birth and order number of a 13-character body."""
    sex, month, department = body[0], int(body[3:5]), body[5:7]
    if sex in _PROVISIONAL_SEX:
        if not allow_provisional:
            raise NirProvisional()
    elif sex not in _CERTIFIED_SEX:
        raise NirOutOfRange(
            _l(
                "Ce numéro de sécurité sociale n'est pas valide : "
                "il commence par 1 (homme) ou 2 (femme)."
            )
        )
    # 20 to 99 stand for an unknown month of birth (or a birth registered late).
    if month == 0 or 13 <= month <= 19:
        raise NirOutOfRange(
            _l(
                "Ce numéro de sécurité sociale n'est pas valide : vérifiez le mois de naissance "
                "(4e et 5e chiffres)."
            )
        )
    # Overseas departments have 3 digits, which leaves 2 digits for the commune.
    commune = body[8:10] if department in _OVERSEAS_DEPARTMENTS else body[7:10]
    if department == "00" or int(commune) == 0:
        raise NirOutOfRange(
            _l(
                "Ce numéro de sécurité sociale n'est pas valide : vérifiez le département et "
                "la commune de naissance (6e à 10e caractères)."
            )
        )
    if body[10:13] == "000":
        raise NirOutOfRange(
            _l(
                "Ce numéro de sécurité sociale n'est pas valide : vérifiez les 3 chiffres "
                "qui précèdent la clé."
            )
        )


def _check_nir_key(nir: str) -> None:
    if int(nir[13:]) != nir_key(nir[:13]):
        raise NirKeyMismatch()


def check_nir(raw: str, birth_date: date | None = None, *, allow_provisional: bool = False) -> str:
    """Return the 15-character social security number typed by a member, key checked.

    Checks run in this order: required, characters and length, provisional number (before
    the key, so that a provisional number always gets its own message, even without its
    key), key missing, field ranges, key, then agreement with ``birth_date`` if given: the
    year always, the month only when the NIR month is 01 to 12.

    ``allow_provisional`` accepts the first digit 7 or 8; it is meant for the registry
    import, which records provisional numbers so as to refuse them with a clear message.

    :raises NirError: the subclass naming the first rule broken.
    """
    nir = normalize_nir(raw)
    if not nir:
        raise NirRequired()
    if not (_NIR_FULL.fullmatch(nir) or _NIR_BODY.fullmatch(nir)):
        raise NirMalformed()
    if nir[0] in _PROVISIONAL_SEX and not allow_provisional:
        raise NirProvisional()
    if len(nir) == 13:
        raise NirKeyMissing()
    _check_nir_body(nir[:13], allow_provisional=allow_provisional)
    _check_nir_key(nir)
    if birth_date is not None:
        _check_nir_birth_date(nir, birth_date)
    return nir


def _check_nir_birth_date(nir: str, birth_date: date) -> None:
    year, month = int(nir[1:3]), int(nir[3:5])
    if year != birth_date.year % 100 or (1 <= month <= 12 and month != birth_date.month):
        raise NirBirthDateMismatch()


def check_nir_or_body(raw: str) -> str:
    """Return the 13-character body of a social security number typed with or without its key.

    Used at sign-in, where members often leave the key out. A 15-character number must
    have the right key.

    :raises NirError: the subclass naming the first rule broken (never ``NirKeyMissing``).
    """
    nir = normalize_nir(raw)
    if not nir:
        raise NirRequired()
    if not _NIR_BODY_OR_FULL.fullmatch(nir):
        raise NirMalformed(
            _l(
                "Votre numéro de sécurité sociale doit comporter 13 caractères, ou 15 avec la "
                "clé : uniquement des chiffres, sauf 2A ou 2B pour un département de Corse."
            )
        )
    _check_nir_body(nir[:13])
    if len(nir) == 15:
        _check_nir_key(nir)
    return nir[:13]


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

    :raises BirthDateMalformed: if it is not written AAAA-MM-JJ.
    :raises BirthDateImpossible: if that day does not exist.
    """
    match = _ISO_DATE.fullmatch(raw.strip())
    if match is None:
        raise BirthDateMalformed(
            _l("La date doit être au format AAAA-MM-JJ, par exemple 1962-12-18.")
        )
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


def check_iban(raw: str, *, french_only: bool = False) -> str:
    """Return the full IBAN, spaces removed and upper-cased, once its keys are checked.

    Any IBAN of the SEPA zone is accepted (ISO 13616 mod 97 and its country's length and
    layout), because the Assurance Maladie pays reimbursements to any SEPA account;
    ``french_only`` restricts it to French accounts. A French IBAN (``FR``, 27 characters)
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
    if french_only and country != "FR":
        raise IbanNotFrench()
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
# Hyphens and apostrophes are typed inconsistently (or dropped) by members and by the
# registry, so they separate words like a space does.
_NAME_SEPARATORS = re.compile(r"['\u2018\u2019\u02bc\u2010-\u2015\u2212-]")
# Ligatures that Unicode does not decompose.
_NAME_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})


def normalize_name(raw: str) -> str:
    """Return a name reduced for comparison: no case, accents, hyphens or apostrophes."""
    # Casefold first: it can itself produce combining marks ("İ" becomes "i" + dot above).
    decomposed = unicodedata.normalize("NFKD", raw.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    text = _NAME_SEPARATORS.sub(" ", bare.translate(_NAME_LIGATURES))
    return " ".join(text.split())


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
