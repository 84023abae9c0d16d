"""The NIR (numéro d'inscription au répertoire, n° de sécurité sociale): read it as people
type it, check its key and its fields, and say precisely what is wrong.

Shared by enrollment (step 1, the registry import), sign-in and the code personnel rules,
which must not contain a part of it. Pure functions, no Flask and no database, except the
messages' translation. Specification: SPEC.md §3, §4, §9 and §13.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l

from core.fields import ValidationError


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
