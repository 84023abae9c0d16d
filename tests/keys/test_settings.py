"""Signing-key settings: defaults, the key-encryption key, and what production refuses."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from config import create_app
from core.errors import ConfigurationError
from keys.crypto import KeyEncryption
from keys.settings import DEVELOPMENT_KEY_ENCRYPTION_KEY
from keys.settings import KeySettings
from keys.settings import get_settings

STRONG_SECRET = "Zq8-f4Lr2W_x9Kd0pTm7vY3nB6hJ1sGc5eA"
STRONG_KEK = "k" * 40
PRODUCTION = {
    "ENV": "production",
    "ISSUER": "https://compte.ameli.example",
    "SECRET_KEY": STRONG_SECRET,
    "SMTP_URL": "smtp://mail.example:25",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AMELI_ENV", "AMELI_KEY_ENCRYPTION_KEY", "AMELI_KEY_ENCRYPTION_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)


def settings_of(tmp_path: Path, **config: Any) -> KeySettings:
    app = create_app(config, instance_path=str(tmp_path))
    with app.app_context():
        return get_settings()


def test_defaults(tmp_path: Path) -> None:
    settings = settings_of(tmp_path)

    assert settings.rsa_bits == 2048
    assert settings.max_token_lifetime == timedelta(hours=1)
    assert settings.retirement_margin == timedelta(hours=1)
    assert settings.jwks_max_age == 300
    assert settings.publication_delay == timedelta(minutes=10)
    assert settings.create_missing_keys is True
    assert settings.encryption.kek_id == KeyEncryption(DEVELOPMENT_KEY_ENCRYPTION_KEY).kek_id


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({}, "production needs a key-encryption key for the signing keys: set "),
        ({"KEY_ENCRYPTION_KEY": ""}, "production needs a key-encryption key"),
        (
            {"KEY_ENCRYPTION_KEY": DEVELOPMENT_KEY_ENCRYPTION_KEY},
            "production refuses the development key-encryption key",
        ),
        ({"KEY_ENCRYPTION_KEY": "short"}, "a key-encryption key of at least 32 characters"),
    ],
)
def test_production_refuses_to_start_without_a_key_encryption_key_of_its_own(
    tmp_path: Path, overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        create_app({**PRODUCTION, **overrides}, instance_path=str(tmp_path))


def test_production_starts_with_a_key_encryption_key_and_creates_no_keys(tmp_path: Path) -> None:
    settings = settings_of(tmp_path, **PRODUCTION, KEY_ENCRYPTION_KEY=STRONG_KEK)

    assert settings.encryption.kek_id == KeyEncryption(STRONG_KEK).kek_id
    assert settings.create_missing_keys is False


def test_the_key_encryption_key_can_come_from_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kek_file = tmp_path / "kek"
    kek_file.write_text(STRONG_KEK + "\n")
    monkeypatch.setenv("AMELI_KEY_ENCRYPTION_KEY_FILE", str(kek_file))

    settings = settings_of(tmp_path, **PRODUCTION)

    assert settings.encryption.kek_id == KeyEncryption(STRONG_KEK).kek_id


def test_a_key_encryption_key_of_digits_is_read_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment layer parses JSON: these digits arrive as an integer.
    monkeypatch.setenv("AMELI_KEY_ENCRYPTION_KEY", "1" * 40)

    settings = settings_of(tmp_path, **PRODUCTION)

    assert settings.encryption.kek_id == KeyEncryption("1" * 40).kek_id


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"KEYS_RSA_BITS": 1024}, "AMELI_KEYS_RSA_BITS must be at least 2048, not 1024"),
        ({"KEYS_RSA_BITS": "many"}, "AMELI_KEYS_RSA_BITS must be a whole number, not 'many'"),
        ({"KEYS_MAX_TOKEN_LIFETIME": 0}, "AMELI_KEYS_MAX_TOKEN_LIFETIME must be at least 1"),
        ({"KEYS_RETIREMENT_MARGIN": True}, "AMELI_KEYS_RETIREMENT_MARGIN must be a whole number"),
        (
            {"KEYS_PUBLICATION_DELAY": 60},
            "AMELI_KEYS_PUBLICATION_DELAY must be at least AMELI_KEYS_JWKS_MAX_AGE",
        ),
    ],
)
def test_unusable_settings_are_refused_in_every_environment(
    tmp_path: Path, overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        create_app(overrides, instance_path=str(tmp_path))


def test_settings_may_be_tuned(tmp_path: Path) -> None:
    settings = settings_of(
        tmp_path,
        KEYS_RSA_BITS=3072,
        KEYS_MAX_TOKEN_LIFETIME=600,
        KEYS_RETIREMENT_MARGIN=300,
        KEYS_JWKS_MAX_AGE=60,
        KEYS_PUBLICATION_DELAY=120,
    )

    assert settings.rsa_bits == 3072
    assert settings.retired_publication == timedelta(minutes=15)
    assert (settings.jwks_max_age, settings.publication_delay) == (60, timedelta(minutes=2))
