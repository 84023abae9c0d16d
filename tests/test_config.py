"""Configuration layers and the production safety checks."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from config import create_app
from config.settings import DEFAULT_SECRET_KEY
from config.settings import ConfigurationError
from tests.cli import run_ameli

STRONG_SECRET = "Zq8-f4Lr2W_x9Kd0pTm7vY3nB6hJ1sGc5eA"
PRODUCTION = {
    "ENV": "production",
    "ISSUER": "https://compte.ameli.example",
    "SECRET_KEY": STRONG_SECRET,
    "KEY_ENCRYPTION_KEY": "k" * 40,
    "SMTP_URL": "smtp://mail.example:25",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AMELI_ENV",
        "AMELI_SECRET_KEY",
        "AMELI_DATABASE_URL",
        "AMELI_ISSUER",
        "AMELI_SANDBOX_ENABLED",
        "AMELI_SECRET_KEY_FILE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_a_development_service_on_sqlite_in_instance(tmp_path: Path) -> None:
    app = create_app(instance_path=str(tmp_path))

    assert app.config["ENV"] == "development"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'ameli.sqlite3'}"
    assert app.config["SANDBOX_ENABLED"] is True
    assert app.config["ISSUER"] == "http://127.0.0.1:5000"


def test_layers_apply_in_order_defaults_instance_environment_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ameli.cfg").write_text(
        'ISSUER = "https://from-instance-file.example"\n'
        'MAIL_FROM = "instance@example.org"\n'
        'REDIS_URL = "redis://from-instance-file"\n'
    )
    monkeypatch.setenv("AMELI_MAIL_FROM", "environment@example.org")
    monkeypatch.setenv("AMELI_REDIS_URL", "redis://from-environment")

    app = create_app({"REDIS_URL": "redis://from-override"}, instance_path=str(tmp_path))

    assert app.config["ISSUER"] == "https://from-instance-file.example"
    assert app.config["MAIL_FROM"] == "environment@example.org"
    assert app.config["REDIS_URL"] == "redis://from-override"


def test_environment_values_are_parsed_as_json_when_they_can_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMELI_SANDBOX_ENABLED", "false")
    monkeypatch.setenv("AMELI_REGISTRY_IMPORT_BATCH_SIZE", "500")

    app = create_app(instance_path=str(tmp_path))

    assert app.config["SANDBOX_ENABLED"] is False
    assert app.config["REGISTRY_IMPORT_BATCH_SIZE"] == 500


def test_secret_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(STRONG_SECRET + "\n")
    monkeypatch.setenv("AMELI_SECRET_KEY_FILE", str(secret_file))

    app = create_app(instance_path=str(tmp_path))

    assert app.config["SECRET_KEY"] == STRONG_SECRET


def test_an_unreadable_secret_file_is_refused_with_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMELI_SECRET_KEY_FILE", str(tmp_path / "missing"))

    with pytest.raises(ConfigurationError, match="AMELI_SECRET_KEY_FILE=.*missing cannot be read"):
        create_app(instance_path=str(tmp_path))


def test_postgres_urls_get_the_psycopg_driver(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": "postgres://u@db.example/ameli"}, instance_path=str(tmp_path))

    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/ameli"


def test_an_unknown_environment_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="AMELI_ENV='prod' is not one of"):
        create_app({"ENV": "prod"}, instance_path=str(tmp_path))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({}, "production refuses the default secret key"),
        ({"SECRET_KEY": DEFAULT_SECRET_KEY}, "production refuses the default secret key"),
        ({"SECRET_KEY": "short"}, "at least 32 characters"),
        (
            {"SECRET_KEY": STRONG_SECRET, "SANDBOX_ENABLED": True},
            "production refuses the FranceConnect sandbox",
        ),
        ({**PRODUCTION, "SMTP_URL": None}, "production needs AMELI_SMTP_URL"),
        ({**PRODUCTION, "KEY_ENCRYPTION_KEY": None}, "production needs a key-encryption key"),
        ({**PRODUCTION, "SECRET_KEY": "s" * 40}, "secret key of so few different characters"),
        ({**PRODUCTION, "SECRET_KEY": "ab" * 20}, "secret key of so few different characters"),
        ({**PRODUCTION, "ISSUER": "http://compte.ameli.example"}, "https:// AMELI_ISSUER"),
    ],
)
def test_production_refuses_unsafe_settings(
    tmp_path: Path, overrides: dict[str, object], reason: str
) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        create_app({"ENV": "production", **overrides}, instance_path=str(tmp_path))


def test_production_starts_with_a_real_secret_and_no_sandbox(tmp_path: Path) -> None:
    app = create_app(PRODUCTION, instance_path=str(tmp_path))

    assert app.config["SANDBOX_ENABLED"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_without_redis_starts_but_says_limits_are_per_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="config.settings"):
        create_app(PRODUCTION, instance_path=str(tmp_path))
        create_app(
            {**PRODUCTION, "REDIS_URL": "redis://127.0.0.1:6379/0"}, instance_path=str(tmp_path)
        )

    assert [record.getMessage() for record in caplog.records] == [
        "production without AMELI_REDIS_URL: limits are counted per process, so each worker "
        "and each instance allows its own share of guesses"
    ]


def test_the_command_line_gives_the_reason_in_one_line(tmp_path: Path) -> None:
    environment = {"AMELI_ENV": "production", "PATH": "/usr/bin:/bin"}

    result = run_ameli("routes", environment=environment, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: configuration refused: production refuses the default secret key: "
        "set AMELI_SECRET_KEY or AMELI_SECRET_KEY_FILE"
    )


def test_ameli_help_lists_the_operator_commands() -> None:
    result = run_ameli("--help")

    assert result.returncode == 0, result.stderr
    for command in ("db", "registry", "routes"):
        assert f"  {command}" in result.stdout
