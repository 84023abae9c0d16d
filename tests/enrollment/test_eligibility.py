"""Who may create an account at once (SPEC §4 eligibility, §5.3), checked on the demo registry."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from accounts.errors import AccountAlreadyExists
from accounts.models import Account
from accounts.models import AccountStatus
from accounts.models import EnrollmentPath
from core import clock
from core.db import db
from core.nir import nir_key
from enrollment.eligibility import CARD_AND_BANK_CHECKS
from enrollment.eligibility import FRANCECONNECT_CHECKS
from enrollment.eligibility import CardAndBankClaim
from enrollment.eligibility import check_card_and_bank
from enrollment.eligibility import check_card_and_bank_details
from enrollment.eligibility import check_franceconnect_record
from enrollment.eligibility import check_identity_matches
from enrollment.errors import EnrollmentRefused
from enrollment.errors import IdentityNotRecognised
from enrollment.errors import NirNotCertified
from enrollment.errors import NoActiveVitaleCard
from enrollment.errors import NoBankDetails
from enrollment.errors import RegimeNotEligible
from enrollment.registry import BeneficiaryRecord
from enrollment.registry import get_registry
from tests.enrollment.conftest import VENTURI_NIR
from tests.enrollment.conftest import demo_rows

# Demo rows by what they are for (enrollment/data/README.md).
PERRIN_MSA = "158031501433966"
GIRAUD_RSI = "271093306359972"
CHEVALIER_SNCF = "166052123120060"
NGUYEN_UNCERTIFIED = "294089924300207"
LAMBERT_NO_IBAN = "285124410935241"
FONTAINE_INACTIVE_CARD = "160047654031046"
BONNET_NO_SERIAL = "299103155561695"
HUBERT_EVERY_EXCLUSION = "155074523485118"
CARON_UNCERTIFIED_NO_IBAN_NO_SERIAL = "276028002136042"
FLEURET_NO_IBAN = "192119921712881"
ROBIN_MARCHAND = "275033523801408"
MARTIN_DUPRE = "292096748258324"
LEFEVRE = "168125935070022"
D_ALMEIDA = "180068708563994"
LE_GOFF = "174112901913754"
ZIMMERMANN_BARBIER_COLIN = "270075746319567"
PETIT_LUCAS = "101053726110172"
PETIT_HUGO = "101053726110271"
LEROY_BELGIAN_IBAN = "187015959963942"

NOT_RECOGNISED = "Les informations saisies ne permettent pas de vous identifier"


def claim_for(row_nir: str, /, **overrides: Any) -> CardAndBankClaim:
    """Return what the person of demo row ``row_nir`` would type at step 1, well-formed."""
    row = demo_rows()[row_nir]
    claim = CardAndBankClaim(
        name=row["usage_name"] or row["family_name"],
        nir=row["nir"],
        birth_date=date.fromisoformat(row["birth_date"]),
        postal_code=row["postal_code"],
        # A row without IBAN or serial: the person types something well-formed anyway.
        iban_tail=(row["iban"] or "FR76ZZZ9999")[-7:],
        vitale_tail=(row["vitale_serial"] or "99999999999")[-11:],
    )
    return replace(claim, **overrides)


def record_of(nir: str) -> BeneficiaryRecord:
    """Return the record the registry holds for ``nir``."""
    record = get_registry().find(nir)
    assert record is not None
    return record


def demo_record(nir: str) -> BeneficiaryRecord:
    """Return the record of demo row ``nir`` read from the CSV: checks without a database."""
    row = demo_rows()[nir]
    return BeneficiaryRecord(
        nir=row["nir"],
        family_name=row["family_name"],
        usage_name=row["usage_name"] or None,
        given_names=row["given_names"],
        birth_date=date.fromisoformat(row["birth_date"]),
        gender=row["gender"],
        birthplace=row["birthplace"] or None,
        birthcountry=row["birthcountry"],
        postal_code=row["postal_code"],
        regime=row["regime"],
        nir_certified=row["nir_certified"] == "true",
        iban=row["iban"] or None,
        vitale_serial=row["vitale_serial"] or None,
        vitale_active=row["vitale_active"] == "true",
    )


def open_account(nir: str) -> None:
    """Give ``nir`` an account, as an earlier enrollment would have."""
    db.session.add(
        Account(
            nir=nir,
            status=AccountStatus.PENDING,
            enrollment_path=EnrollmentPath.VITALE_IBAN,
            password_hash="$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            email=f"{nir}@example.org",
            email_canonical=f"{nir}@example.org",
            created_at=clock.now(),
        )
    )
    db.session.commit()


def unknown_nir() -> str:
    """Return a well-formed NIR (right key) that no demo row uses."""
    body = "1621263113999"
    nir = f"{body}{nir_key(body):02d}"
    assert nir not in demo_rows()
    return nir


def test_the_records_built_from_the_csv_are_those_the_registry_holds(registry: None) -> None:
    for nir in demo_rows():
        assert demo_record(nir) == record_of(nir)


# --- The order of the checks -------------------------------------------------------------


def test_the_card_and_bank_checks_run_in_the_order_of_the_spec() -> None:
    assert [check.__name__ for check in CARD_AND_BANK_CHECKS] == [
        "check_identity_matches",
        "check_regime",
        "check_nir_certified",
        "check_bank_details_on_file",
        "check_vitale_card_active",
        "check_card_and_bank_details",
        "check_no_account",
    ]


def test_franceconnect_runs_only_the_exclusions_1_2_and_6() -> None:
    assert [check.__name__ for check in FRANCECONNECT_CHECKS] == [
        "check_regime",
        "check_nir_certified",
        "check_no_account",
    ]


# --- Who passes --------------------------------------------------------------------------


def test_the_seed_example_passes_and_gets_its_registry_record(registry: None) -> None:
    record = check_card_and_bank(claim_for(VENTURI_NIR))

    assert record.nir == VENTURI_NIR
    assert record.family_name == "VENTURI"
    assert record.regime == "general"


@pytest.mark.parametrize(
    ("nir", "regime"),
    [
        pytest.param("278043818574771", "CAMIEG", id="CAMIEG"),
        pytest.param("151106249860484", "CANSSM", id="CANSSM"),
        pytest.param("249026528662257", "CAVIMAC", id="CAVIMAC"),
        pytest.param("186078313703931", "CNMSS", id="CNMSS"),
        pytest.param("290016938311382", "CRPCEN", id="CRPCEN"),
        pytest.param("174112901913754", "ENIM", id="ENIM"),
        pytest.param("182067511235783", "MGP", id="MGP"),
    ],
)
def test_every_partner_regime_may_create_its_account_at_once(
    registry: None, nir: str, regime: str
) -> None:
    record = check_card_and_bank(claim_for(nir))

    assert (record.nir, record.regime) == (nir, regime)


def test_a_foreign_iban_is_matched_on_its_last_7_characters(registry: None) -> None:
    claim = claim_for(LEROY_BELGIAN_IBAN)

    assert claim.iban_tail == "0528836"
    assert check_card_and_bank(claim).nir == LEROY_BELGIAN_IBAN


def test_twins_are_told_apart_by_their_nir_only(registry: None) -> None:
    assert check_card_and_bank(claim_for(PETIT_LUCAS)).given_names == "Lucas"
    assert check_card_and_bank(claim_for(PETIT_HUGO)).given_names == "Hugo"
    # Hugo's details under Lucas's NIR: the same name and birth date, another card and IBAN.
    hugo = claim_for(PETIT_HUGO)
    with pytest.raises(IdentityNotRecognised):
        check_card_and_bank(replace(hugo, nir=PETIT_LUCAS))


# --- Names (the identity check on its own: no database needed) ---------------------------


@pytest.mark.parametrize(
    ("nir", "typed"),
    [
        pytest.param(MARTIN_DUPRE, "MARTIN-DUPRÉ", id="as registered"),
        pytest.param(MARTIN_DUPRE, "martin dupre", id="space, no accent, lower case"),
        pytest.param(MARTIN_DUPRE, "Martin-Dupré", id="mixed case"),
        pytest.param(MARTIN_DUPRE, "martindupre", id="no separator"),
        pytest.param(MARTIN_DUPRE, "Martin\u2013Dupre", id="en dash"),
        pytest.param(MARTIN_DUPRE, "  martin   dupré ", id="extra spaces"),
        pytest.param(LEFEVRE, "lefevre", id="accent dropped"),
        pytest.param(LE_GOFF, "legoff", id="space dropped"),
        pytest.param(LE_GOFF, "Le-Goff", id="space typed as hyphen"),
        pytest.param(D_ALMEIDA, "dalmeida", id="apostrophe dropped"),
        pytest.param(D_ALMEIDA, "d almeida", id="apostrophe as space"),
        pytest.param(D_ALMEIDA, "D\u2019ALMEIDA", id="typographic apostrophe"),
        pytest.param(D_ALMEIDA, "d'Almeida", id="mixed case apostrophe"),
        pytest.param(ROBIN_MARCHAND, "ROBIN", id="birth name"),
        pytest.param(ROBIN_MARCHAND, "marchand", id="usage name"),
        pytest.param(ZIMMERMANN_BARBIER_COLIN, "Zimmermann", id="birth name, usage name set"),
        pytest.param(ZIMMERMANN_BARBIER_COLIN, "barbier colin", id="hyphenated usage name"),
    ],
)
def test_the_name_matches_whatever_the_case_accents_hyphens_and_apostrophes(
    nir: str, typed: str
) -> None:
    check_identity_matches(demo_record(nir), claim_for(nir, name=typed))


@pytest.mark.parametrize(
    ("nir", "typed"),
    [
        pytest.param(MARTIN_DUPRE, "MARTIN", id="half of a compound name"),
        pytest.param(MARTIN_DUPRE, "DUPRE MARTIN", id="compound name reversed"),
        pytest.param(ROBIN_MARCHAND, "ROBIN MARCHAND", id="both names at once"),
        pytest.param(ROBIN_MARCHAND, "Isabelle", id="given name"),
        pytest.param(LEFEVRE, "LEFEBVRE", id="another spelling"),
        pytest.param(D_ALMEIDA, "ALMEIDA", id="particle dropped"),
        pytest.param(VENTURI_NIR, "'-", id="punctuation only"),
    ],
)
def test_another_name_is_not_recognised(nir: str, typed: str) -> None:
    with pytest.raises(IdentityNotRecognised):
        check_identity_matches(demo_record(nir), claim_for(nir, name=typed))


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"iban_tail": "0G02444"}, id="IBAN tail"),
        pytest.param({"iban_tail": "0g02443"}, id="IBAN tail in lower case"),
        pytest.param({"iban_tail": "02443"}, id="IBAN tail too short"),
        pytest.param({"vitale_tail": "46713226300"}, id="Vitale tail"),
        pytest.param({"vitale_tail": "80250000204"}, id="Vitale serial start, not end"),
        pytest.param({"vitale_tail": "802500002046713226301"}, id="whole Vitale serial"),
    ],
)
def test_the_iban_and_vitale_endings_must_be_exactly_the_caisse_s(
    overrides: dict[str, Any],
) -> None:
    with pytest.raises(IdentityNotRecognised):
        check_card_and_bank_details(demo_record(VENTURI_NIR), claim_for(VENTURI_NIR, **overrides))


# --- Mismatches: one generic refusal -----------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"name": "VENTURA"}, id="name"),
        pytest.param({"birth_date": date(1962, 12, 19)}, id="birth date"),
        pytest.param({"postal_code": "63100"}, id="postal code"),
        pytest.param({"iban_tail": "0G02444"}, id="IBAN tail"),
        pytest.param({"vitale_tail": "46713226300"}, id="Vitale tail"),
    ],
)
def test_any_mismatch_gets_the_one_generic_refusal(
    registry: None, overrides: dict[str, Any]
) -> None:
    with pytest.raises(IdentityNotRecognised) as refused:
        check_card_and_bank(claim_for(VENTURI_NIR, **overrides))

    assert refused.value.code == "identity.not_recognised"
    assert refused.value.guidance == ()
    assert str(refused.value).startswith(NOT_RECOGNISED)


def test_an_unknown_nir_gets_the_one_generic_refusal(registry: None) -> None:
    with pytest.raises(IdentityNotRecognised):
        check_card_and_bank(claim_for(VENTURI_NIR, nir=unknown_nir()))


# --- Exclusions --------------------------------------------------------------------------

# Row, the refusal it gets, its code, and what the row is for.
EXCLUSIONS: list[tuple[str, type[EnrollmentRefused], str, str]] = [
    (PERRIN_MSA, RegimeNotEligible, "exclusion.regime", "1 régime MSA"),
    (GIRAUD_RSI, RegimeNotEligible, "exclusion.regime", "1 régime RSI"),
    (CHEVALIER_SNCF, RegimeNotEligible, "exclusion.regime", "1 régime SNCF"),
    (NGUYEN_UNCERTIFIED, NirNotCertified, "exclusion.nir_not_certified", "2 uncertified"),
    (LAMBERT_NO_IBAN, NoBankDetails, "exclusion.no_bank_details", "3 no IBAN"),
    (FLEURET_NO_IBAN, NoBankDetails, "exclusion.no_bank_details", "3 no IBAN, sandbox"),
    (
        FONTAINE_INACTIVE_CARD,
        NoActiveVitaleCard,
        "exclusion.no_active_vitale_card",
        "4 inactive card",
    ),
    (BONNET_NO_SERIAL, NoActiveVitaleCard, "exclusion.no_active_vitale_card", "4 no serial"),
    (HUBERT_EVERY_EXCLUSION, RegimeNotEligible, "exclusion.regime", "all at once: 1 wins"),
    (
        CARON_UNCERTIFIED_NO_IBAN_NO_SERIAL,
        NirNotCertified,
        "exclusion.nir_not_certified",
        "2, 3 and 4: 2 wins",
    ),
]
GUIDANCE: dict[type[EnrollmentRefused], tuple[str, ...]] = {
    RegimeNotEligible: ("caisse",),
    NirNotCertified: ("caisse",),
    NoBankDetails: ("franceconnect", "caisse"),
    NoActiveVitaleCard: ("franceconnect", "caisse"),
}
# What the spec says each message must tell.
GIST: dict[type[EnrollmentRefused], str] = {
    RegimeNotEligible: "Votre régime ne permet pas encore la création immédiate",
    NirNotCertified: "provisoire ou n'est pas encore certifié",
    NoBankDetails: "Créez votre compte avec FranceConnect",
    NoActiveVitaleCard: "Créez votre compte avec FranceConnect",
}


@pytest.mark.parametrize(
    ("nir", "exclusion", "code"),
    [pytest.param(nir, exclusion, code, id=label) for nir, exclusion, code, label in EXCLUSIONS],
)
def test_an_excluded_person_is_told_why_once_the_identity_matched(
    registry: None, nir: str, exclusion: type[EnrollmentRefused], code: str
) -> None:
    with pytest.raises(EnrollmentRefused) as refused:
        check_card_and_bank(claim_for(nir))

    assert type(refused.value) is exclusion
    assert refused.value.code == code
    assert refused.value.guidance == GUIDANCE[exclusion]
    assert GIST[exclusion] in str(refused.value)


@pytest.mark.parametrize(
    "mismatch",
    [
        pytest.param({"name": "DUPONT"}, id="wrong name"),
        pytest.param({"birth_date": date(2000, 1, 1)}, id="wrong birth date"),
        pytest.param({"postal_code": "75001"}, id="wrong postal code"),
    ],
)
def test_no_exclusion_is_told_to_someone_whose_identity_does_not_match(
    registry: None, mismatch: dict[str, Any]
) -> None:
    for nir, _, _, label in EXCLUSIONS:
        with pytest.raises(EnrollmentRefused) as refused:
            check_card_and_bank(claim_for(nir, **mismatch))

        assert type(refused.value) is IdentityNotRecognised, label


@pytest.mark.parametrize(
    ("nir", "exclusion"),
    [
        pytest.param(PERRIN_MSA, RegimeNotEligible, id="régime"),
        pytest.param(NGUYEN_UNCERTIFIED, NirNotCertified, id="uncertified"),
        pytest.param(FONTAINE_INACTIVE_CARD, NoActiveVitaleCard, id="inactive card"),
    ],
)
def test_an_exclusion_comes_before_the_iban_and_vitale_comparison(
    registry: None, nir: str, exclusion: type[EnrollmentRefused]
) -> None:
    with pytest.raises(EnrollmentRefused) as refused:
        check_card_and_bank(claim_for(nir, iban_tail="ZZZZZZZ", vitale_tail="00000000000"))

    assert type(refused.value) is exclusion


# --- An account already exists -----------------------------------------------------------


def test_a_second_account_for_the_same_nir_is_refused_with_a_sign_in_link(registry: None) -> None:
    open_account(VENTURI_NIR)

    with pytest.raises(AccountAlreadyExists) as refused:
        check_card_and_bank(claim_for(VENTURI_NIR))

    assert refused.value.code == "exclusion.account_exists"
    assert refused.value.guidance == ("sign_in",)
    assert str(refused.value).startswith("Vous avez déjà un compte ameli.")


def test_an_existing_account_is_revealed_only_to_whoever_typed_every_detail_right(
    registry: None,
) -> None:
    open_account(VENTURI_NIR)

    with pytest.raises(EnrollmentRefused) as refused:
        check_card_and_bank(claim_for(VENTURI_NIR, vitale_tail="46713226300"))

    assert type(refused.value) is IdentityNotRecognised


def test_the_account_of_a_twin_does_not_block_the_other(registry: None) -> None:
    open_account(PETIT_LUCAS)

    assert check_card_and_bank(claim_for(PETIT_HUGO)).nir == PETIT_HUGO


# --- FranceConnect: exclusions 1, 2 and 6 only -------------------------------------------


@pytest.mark.parametrize(
    "nir",
    [
        pytest.param(FLEURET_NO_IBAN, id="no IBAN"),
        pytest.param(FONTAINE_INACTIVE_CARD, id="inactive card"),
        pytest.param(BONNET_NO_SERIAL, id="no serial"),
    ],
)
def test_franceconnect_does_not_need_an_iban_or_a_card(registry: None, nir: str) -> None:
    check_franceconnect_record(record_of(nir))


@pytest.mark.parametrize(
    ("nir", "exclusion"),
    [
        pytest.param(PERRIN_MSA, RegimeNotEligible, id="régime"),
        pytest.param(NGUYEN_UNCERTIFIED, NirNotCertified, id="uncertified"),
        pytest.param(HUBERT_EVERY_EXCLUSION, RegimeNotEligible, id="all at once: régime wins"),
    ],
)
def test_franceconnect_still_refuses_the_regime_and_uncertified_exclusions(
    registry: None, nir: str, exclusion: type[EnrollmentRefused]
) -> None:
    with pytest.raises(EnrollmentRefused) as refused:
        check_franceconnect_record(record_of(nir))

    assert type(refused.value) is exclusion


def test_franceconnect_refuses_a_second_account(registry: None) -> None:
    open_account(FLEURET_NO_IBAN)

    with pytest.raises(AccountAlreadyExists):
        check_franceconnect_record(record_of(FLEURET_NO_IBAN))
