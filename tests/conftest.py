"""Fixtures shared by the whole suite: the app on each database, a frozen clock."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from config import create_app
from config.settings import sqlalchemy_url
from core import settings
from core.clock import FrozenClock
from core.db import db
from tests import services

pytest_plugins = ["tests.smtp", "tests.live", "tests.own_services"]

TEST_CONFIG: dict[str, Any] = {
    "ENV": "test",
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "WTF_CSRF_ENABLED": False,
    # Cheap hashing: the OWASP parameters are tested once, on their own.
    "ARGON2_MEMORY_COST": 1024,
    "ARGON2_TIME_COST": 1,
}


def make_app(
    database: dict[str, Any], tmp_path: Path, clock: FrozenClock | None = None, **overrides: Any
) -> Flask:
    """Build an app for tests on ``database``, with its instance folder under ``tmp_path``."""
    config = {**TEST_CONFIG, "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), **database, **overrides}
    instance_path = str(tmp_path / "instance")
    return create_app(config, clock=clock or FrozenClock(), instance_path=instance_path)


def reconfigure(app: Flask, **overrides: Any) -> None:
    """Change settings of a running test application: the packages read them again."""
    app.config.update(overrides)
    settings.reload(app)


def _migrate(database: dict[str, Any], tmp_path: Path) -> None:
    app = make_app(database, tmp_path)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("sqlite")
    database = {"DATABASE_URL": f"sqlite:///{folder / 'ameli.sqlite3'}"}
    _migrate(database, folder)
    return database


@pytest.fixture(scope="session")
def postgresql_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A schema of its own on the PostgreSQL test server, migrated once for the session.

    A schema per run lets several runs share the one ``test`` database safely.
    """
    url = sqlalchemy_url(services.postgresql_url())
    schema = f"test_{secrets.token_hex(6)}"
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        engine.dispose()
        services.unavailable(f"PostgreSQL unreachable: {error.orig}")
    database = {
        "DATABASE_URL": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {"options": f"-csearch_path={schema}"},
        },
    }
    _migrate(database, tmp_path_factory.mktemp("postgresql"))
    yield database
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each database test runs on SQLite, then on PostgreSQL."""
    database: dict[str, Any] = request.getfixturevalue(f"{request.param}_database")
    return database


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def app(database: dict[str, Any], clock: FrozenClock, tmp_path: Path) -> Iterator[Flask]:
    """The service on a migrated, empty database, inside an application context."""
    app = make_app(database, tmp_path, clock)
    with app.app_context():
        yield app
        empty_database()


def empty_database() -> None:
    """Give the session's database back empty, for the next test (inside an app context)."""
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
    db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
