"""Who may create an account immediately: the ordered checks of SPEC §4 (and §5.3), and
the throttle both paths' identity checks count against.

Each check is a small named function that raises a typed :class:`EnrollmentRefused`; a path
is the explicit list of its checks. Any mismatch of what the person typed gives the one
generic :class:`IdentityNotRecognised`, so nobody learns which field was wrong; exclusions
are told only once the identity itself matched.

Both paths count against the same limits per NIR and per client address: switching from
the card path to FranceConnect gives nobody more guesses at who holds a NIR.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import accounts
from core.throttle import Limit
from core.throttle import get_throttle
from enrollment import fields
from enrollment.errors import IdentityNotRecognised
from enrollment.errors import NirNotCertified
from enrollment.errors import NoActiveVitaleCard
from enrollment.errors import NoBankDetails
from enrollment.errors import RegimeNotEligible
from enrollment.registry import BeneficiaryRecord
from enrollment.registry import get_registry
from enrollment.settings import get_settings

# The counters keep their names of the first version, so that limits survive an upgrade.
PER_NIR = "enrollment.identity.nir"
PER_IP = "enrollment.identity.ip"
T = TypeVar("T")


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
        fields.names_match(claim.name, record.family_name, record.usage_name)
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
        fields.iban_tail(record.iban or "").encode(), claim.iban_tail.encode()
    )
    vitale_ok = hmac.compare_digest(
        (record.vitale_serial or "")[-11:].encode(), claim.vitale_tail.encode()
    )
    if not (iban_ok and vitale_ok):
        raise IdentityNotRecognised()


def check_no_account(record: BeneficiaryRecord, claim: object = None) -> None:
    """Refuse a second account for the same NIR (exclusion 6).

    :raises accounts.AccountAlreadyExists:
    """
    if accounts.exists_for_nir(record.nir):
        raise accounts.AccountAlreadyExists()


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
    :raises accounts.AccountAlreadyExists: the NIR has an account already.
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
    :raises accounts.AccountAlreadyExists: the NIR has an account already.
    """
    for check in FRANCECONNECT_CHECKS:
        check(record)


# --- The throttle of identity checks ----------------------------------------------------


def limits(nir: str, client_ip: str) -> tuple[tuple[Limit, str], ...]:
    """Return the limits an identity check of ``nir`` from ``client_ip`` counts against."""
    config = get_settings()
    return (
        (Limit(PER_NIR, config.failures_per_nir), nir),
        (Limit(PER_IP, config.failures_per_ip), client_ip),
    )


def throttled(nir: str, client_ip: str, check: Callable[[], T]) -> T:
    """Reserve an attempt, run ``check``; keep the attempt only when the identity does not
    match, so that only mismatches count, and no more checks run at once than allowed.

    :raises Throttled: too many recent failures for this NIR or this address.
    :raises EnrollmentRefused: what ``check`` raised.
    """
    attempt = get_throttle().reserve(*limits(nir, client_ip))
    try:
        found = check()
    except IdentityNotRecognised:
        attempt.keep()
        raise
    except BaseException:
        attempt.release()
        raise
    attempt.release()
    return found
