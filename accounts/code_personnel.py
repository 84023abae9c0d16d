"""Check and rate the code personnel (password) of an ameli account (SPEC §6).

Shared by both sign-up paths (Carte Vitale + IBAN, FranceConnect) and the mobile JSON API.
Each rule is a named :class:`PasswordRule` with its own message; :func:`evaluate` runs them
all in the order of the page so that every broken rule can be listed at once, live while
typing and on submit. zxcvbn gives the indicative strength ("Niveau indicatif de
sécurité") with the person's names, NIR and birth date as user inputs; score 0 is refused.
Storing and verifying the code is :mod:`accounts.hashing`'s.
"""

from __future__ import annotations

import hmac
import re
import string
import threading
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from accounts.hashing import encode_secret
from core.names import normalize_name
from core.nir import normalize_nir

MIN_LENGTH = 8
MAX_LENGTH = 50
# The 32 printable ASCII punctuation characters, backtick included: exactly SPEC §6's list.
SPECIAL_CHARACTERS = frozenset(string.punctuation)
_DIGITS = frozenset(string.digits)
ALLOWED_CHARACTERS = frozenset(string.ascii_letters) | _DIGITS | SPECIAL_CHARACTERS

CONFIRMATION_CODE = "password.confirmation_mismatch"
CONFIRMATION_MESSAGE = _l("Les deux codes saisis ne sont pas identiques.")
TOO_WEAK_CODE = "password.too_weak"
TOO_WEAK_MESSAGE = _l(
    "Votre code personnel est trop facile à deviner (niveau de sécurité très faible) : "
    "choisissez un code plus long ou moins prévisible, sans mot courant ni information "
    "personnelle."
)
STRENGTH_LABELS = (
    _l("Très faible"),
    _l("Faible"),
    _l("Moyen"),
    _l("Fort"),
    _l("Très fort"),
)


@dataclass(frozen=True)
class PasswordContext:
    """Tell what the code must not contain and what zxcvbn should treat as guessable."""

    nir: str
    birth_date: date
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class PasswordRule:
    """Name one rule of the code personnel, as listed on the page, and check it."""

    code: str
    label: str
    message: str
    check: Callable[[str, PasswordContext], bool] = field(repr=False, compare=False)

    def is_broken(self, password: str, context: PasswordContext) -> bool:
        """Tell whether ``password`` breaks this rule for the person of ``context``."""
        return not self.check(password, context)


# --- The rules, in the order of the page ------------------------------------------------


def _has_allowed_length(password: str, context: PasswordContext) -> bool:
    return MIN_LENGTH <= len(password) <= MAX_LENGTH


def _has_both_cases(password: str, context: PasswordContext) -> bool:
    # Explicit ranges: str.islower() would also accept "é" or Greek letters.
    return any("a" <= char <= "z" for char in password) and any(
        "A" <= char <= "Z" for char in password
    )


def _has_digit_or_special(password: str, context: PasswordContext) -> bool:
    # Explicit sets: str.isdigit() would also accept "²" or Arabic-Indic digits.
    return any(char in _DIGITS or char in SPECIAL_CHARACTERS for char in password)


def _has_only_allowed_characters(password: str, context: PasswordContext) -> bool:
    return all(char in ALLOWED_CHARACTERS for char in password)


def nir_windows(nir: str) -> frozenset[str]:
    """Return the parts of a NIR a code must not contain: 4 consecutive digits of its body.

    Only the first 13 characters count (SPEC §6), not the key. With a Corsican department
    (2A, 2B) the windows are taken in place and must be all digits: for "162122B010001"
    they are 1621, 6212, 2122, 0100, 1000 and 0001, never "122B" nor "1220" (which would
    join digits the letter separates, a number nobody reads on their card).
    """
    body = normalize_nir(nir)[:13]
    windows = (body[start : start + 4] for start in range(len(body) - 3))
    return frozenset(window for window in windows if all(char in _DIGITS for char in window))


def _has_no_nir(password: str, context: PasswordContext) -> bool:
    return not any(window in password for window in nir_windows(context.nir))


# Members write dates as 18/12/1962, 18-12-1962, 18.12.1962 or 18121962, on the card and
# in forms; any of these separators (or none) may join the parts, even mixed.
_DATE_SEPARATOR = "[/.-]?"


def birth_date_pattern(birth_date: date) -> re.Pattern[str]:
    """Return the pattern of the parts of a birth date a code must not contain.

    The forms of SPEC §6 are YYYY, DDMM, DDMMYY, DDMMYYYY and YYYYMMDD, with or without
    ``/``, ``-`` or ``.`` between the parts. A code containing DDMMYY(YY) already contains
    DDMM, and YYYYMMDD contains YYYY; every form is still spelled out so that the list
    reads as the specification.
    """
    day = f"{birth_date.day:02d}"
    month = f"{birth_date.month:02d}"
    year = f"{birth_date.year:04d}"
    separator = _DATE_SEPARATOR
    forms = (
        year,
        f"{day}{separator}{month}",
        f"{day}{separator}{month}{separator}{year[2:]}",
        f"{day}{separator}{month}{separator}{year}",
        f"{year}{separator}{month}{separator}{day}",
    )
    return re.compile("|".join(f"(?:{form})" for form in forms))


def _has_no_birth_date(password: str, context: PasswordContext) -> bool:
    return birth_date_pattern(context.birth_date).search(password) is None


RULES: tuple[PasswordRule, ...] = (
    PasswordRule(
        code="length",
        label=_l("comporter entre %(min)s et %(max)s caractères", min=MIN_LENGTH, max=MAX_LENGTH),
        message=_l(
            "Votre code personnel doit comporter entre %(min)s et %(max)s caractères.",
            min=MIN_LENGTH,
            max=MAX_LENGTH,
        ),
        check=_has_allowed_length,
    ),
    PasswordRule(
        code="letters_case",
        label=_l("contenir des caractères latins minuscules et majuscules"),
        message=_l(
            "Votre code personnel doit contenir au moins une lettre minuscule et une "
            "lettre majuscule, sans accent (de a à z et de A à Z)."
        ),
        check=_has_both_cases,
    ),
    PasswordRule(
        code="digit_or_special",
        label=_l("contenir un chiffre ou un caractère spécial"),
        message=_l(
            "Votre code personnel doit contenir au moins un chiffre ou un caractère "
            "spécial, comme ! ? @ # ou *."
        ),
        check=_has_digit_or_special,
    ),
    PasswordRule(
        code="allowed_characters",
        label=_l("ne contenir que des caractères autorisés"),
        message=_l(
            "Votre code personnel ne peut contenir que des lettres sans accent, des chiffres "
            "et les caractères spéciaux %(specials)s : ni espace, ni lettre accentuée, ni "
            "autre symbole.",
            specials=" ".join(string.punctuation),
        ),
        check=_has_only_allowed_characters,
    ),
    PasswordRule(
        code="no_nir",
        label=_l("ne pas contenir votre n° de sécurité sociale ou une partie de celui-ci"),
        message=_l(
            "Votre code personnel ne doit pas contenir votre numéro de sécurité sociale "
            "ni une partie de celui-ci (4 chiffres qui se suivent dans ce numéro)."
        ),
        check=_has_no_nir,
    ),
    PasswordRule(
        code="no_birth_date",
        label=_l("ne pas contenir votre date de naissance ou une partie de celle-ci"),
        message=_l(
            "Votre code personnel ne doit pas contenir votre date de naissance ni une "
            "partie de celle-ci (année, jour et mois)."
        ),
        check=_has_no_birth_date,
    ),
)


# --- Indicative strength (zxcvbn) -------------------------------------------------------


@dataclass(frozen=True)
class Strength:
    """Give the indicative strength of a code: zxcvbn's score 0 to 4 and its French label."""

    score: int
    label: str

    @classmethod
    def of_score(cls, score: int) -> Strength:
        """Return the strength of a zxcvbn score, labelled as on the page."""
        return cls(score=score, label=STRENGTH_LABELS[score])


# zxcvbn keeps the user inputs of the current call in a module-level dictionary that its
# matchers read back, so two threads rating codes at once would see each other's inputs.
_ZXCVBN_LOCK = threading.Lock()
# Nothing past MAX_LENGTH can be accepted, zxcvbn itself refuses more than 72 characters,
# and its l33t matcher grows with the input (about 1 s at 50 characters full of symbols).
_ZXCVBN_MAX_INPUT = MAX_LENGTH


def _user_inputs(context: PasswordContext) -> list[str]:
    """Return what zxcvbn should treat as known to an attacker who knows the person."""
    inputs: list[str] = []
    for name in context.names:
        # The code cannot hold accents, so "Héloïse" is guessed as "heloise".
        words = normalize_name(name).split()
        inputs.extend(words)
        if len(words) > 1:
            inputs.append("".join(words))
    nir = normalize_nir(context.nir)
    if nir:
        inputs.extend(dict.fromkeys((nir, nir[:13])))
    birth = context.birth_date
    inputs.extend(
        birth.strftime(pattern)
        for pattern in (
            "%d%m%Y",
            "%d%m%y",
            "%Y%m%d",
            "%d%m",
            "%Y",
            "%d/%m/%Y",
            "%d-%m-%Y",
            "%d.%m.%Y",
            "%Y-%m-%d",
        )
    )
    return inputs


def rate(password: str, context: PasswordContext) -> Strength:
    """Return the indicative strength of ``password`` for the person of ``context``."""
    if not password:
        return Strength.of_score(0)
    sample = password[:_ZXCVBN_MAX_INPUT]
    user_inputs = _user_inputs(context)
    with _ZXCVBN_LOCK:
        result = zxcvbn(sample, user_inputs=user_inputs)
    return Strength.of_score(int(result["score"]))


# --- Verdict ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordVerdict:
    """Tell which rules a candidate code breaks, how strong it is, and whether it is taken."""

    broken: tuple[PasswordRule, ...]
    strength: Strength
    too_weak: bool

    @property
    def acceptable(self) -> bool:
        """Tell whether the code may be stored: no broken rule and not too weak."""
        return not self.broken and not self.too_weak

    def errors(self) -> Iterator[tuple[str, str]]:
        """Yield the API code and message, in the current language, of each reason to refuse."""
        for rule in self.broken:
            yield f"password.{rule.code}", str(rule.message)
        if self.too_weak:
            yield TOO_WEAK_CODE, str(TOO_WEAK_MESSAGE)

    def messages(self) -> list[str]:
        """Return the message of each reason to refuse the code, in the page's order."""
        return [message for _, message in self.errors()]

    def as_json(self) -> dict[str, Any]:
        """Return the verdict for the live indicator and the mobile API (never the code)."""
        broken_codes = {rule.code for rule in self.broken}
        return {
            "acceptable": self.acceptable,
            "rules": [
                {"code": rule.code, "label": str(rule.label), "ok": rule.code not in broken_codes}
                for rule in RULES
            ],
            "strength": {"score": self.strength.score, "label": str(self.strength.label)},
            "too_weak": self.too_weak,
            "errors": [{"code": code, "message": str(message)} for code, message in self.errors()],
        }


def evaluate(password: str, context: PasswordContext) -> PasswordVerdict:
    """Run every rule on ``password`` and rate it; score 0 is too weak to be accepted."""
    broken = tuple(rule for rule in RULES if rule.is_broken(password, context))
    strength = rate(password, context)
    return PasswordVerdict(broken=broken, strength=strength, too_weak=strength.score == 0)


def check_confirmation(password: str, confirmation: str) -> bool:
    """Tell whether the confirmation is the same code, in constant time."""
    return hmac.compare_digest(encode_secret(password), encode_secret(confirmation))
