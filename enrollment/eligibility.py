"""Who may create an account immediately: the ordered checks of SPEC §4 (and §5.3).

Each check is a small named function that raises a typed :class:`EnrollmentRefused`; a path
is the explicit list of its checks. Any mismatch of what the person typed gives the one
generic :class:`IdentityNotRecognised`, so nobody learns which field was wrong; exclusions
are told only once the identity itself matched.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db
from enrollment import validators
from enrollment.models import Account
from enrollment.registry import BeneficiaryRecord
from enrollment.registry import get_registry


class EnrollmentRefused(Exception):
    """The person cannot create an account immediately; ``code`` says why."""

    code = "enrollment.refused"
    message = _l("La création immédiate de votre compte n'est pas possible.")
    # What the page offers next: "caisse" (contact your caisse), "franceconnect", "sign_in".
    guidance: tuple[str, ...] = ("caisse",)

    def __init__(self) -> None:
        super().__init__(self.message)


class IdentityNotRecognised(EnrollmentRefused):
    code = "identity.not_recognised"
    message = _l(
        "Les informations saisies ne permettent pas de vous identifier. Vérifiez-les "
        "(elles doivent être identiques à celles connues de votre caisse) et réessayez."
    )
    guidance = ()


class RegimeNotEligible(EnrollmentRefused):
    code = "exclusion.regime"
    message = _l(
        "Votre régime ne permet pas encore la création immédiate du compte ameli. "
        "Contactez votre caisse pour créer votre compte."
    )
    guidance = ("caisse",)


class NirNotCertified(EnrollmentRefused):
    code = "exclusion.nir_not_certified"
    message = _l(
        "Votre numéro de sécurité sociale est provisoire ou n'est pas encore certifié : il ne "
        "permet pas de créer votre compte immédiatement. Contactez votre caisse."
    )
    guidance = ("caisse",)


class NoBankDetails(EnrollmentRefused):
    code = "exclusion.no_bank_details"
    message = _l(
        "Votre caisse ne connaît pas encore vos coordonnées bancaires : la création avec la "
        "carte Vitale et l'IBAN n'est pas possible. Créez votre compte avec FranceConnect, "
        "ou contactez votre caisse."
    )
    guidance = ("franceconnect", "caisse")


class NoActiveVitaleCard(EnrollmentRefused):
    code = "exclusion.no_active_vitale_card"
    message = _l(
        "Vous n'avez pas de carte Vitale active connue de votre caisse : la création avec la "
        "carte Vitale et l'IBAN n'est pas possible. Créez votre compte avec FranceConnect, "
        "ou contactez votre caisse."
    )
    guidance = ("franceconnect", "caisse")


class AccountAlreadyExists(EnrollmentRefused):
    code = "exclusion.account_exists"
    message = _l(
        "Vous avez déjà un compte ameli. Connectez-vous avec votre numéro de sécurité sociale "
        "et votre code personnel."
    )
    guidance = ("sign_in",)


@dataclass(frozen=True)
class CardAndBankClaim:
    """What a person types at step 1 of the Carte Vitale + IBAN path, already well-formed."""

    name: str
    nir: str
    birth_date: date
    postal_code: str
    iban_tail: str
    vitale_tail: str


Check = Callable[[BeneficiaryRecord, CardAndBankClaim], None]


def check_identity_matches(record: BeneficiaryRecord, claim: CardAndBankClaim) -> None:
    """Refuse unless name, birth date and postal code are those of the NIR's holder."""
    if not (
        validators.names_match(claim.name, record.family_name, record.usage_name)
        and claim.birth_date == record.birth_date
        and claim.postal_code == record.postal_code
    ):
        raise IdentityNotRecognised()


def check_regime(record: BeneficiaryRecord, claim: object = None) -> None:
    """Refuse members of a régime that does not offer immediate creation (exclusion 1)."""
    if not record.regime_eligible:
        raise RegimeNotEligible()


def check_nir_certified(record: BeneficiaryRecord, claim: object = None) -> None:
    """Refuse a provisional NIR or an uncertified waiting number (exclusion 2)."""
    if not record.nir_certified:
        raise NirNotCertified()


def check_bank_details_on_file(record: BeneficiaryRecord, claim: object = None) -> None:
    """Refuse the card path when the caisse has no IBAN for the person (exclusion 3)."""
    if not record.iban:
        raise NoBankDetails()


def check_vitale_card_active(record: BeneficiaryRecord, claim: object = None) -> None:
    """Refuse the card path without an active, transferred Vitale card (exclusion 4)."""
    if not (record.vitale_active and record.vitale_serial):
        raise NoActiveVitaleCard()


def check_card_and_bank_details(record: BeneficiaryRecord, claim: CardAndBankClaim) -> None:
    """Refuse unless the IBAN and Vitale serial endings are the caisse's (constant time)."""
    iban_ok = hmac.compare_digest(
        validators.iban_tail(record.iban or "").encode(), claim.iban_tail.encode()
    )
    vitale_ok = hmac.compare_digest(
        (record.vitale_serial or "")[-11:].encode(), claim.vitale_tail.encode()
    )
    if not (iban_ok and vitale_ok):
        raise IdentityNotRecognised()


def check_no_account(record: BeneficiaryRecord, claim: object = None) -> None:
    """Refuse a second account for the same NIR (exclusion 6)."""
    if db.session.scalar(select(Account.id).where(Account.nir == record.nir)) is not None:
        raise AccountAlreadyExists()


CARD_AND_BANK_CHECKS: Sequence[Check] = (
    check_identity_matches,
    check_regime,
    check_nir_certified,
    check_bank_details_on_file,
    check_vitale_card_active,
    check_card_and_bank_details,
    check_no_account,
)
FRANCECONNECT_CHECKS: Sequence[Callable[[BeneficiaryRecord], None]] = (
    check_regime,
    check_nir_certified,
    check_no_account,
)


def check_card_and_bank(claim: CardAndBankClaim) -> BeneficiaryRecord:
    """Run the Carte Vitale + IBAN checks in order; return the registry record on success.

    :raises EnrollmentRefused: the first check that fails.
    """
    record = get_registry().find(claim.nir)
    if record is None:
        raise IdentityNotRecognised()
    for check in CARD_AND_BANK_CHECKS:
        check(record, claim)
    return record


def check_franceconnect_record(record: BeneficiaryRecord) -> None:
    """Run the exclusions that apply after a FranceConnect identity matched (1, 2 and 6).

    :raises EnrollmentRefused: the first check that fails.
    """
    for check in FRANCECONNECT_CHECKS:
        check(record)
