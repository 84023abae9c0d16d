"""Check, rate and store the code personnel (password) of an ameli account.

Shared by both sign-up paths (Carte Vitale + IBAN, FranceConnect), the mobile JSON API and
the identity provider's sign-in. Each rule of SPEC.md §6 is a named :class:`PasswordRule`
with its own French message; :func:`evaluate` runs them all in the order of the page so
that every broken rule can be listed at once, live while typing and on submit. zxcvbn
gives the indicative strength ("Niveau indicatif de sécurité") with the person's names,
NIR and birth date as user inputs; score 0 is refused. Codes are stored with Argon2id and
rehashed at sign-in when the parameters change.
"""

from __future__ import annotations

import hmac
import re
import string
import threading
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any

import argon2
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from flask import Flask
from flask import current_app
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from core.errors import ConfigurationError
from enrollment.validators import normalize_name
from enrollment.validators import normalize_nir

__all__ = [
    "ALLOWED_CHARACTERS",
    "DEFAULT_MEMORY_COST",
    "DEFAULT_PARALLELISM",
    "DEFAULT_TIME_COST",
    "CONFIRMATION_CODE",
    "CONFIRMATION_MESSAGE",
    "EXTENSION_KEY",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "RULES",
    "SPECIAL_CHARACTERS",
    "STRENGTH_LABELS",
    "TOO_WEAK_CODE",
    "TOO_WEAK_MESSAGE",
    "PasswordContext",
    "PasswordHasher",
    "PasswordRule",
    "PasswordVerdict",
    "Strength",
    "birth_date_pattern",
    "check_confirmation",
    "evaluate",
    "get_hasher",
    "hasher_from_config",
    "init_app",
    "nir_windows",
    "rate",
    "verify_and_rehash",
]

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


def _utf8(text: str) -> bytes:
    # "surrogatepass": a lone surrogate sent in JSON must be compared or refused, not crash.
    return text.encode("utf-8", "surrogatepass")


def check_confirmation(password: str, confirmation: str) -> bool:
    """Tell whether the confirmation is the same code, in constant time."""
    return hmac.compare_digest(_utf8(password), _utf8(confirmation))


# --- Storage (Argon2id) -----------------------------------------------------------------

EXTENSION_KEY = "ameli.password_hasher"
# OWASP Password Storage Cheat Sheet, Argon2id: m = 19 MiB, t = 2, p = 1.
DEFAULT_TIME_COST = 2
DEFAULT_MEMORY_COST = 19456
DEFAULT_PARALLELISM = 1


class PasswordHasher:
    """Hash and verify codes with Argon2id, and tell when a stored hash is out of date."""

    def __init__(
        self,
        time_cost: int = DEFAULT_TIME_COST,
        memory_cost: int = DEFAULT_MEMORY_COST,
        parallelism: int = DEFAULT_PARALLELISM,
    ) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )
        # A valid hash of a random code, so that unknown accounts cost as much as known ones.
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        """Return the Argon2id hash of ``password``, with a fresh random salt."""
        return self._hasher.hash(_utf8(password))

    def verify(self, password_hash: str, password: str) -> bool:
        """Tell whether ``password`` matches ``password_hash``; False for an unusable hash."""
        try:
            return self._hasher.verify(password_hash, _utf8(password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Tell whether ``password_hash`` was made with other parameters (or is unusable)."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def verify_and_rehash(self, password_hash: str, password: str) -> tuple[bool, str | None]:
        """Verify a code at sign-in; return a new hash too when the parameters changed."""
        if not self.verify(password_hash, password):
            return False, None
        if self.needs_rehash(password_hash):
            return True, self.hash(password)
        return True, None

    def verify_dummy(self, password: str) -> bool:
        """Spend the time of a verification for an unknown account; always return False."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hash("dummy code personnel, never a real one")
        self.verify(self._dummy_hash, password)
        return False


def hasher_from_config(config: Mapping[str, Any]) -> PasswordHasher:
    """Build the hasher from ``ARGON2_TIME_COST``, ``ARGON2_MEMORY_COST``, ``ARGON2_PARALLELISM``.

    :raises ConfigurationError: if a parameter is not a whole number Argon2 accepts.
    """
    time_cost = _positive_int(config, "ARGON2_TIME_COST", DEFAULT_TIME_COST)
    memory_cost = _positive_int(config, "ARGON2_MEMORY_COST", DEFAULT_MEMORY_COST)
    parallelism = _positive_int(config, "ARGON2_PARALLELISM", DEFAULT_PARALLELISM)
    # Argon2 needs 8 KiB of memory per lane; found now rather than at the first sign-up.
    if memory_cost < 8 * parallelism:
        raise ConfigurationError(
            f"ARGON2_MEMORY_COST ({memory_cost} KiB) must be at least 8 × ARGON2_PARALLELISM "
            f"({8 * parallelism} KiB)."
        )
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def _positive_int(config: Mapping[str, Any], key: str, default: int) -> int:
    value = config.get(key, default)
    # bool is an int, but "ARGON2_TIME_COST = True" is surely a mistake.
    if isinstance(value, bool):
        raise ConfigurationError(f"{key} must be a positive whole number, not {value!r}.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{key} must be a positive whole number, not {value!r}.") from None
    if number < 1:
        raise ConfigurationError(f"{key} must be a positive whole number, not {value!r}.")
    return number


def init_app(app: Flask) -> None:
    """Install the code personnel hasher on ``app``, with OWASP's parameters by default."""
    app.config.setdefault("ARGON2_TIME_COST", DEFAULT_TIME_COST)
    app.config.setdefault("ARGON2_MEMORY_COST", DEFAULT_MEMORY_COST)
    app.config.setdefault("ARGON2_PARALLELISM", DEFAULT_PARALLELISM)
    app.extensions[EXTENSION_KEY] = hasher_from_config(app.config)


def get_hasher() -> PasswordHasher:
    """Return the hasher of the current application.

    :raises RuntimeError: if :func:`init_app` was not called on it.
    """
    try:
        hasher: PasswordHasher = current_app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "The code personnel hasher is not installed: call enrollment.password.init_app(app)."
        ) from None
    return hasher


def verify_and_rehash(password_hash: str, password: str) -> tuple[bool, str | None]:
    """Verify a code at sign-in with the app's hasher; return a new hash if out of date."""
    return get_hasher().verify_and_rehash(password_hash, password)
