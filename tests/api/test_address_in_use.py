"""The app's account creation counts "address already used" answers like the web does."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.api.conftest import App
from tests.api.conftest import problem
from tests.enrollment.conftest import Enroll
from tests.enrollment.conftest import enroll  # noqa: F401 - fixture

TAKEN = "deja.pris@example.org"


@pytest.fixture
def taken(app: Flask, enroll: Enroll) -> None:  # noqa: F811 - the fixture above
    """Another person's account holds ``TAKEN``."""
    enroll.complete("275033523801408", TAKEN)


def test_the_api_counts_addresses_already_used(app_client: App, taken: None) -> None:
    app_client.step1()
    app_client.step2()
    for _ in range(5):
        problem(app_client.step3(TAKEN), 422, "fields.invalid")

    body = problem(app_client.step3(TAKEN), 429, "throttled")

    assert body["retry_at"]
