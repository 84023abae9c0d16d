"""The live check of step 1 runs the submit's own checks and tells nothing of the registry."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import reconfigure
from tests.enrollment.conftest import card_form

URL = "/creation-compte/verification/carte-vitale"


def test_each_malformed_field_gets_the_submit_message(client: FlaskClient) -> None:
    answer = client.post(URL, data=card_form(postal_code="630", nir="1 62 12 2B 010 001")).json

    assert answer is not None
    assert set(answer["errors"]) == {"postal_code", "nir"}
    assert "5 chiffres" in answer["errors"]["postal_code"]


def test_a_well_formed_unknown_person_gets_no_error(client: FlaskClient) -> None:
    answer = client.post(URL, data=card_form(postal_code="99999")).json

    assert answer == {"errors": {}}


def test_the_live_check_is_rate_limited(app: Flask, client: FlaskClient) -> None:
    reconfigure(app, ENROLLMENT_FIELD_CHECKS="2/minute")
    client.post(URL, data={})
    client.post(URL, data={})

    assert client.post(URL, data={}).status_code == 429
