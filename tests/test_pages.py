"""Probes, the page shell and the error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_app


def test_healthz_says_the_process_is_alive(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_says_ready_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_readyz_answers_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'db.sqlite3'}"}
    app = make_app(database, tmp_path)

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}


def test_home_page_is_french_with_the_dsfr_shell(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)

    assert '<html lang="fr"' in page
    assert 'href="#contenu"' in page and 'id="contenu"' in page
    assert 'href="#pied-de-page"' in page and 'id="pied-de-page"' in page
    assert 'class="fr-header"' in page and 'class="fr-footer"' in page
    assert "/static/dsfr/dsfr.min.css" in page
    assert "l&#39;Assurance Maladie" in page or "l'Assurance Maladie" in page


def test_unknown_page_gets_the_french_404_page(client: FlaskClient) -> None:
    response = client.get("/nulle-part")

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<h1>Page non trouvée</h1>" in page
    assert "<title>Page non trouvée (erreur 404)" in page


def test_an_unexpected_error_gets_the_french_500_page_without_a_trace(
    database: dict[str, Any], tmp_path: Path
) -> None:
    app = make_app(database, tmp_path)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "<h1>Erreur inattendue</h1>" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_api_clients_get_a_json_problem(client: FlaskClient, app: Flask) -> None:
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.json is not None
    assert response.json["status"] == 404
