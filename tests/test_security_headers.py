"""Every answer says how it may be shown: not framed, not sniffed, no referrer, scripts of
this service only; over https, HSTS and Secure cookies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import make_app


@pytest.mark.parametrize(
    "path",
    ["/", "/connexion", "/creation-compte/carte-vitale", "/page-inconnue", "/api/v1/openapi.json"],
)
def test_every_answer_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers

    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in headers


def test_over_https_hsts_and_secure_cookies(
    sqlite_database: dict[str, Any], tmp_path: Path
) -> None:
    app = make_app(sqlite_database, tmp_path, ISSUER="https://compte.ameli.example")
    client = app.test_client()

    response = client.get("/langue/en")

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
