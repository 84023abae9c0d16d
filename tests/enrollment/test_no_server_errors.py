"""Whatever a person (or a robot) types, the pages answer with a message, never a 500."""

from __future__ import annotations

from flask import Flask
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import delete

from accounts.models import Account
from accounts.models import ActivationToken
from core.db import db
from tests.enrollment.conftest import Enroll

anything = st.text(max_size=80) | st.sampled_from(
    ["", " ", "\x00", "é" * 60, "2A" * 8, "1 62 12 2B 010 001 03", "31/02/1962"]
)
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(
    form=st.fixed_dictionaries(
        {
            name: anything
            for name in ("name", "nir", "birth_date", "postal_code", "iban_tail", "vitale_tail")
        }
    )
)
def test_step_1_never_fails_on_any_input(enroll: Enroll, form: dict[str, str]) -> None:
    response = enroll.client.post("/creation-compte/carte-vitale", data=form)

    assert response.status_code in (302, 403, 422)


@FUZZ
@given(password=anything, confirmation=anything)
def test_step_2_never_fails_on_any_input(enroll: Enroll, password: str, confirmation: str) -> None:
    enroll.step1()

    response = enroll.step2(password, confirmation)

    assert response.status_code in (302, 422)


@FUZZ
@given(
    form=st.fixed_dictionaries(
        {
            name: anything
            for name in ("email", "mobile_phone", "landline_phone", "marketing_consent")
        }
    )
)
def test_step_3_never_fails_on_any_input(app: Flask, enroll: Enroll, form: dict[str, str]) -> None:
    db.session.execute(delete(ActivationToken))
    db.session.execute(delete(Account))  # a valid address in the last example made one
    db.session.commit()
    enroll.through_step2()

    response = enroll.client.post("/creation-compte/coordonnees", data=form)

    assert response.status_code in (302, 422)


@FUZZ
@given(nir=anything, password=anything)
def test_sign_in_never_fails_on_any_input(enroll: Enroll, nir: str, password: str) -> None:
    response = enroll.client.post("/connexion", data={"nir": nir, "password": password})

    assert response.status_code in (302, 422)
