"""The enrollment in progress, carried by a sealed, expiring token (SPEC §4 to §8, §11)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from accounts.hashing import PasswordHasher
from accounts.models import EnrollmentPath
from core.clock import FrozenClock
from enrollment import wizard
from enrollment.errors import WizardError
from enrollment.errors import WizardExpired
from enrollment.errors import WizardTampered
from enrollment.person import VerifiedPerson
from enrollment.wizard import WizardState
from tests.conftest import make_app
from tests.conftest import reconfigure

THIRTY_MINUTES = timedelta(minutes=30)
SECOND = timedelta(seconds=1)
VENTURI = VerifiedPerson(
    nir="162122B01000103",
    family_name="VENTURI",
    usage_name=None,
    given_names="Pierre Jean",
    birth_date=date(1962, 12, 18),
    path=EnrollmentPath.VITALE_IBAN,
)
STEP1 = {
    "name": "venturi",
    "nir": "1 62 12 2B 010 001 03",
    "birth_date": "18/12/1962",
    "postal_code": "63000",
}
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024).hash("Ameli-Demo-2026!")


@pytest.fixture(scope="module")
def module_clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, module_clock: FrozenClock) -> Flask:
    """One service for the module: the wizard never touches the database."""
    folder = tmp_path_factory.mktemp("wizard")
    database = {"DATABASE_URL": f"sqlite:///{folder / 'unused.sqlite3'}"}
    return make_app(database, folder, module_clock)


@pytest.fixture
def app(service: Flask) -> Iterator[Flask]:
    """The service inside an application context."""
    with service.app_context():
        yield service


def change_secret_key(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the service sign with another key (a rotated key, another deployment)."""
    monkeypatch.setitem(
        app.config, "SECRET_KEY", "another-secret-key-that-is-long-enough-9876543210"
    )


@pytest.fixture
def clock(module_clock: FrozenClock) -> Iterator[FrozenClock]:
    """The service's clock, put back where it was after each test."""
    start = module_clock.now()
    yield module_clock
    module_clock.set(start)


def readable_payload(token: str) -> str:
    """Return what anyone holding the token can read in it, without any key."""
    data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return data.decode("latin-1")


def sealed_payload(app: Flask, payload: Any, salt: str = wizard.SALT) -> str:
    """Return a token this service really sealed, around any payload."""
    return (
        wizard._fernet(salt).encrypt_at_time(json.dumps(payload).encode(), 1_768_467_600).decode()
    )


# --- Round trip --------------------------------------------------------------------------


def test_a_state_comes_back_unchanged_from_its_token(app: Flask) -> None:
    state = (
        WizardState(person=VENTURI, step1=STEP1)
        .with_password_hash(PASSWORD_HASH)
        .with_contact({"email": "Pierre.Venturi@Example.org", "mobile_phone": "06 12 34 56 78"})
    )

    loaded = wizard.load(state.dump())

    assert loaded == state
    assert loaded.password_hash() == PASSWORD_HASH


def test_a_franceconnect_person_keeps_its_sub_and_suggested_email(app: Flask) -> None:
    person = VerifiedPerson(
        nir="262087510789179",
        family_name="DUBOIS",
        usage_name=None,
        given_names="Angela Claire Louise",
        birth_date=date(1962, 8, 24),
        path=EnrollmentPath.FRANCECONNECT,
        franceconnect_sub="b6048e95bb134ec5b1d1e1fa69f287172e91722b9354d637a1bcf2ebb0fd2ef5v1",
        suggested_email="wossewodda-3728@yopmail.com",
    )

    assert wizard.load(WizardState(person=person).dump()).person == person


def test_a_state_without_a_code_yet_has_no_password(app: Flask) -> None:
    loaded = wizard.load(WizardState(person=VENTURI, step1=STEP1).dump())

    assert loaded.has_password is False
    assert loaded.chosen_password_hash is None
    with pytest.raises(WizardTampered):
        loaded.password_hash()


# --- The code personnel's hash -----------------------------------------------------------


def test_the_token_shows_nothing_of_the_person_nor_of_the_code(app: Flask) -> None:
    step1 = {**STEP1, "iban_tail": "3185", "vitale_tail": "5678"}
    token = WizardState(person=VENTURI, step1=step1).with_password_hash(PASSWORD_HASH).dump()

    payload = readable_payload(token)

    for secret in (
        VENTURI.nir,
        VENTURI.nir[:13],
        "1 62 12",
        "1962",
        "18/12",
        "VENTURI",
        "venturi",
        "63000",
        "3185",
        "5678",
        PASSWORD_HASH,
        "argon2",
    ):
        assert secret not in payload and secret not in token


def test_the_token_is_sealed_afresh_each_time(app: Flask) -> None:
    state = WizardState(person=VENTURI).with_password_hash(PASSWORD_HASH)

    first, second = state.dump(), state.dump()

    assert first != second
    assert wizard.load(first) == wizard.load(second) == state
    assert state.has_password is True
    assert WizardState(person=VENTURI).has_password is False


def test_a_sealed_payload_that_is_not_json_is_refused(app: Flask) -> None:
    token = wizard._fernet(wizard.SALT).encrypt_at_time(b"\xff not json", 1_768_467_600).decode()

    with pytest.raises(WizardTampered) as refused:
        wizard.load(token)

    assert refused.value.code == "wizard.invalid"


# --- Contact -----------------------------------------------------------------------------


def test_with_contact_keeps_what_was_typed_as_typed(app: Flask) -> None:
    typed = {
        "email": "  Pierre.Venturi@EXAMPLE.org ",
        "mobile_phone": "06.12.34.56.78",
        "landline_phone": "",
        "marketing_consent": "y",
    }
    state = WizardState(person=VENTURI, step1=STEP1)

    with_contact = state.with_contact(typed)
    typed["email"] = "changed@example.org"

    assert with_contact.contact == {
        "email": "  Pierre.Venturi@EXAMPLE.org ",
        "mobile_phone": "06.12.34.56.78",
        "landline_phone": "",
        "marketing_consent": "y",
    }
    assert with_contact.step1 == STEP1
    assert state.contact == {}
    assert wizard.load(with_contact.dump()).contact == with_contact.contact


# --- Tampering ---------------------------------------------------------------------------


def flip_byte(token: str, index: int) -> str:
    """Change one byte of the sealed token (its version, time, IV, ciphertext or HMAC)."""
    data = bytearray(base64.urlsafe_b64decode(token))
    data[index] ^= 0x01
    return base64.urlsafe_b64encode(bytes(data)).decode()


def swap_ciphertext(token: str, other: str) -> str:
    """Put the ciphertext of ``other`` under the header and HMAC of ``token``."""
    mine, theirs = base64.urlsafe_b64decode(token), base64.urlsafe_b64decode(other)
    return base64.urlsafe_b64encode(mine[:25] + theirs[25:-32] + mine[-32:]).decode()


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(swap_ciphertext, id="another person's ciphertext"),
        pytest.param(lambda token, other: flip_byte(token, 5), id="time changed"),
        pytest.param(lambda token, other: flip_byte(token, 40), id="ciphertext changed"),
        pytest.param(lambda token, other: flip_byte(token, -1), id="seal changed"),
        pytest.param(lambda token, other: token[:-44], id="seal cut off"),
        pytest.param(lambda token, other: token[:-10], id="truncated"),
        pytest.param(lambda token, other: "é" + token, id="not ascii"),
        pytest.param(lambda token, other: "", id="empty"),
        pytest.param(lambda token, other: "not-a-token", id="garbage"),
    ],
)
def test_a_forged_token_is_refused(app: Flask, forge: Any) -> None:
    token = WizardState(person=VENTURI).dump()
    other = WizardState(person=VENTURI, step1={"nir": "262087510789179"}).dump()

    with pytest.raises(WizardTampered) as refused:
        wizard.load(forge(token, other))

    assert refused.value.code == "wizard.invalid"


def test_a_token_sealed_with_another_secret_key_is_refused(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = WizardState(person=VENTURI).dump()
    change_secret_key(app, monkeypatch)

    with pytest.raises(WizardTampered):
        wizard.load(token)


def test_a_token_sealed_for_another_purpose_is_refused(app: Flask) -> None:
    payload = {"person": VENTURI.to_json(), "step1": {}, "contact": {}, "password": None}
    assert wizard.load(sealed_payload(app, payload)).person == VENTURI

    with pytest.raises(WizardTampered):
        wizard.load(sealed_payload(app, payload, salt="ameli.other"))


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"step1": {}}, id="no person"),
        pytest.param({"person": {"nir": VENTURI.nir}}, id="person incomplete"),
        pytest.param({"person": {**VENTURI.to_json(), "birth_date": "18/12/1962"}}, id="bad date"),
        pytest.param({"person": {**VENTURI.to_json(), "path": "paper"}}, id="unknown path"),
        pytest.param({"person": VENTURI.to_json(), "password": 12}, id="hash not a string"),
        pytest.param(["person"], id="not an object"),
        pytest.param(None, id="null"),
    ],
)
def test_a_sealed_token_with_a_payload_of_the_wrong_shape_is_refused(
    app: Flask, payload: Any
) -> None:
    with pytest.raises(WizardTampered):
        wizard.load(sealed_payload(app, payload))


# --- Expiry ------------------------------------------------------------------------------


def test_a_token_is_good_for_30_minutes(app: Flask, clock: FrozenClock) -> None:
    token = WizardState(person=VENTURI).dump()
    clock.advance(THIRTY_MINUTES)

    assert wizard.load(token).person == VENTURI


def test_after_30_minutes_the_token_has_expired(app: Flask, clock: FrozenClock) -> None:
    token = WizardState(person=VENTURI).dump()
    clock.advance(THIRTY_MINUTES + SECOND)

    with pytest.raises(WizardExpired) as refused:
        wizard.load(token)

    assert refused.value.code == "wizard.expired"
    assert refused.value.message == (
        "Votre démarche a expiré après 30 minutes sans validation. Par sécurité, "
        "recommencez depuis la première étape."
    )


@pytest.fixture
def one_minute_wizard(app: Flask) -> Iterator[None]:
    """The service with enrollments that expire after one minute (the module shares it)."""
    reconfigure(app, ENROLLMENT_WIZARD_MAX_AGE=60)
    yield
    reconfigure(app, ENROLLMENT_WIZARD_MAX_AGE=30 * 60)


def test_the_maximum_age_comes_from_the_configuration(
    app: Flask, clock: FrozenClock, one_minute_wizard: None
) -> None:
    token = WizardState(person=VENTURI).dump()

    clock.advance(60 * SECOND)
    assert wizard.load(token).person == VENTURI
    clock.advance(SECOND)
    with pytest.raises(WizardExpired) as refused:
        wizard.load(token)

    assert refused.value.message == (
        "Votre démarche a expiré après 1 minute sans validation. Par sécurité, "
        "recommencez depuis la première étape."
    )


def test_each_dump_restarts_the_30_minutes(app: Flask, clock: FrozenClock) -> None:
    state = wizard.load(WizardState(person=VENTURI).dump())
    clock.advance(THIRTY_MINUTES)

    token = state.with_password_hash(PASSWORD_HASH).dump()
    clock.advance(THIRTY_MINUTES)

    assert wizard.load(token).password_hash() == PASSWORD_HASH


def test_an_expired_and_forged_token_is_refused_as_forged(app: Flask, clock: FrozenClock) -> None:
    token = flip_byte(WizardState(person=VENTURI).dump(), -1)
    clock.advance(THIRTY_MINUTES + SECOND)

    with pytest.raises(WizardError) as refused:
        wizard.load(token)

    assert type(refused.value) is WizardTampered
