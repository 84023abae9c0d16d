"""A database that goes away answers 503 with ``Retry-After``: a French page on the web, a
problem with a stable code in the API, never "Erreur inattendue" (a PostgreSQL of the
test's own, stopped by the test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask

from config.settings import sqlalchemy_url
from core.db import db
from tests.conftest import make_app
from tests.enrollment.conftest import GOOD_PASSWORD
from tests.enrollment.conftest import card_form
from tests.own_services import OwnPostgres

PROBLEM = "application/problem+json"


@pytest.fixture
def outage_app(own_postgres: OwnPostgres, tmp_path: Path) -> Iterator[Flask]:
    database: dict[str, Any] = {
        "DATABASE_URL": sqlalchemy_url(own_postgres.url),
        # Fail fast: the outage must not hold a request for the pool's default 30 s.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {"connect_timeout": 2},
        },
    }
    app = make_app(database, tmp_path)
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("POST", "/connexion", {"nir": "1 62 12 2B 010 001", "password": GOOD_PASSWORD}),
        ("POST", "/creation-compte/carte-vitale", card_form()),
        ("GET", "/creation-compte/activation/un-lien", None),
        ("GET", "/autorisation?client_id=partenaire&response_type=code", None),
    ],
)
def test_the_web_says_the_service_is_away_for_a_moment(
    outage_app: Flask, own_postgres: OwnPostgres, method: str, path: str, data: Any
) -> None:
    client = outage_app.test_client()
    client.get("/langue/fr")  # a session the store must read back
    own_postgres.stop()

    response = client.open(path, method=method, data=data)

    text = response.get_data(as_text=True)
    assert response.status_code == 503, text[:300]
    assert response.headers["Retry-After"] == "30"
    assert "Service indisponible" in text and "Erreur inattendue" not in text


@pytest.mark.parametrize(
    ("path", "status"), [("/connexion", 200), ("/", 200), ("/mon-compte", 302)]
)
def test_pages_that_need_no_database_still_answer(
    outage_app: Flask, own_postgres: OwnPostgres, path: str, status: int
) -> None:
    client = outage_app.test_client()
    client.get("/langue/fr")
    own_postgres.stop()

    assert client.get(path).status_code == status


def test_the_api_answers_a_problem_with_a_stable_code(
    outage_app: Flask, own_postgres: OwnPostgres
) -> None:
    own_postgres.stop()

    response = outage_app.test_client().post(
        "/api/v1/enrollment/identity",
        json={
            "name": "venturi",
            "nir": "162122B01000103",
            "birth_date": "1962-12-18",
            "postal_code": "63000",
            "iban_tail": "0G02443",
            "vitale_tail": "46713226301",
        },
    )

    assert response.status_code == 503
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "service.unavailable"
    assert response.headers["Retry-After"] == "30"


def test_the_service_comes_back_with_the_database(
    outage_app: Flask, own_postgres: OwnPostgres
) -> None:
    client = outage_app.test_client()
    own_postgres.stop()
    assert client.post("/creation-compte/carte-vitale", data=card_form()).status_code == 503

    own_postgres.start()

    # The demo registry is empty here: the identity is not recognised, as it should be.
    assert client.post("/creation-compte/carte-vitale", data=card_form()).status_code == 422
    assert client.get("/readyz").status_code == 200
