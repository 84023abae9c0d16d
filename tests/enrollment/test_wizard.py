"""The enrollment in progress, carried by a signed, expiring token (SPEC §4 to §8, §11)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode

from accounts.hashing import PasswordHasher
from accounts.models import EnrollmentPath
from enrollment import wizard
from enrollment.errors import WizardError
from enrollment.errors import WizardExpired
from enrollment.errors import WizardTampered
from enrollment.person import VerifiedPerson
from enrollment.wizard import WizardState
from tests.conftest import make_app
from tests.conftest import reconfigure

THIRTY_MINUTES = 30 * 60
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
def service(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One service for the module: the wizard never touches the database."""
    folder = tmp_path_factory.mktemp("wizard")
    return make_app({"DATABASE_URL": f"sqlite:///{folder / 'unused.sqlite3'}"}, folder)


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


class SigningClock:
    """The time itsdangerous reads when it signs and checks a token, moved by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_768_467_600  # 2026-01-15 09:00 UTC
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: self.now)

    def advance(self, seconds: int) -> None:
        self.now += seconds


@pytest.fixture
def signing_clock(monkeypatch: pytest.MonkeyPatch) -> SigningClock:
    return SigningClock(monkeypatch)


def readable_payload(token: str) -> str:
    """Return what anyone holding the token can read in it, without any key."""
    payload = token.rsplit(".", 2)[0]
    data = base64_decode(payload.lstrip("."))
    if payload.startswith("."):
        data = zlib.decompress(data)
    return data.decode()


def signed_payload(app: Flask, payload: Any) -> str:
    """Return a token this service really signed, around any payload."""
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=wizard.SALT).dumps(payload)


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
    assert loaded.encrypted_password_hash is None
    with pytest.raises(WizardTampered):
        loaded.password_hash()


# --- The code personnel's hash -----------------------------------------------------------


def test_the_token_shows_the_person_but_never_the_hash_of_the_code(app: Flask) -> None:
    token = WizardState(person=VENTURI, step1=STEP1).with_password_hash(PASSWORD_HASH).dump()

    payload = readable_payload(token)

    assert VENTURI.nir in payload  # only signed: the identity is readable ...
    assert PASSWORD_HASH not in payload  # ... the hash is not
    assert "$argon2" not in payload
    assert "Ameli-Demo-2026!" not in payload


def test_the_hash_is_encrypted_afresh_each_time(app: Flask) -> None:
    state = WizardState(person=VENTURI)

    first = state.with_password_hash(PASSWORD_HASH)
    second = state.with_password_hash(PASSWORD_HASH)

    assert first.encrypted_password_hash != second.encrypted_password_hash
    assert first.password_hash() == second.password_hash() == PASSWORD_HASH
    assert first.has_password is True
    assert state.has_password is False


def test_a_hash_encrypted_under_another_secret_key_cannot_be_read(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = WizardState(person=VENTURI).with_password_hash(PASSWORD_HASH)
    change_secret_key(app, monkeypatch)

    with pytest.raises(WizardTampered):
        state.password_hash()


def test_a_hash_that_is_not_an_encrypted_one_cannot_be_read(app: Flask) -> None:
    state = WizardState(person=VENTURI, encrypted_password_hash=PASSWORD_HASH)

    with pytest.raises(WizardTampered) as refused:
        state.password_hash()

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


def swap_payload(token: str, other: str) -> str:
    """Put the payload of ``other`` in front of the timestamp and signature of ``token``."""
    _, timestamp, signature = token.rsplit(".", 2)
    payload = other.rsplit(".", 2)[0]
    return f"{payload}.{timestamp}.{signature}"


def change_signature(token: str) -> str:
    head, signature = token.rsplit(".", 1)
    first = "B" if signature[0] != "B" else "C"  # the first character carries 6 signed bits
    return f"{head}.{first}{signature[1:]}"


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(swap_payload, id="another person's payload"),
        pytest.param(lambda token, other: change_signature(token), id="signature changed"),
        pytest.param(lambda token, other: token.rsplit(".", 1)[0], id="signature cut off"),
        pytest.param(lambda token, other: token[:-10], id="truncated"),
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


def test_a_token_signed_with_another_secret_key_is_refused(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = WizardState(person=VENTURI).dump()
    change_secret_key(app, monkeypatch)

    with pytest.raises(WizardTampered):
        wizard.load(token)


def test_a_token_signed_for_another_purpose_is_refused(app: Flask) -> None:
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="ameli.other").dumps(
        {"person": VENTURI.to_json(), "step1": {}, "contact": {}, "password": None}
    )

    with pytest.raises(WizardTampered):
        wizard.load(token)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"step1": {}}, id="no person"),
        pytest.param({"person": {"nir": VENTURI.nir}}, id="person incomplete"),
        pytest.param({"person": {**VENTURI.to_json(), "birth_date": "18/12/1962"}}, id="bad date"),
        pytest.param({"person": {**VENTURI.to_json(), "path": "paper"}}, id="unknown path"),
        pytest.param(["person"], id="not an object"),
        pytest.param(None, id="null"),
    ],
)
def test_a_signed_token_with_a_payload_of_the_wrong_shape_is_refused(
    app: Flask, payload: Any
) -> None:
    with pytest.raises(WizardTampered):
        wizard.load(signed_payload(app, payload))


# --- Expiry ------------------------------------------------------------------------------


def test_a_token_is_good_for_30_minutes(app: Flask, signing_clock: SigningClock) -> None:
    token = WizardState(person=VENTURI).dump()
    signing_clock.advance(THIRTY_MINUTES)

    assert wizard.load(token).person == VENTURI


def test_after_30_minutes_the_token_has_expired(app: Flask, signing_clock: SigningClock) -> None:
    token = WizardState(person=VENTURI).dump()
    signing_clock.advance(THIRTY_MINUTES + 1)

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
    app: Flask, signing_clock: SigningClock, one_minute_wizard: None
) -> None:
    token = WizardState(person=VENTURI).dump()

    signing_clock.advance(60)
    assert wizard.load(token).person == VENTURI
    signing_clock.advance(1)
    with pytest.raises(WizardExpired) as refused:
        wizard.load(token)

    assert refused.value.message == (
        "Votre démarche a expiré après 1 minute sans validation. Par sécurité, "
        "recommencez depuis la première étape."
    )


def test_each_dump_restarts_the_30_minutes(app: Flask, signing_clock: SigningClock) -> None:
    state = wizard.load(WizardState(person=VENTURI).dump())
    signing_clock.advance(THIRTY_MINUTES)

    token = state.with_password_hash(PASSWORD_HASH).dump()
    signing_clock.advance(THIRTY_MINUTES)

    assert wizard.load(token).password_hash() == PASSWORD_HASH


def test_an_expired_and_forged_token_is_refused_as_forged(
    app: Flask, signing_clock: SigningClock
) -> None:
    token = change_signature(WizardState(person=VENTURI).dump())
    signing_clock.advance(THIRTY_MINUTES + 1)

    with pytest.raises(WizardError) as refused:
        wizard.load(token)

    assert type(refused.value) is WizardTampered
