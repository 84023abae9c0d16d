"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import MetaData
from sqlalchemy import Table
from sqlalchemy import insert
from sqlalchemy import inspect
from sqlalchemy import select

from accounts.models import Account
from core.clock import FrozenClock
from core.db import db
from idp.models import Consent


def test_migrations_match_the_models(app: Flask) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)

    assert differences == []


def test_migrations_go_down_to_nothing_and_back_up(app: Flask) -> None:
    flask_migrate.downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

    flask_migrate.upgrade()
    assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())


# The head of the first wave: what a running service was migrated to before this one.
FIRST_WAVE_HEAD = "0004"


def _reflected(name: str) -> Table:
    return Table(name, MetaData(), autoload_with=db.engine)


def test_an_upgrade_from_the_first_wave_keeps_every_row(app: Flask, clock: FrozenClock) -> None:
    flask_migrate.downgrade(revision=FIRST_WAVE_HEAD)
    now = clock.now()
    with db.engine.begin() as connection:
        connection.execute(
            insert(_reflected("account")),
            {
                "id": 1,
                "nir": "162122B01000103",
                "status": "active",
                "enrollment_path": "vitale_iban",
                "password_hash": "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
                "email": "pierre.venturi@example.org",
                "email_canonical": "pierre.venturi@example.org",
                "created_at": now,
                "activated_at": now,
                "activation_sent_at": now,
            },
        )
        connection.execute(
            insert(_reflected("oidc_client")),
            {
                "id": 1,
                "client_id": "partenaire",
                "name": "Impots.example",
                "redirect_uris": ["https://partenaire.example/callback"],
                "post_logout_redirect_uris": [],
                "auth_method": "client_secret_basic",
                "id_token_alg": "RS256",
                "subject_type": "pairwise",
                "sector_identifier": "partenaire.example",
                "scopes": ["openid", "profile"],
                "trusted": False,
                "created_at": now,
            },
        )
        connection.execute(
            insert(_reflected("oidc_consent")),
            {"account_id": 1, "client_id": 1, "scopes": ["openid", "profile"], "granted_at": now},
        )

    flask_migrate.upgrade()

    account = db.session.get(Account, 1)
    assert account is not None and account.email == "pierre.venturi@example.org"
    [consent] = db.session.scalars(select(Consent)).all()
    assert consent.scopes == ["openid", "profile"]
    # Consents given before it allowed their scopes only: no claim by name.
    assert consent.claims == []
    assert consent.covers_scopes(["openid", "profile"])
    assert not consent.covers_claims(["birthplace"])


def test_the_last_migration_can_be_undone(app: Flask) -> None:
    flask_migrate.downgrade(revision=FIRST_WAVE_HEAD)
    assert "claims" not in {
        column["name"] for column in inspect(db.engine).get_columns("oidc_consent")
    }

    flask_migrate.upgrade()
    assert "claims" in {column["name"] for column in inspect(db.engine).get_columns("oidc_consent")}
