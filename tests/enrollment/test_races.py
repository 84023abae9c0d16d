"""Races on PostgreSQL: the unique constraints decide, and every loser gets a clear answer."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from accounts import creation
from accounts.contact import ContactDetails
from accounts.contact import EmailAlreadyUsed
from accounts.errors import AccountAlreadyExists
from accounts.models import Account
from accounts.models import EnrollmentPath
from core.db import db
from enrollment.person import VerifiedPerson
from enrollment.registry import get_registry
from tests.enrollment.conftest import demo_rows

pytestmark = pytest.mark.postgresql


@pytest.fixture
def postgresql_app(app: Flask, database: dict[str, Any]) -> Flask:
    if "postgresql" not in database["DATABASE_URL"]:
        pytest.skip("a race needs a real server: PostgreSQL only")
    return app


def run_together(app: Flask, actions: list[Any]) -> list[Exception | None]:
    """Run each action in its own thread and app context, all released at once."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[Exception | None] = [None] * len(actions)

    def run(index: int, action: Any) -> None:
        with app.app_context():
            barrier.wait()
            try:
                action()
            except Exception as error:  # noqa: BLE001 - the outcome is what is asserted
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def people(count: int) -> list[VerifiedPerson]:
    registry = get_registry()
    found = []
    for nir in list(demo_rows())[:count]:
        record = registry.find(nir)
        assert record is not None
        found.append(VerifiedPerson.from_record(record, EnrollmentPath.VITALE_IBAN))
    return found


def count_accounts() -> int:
    return db.session.scalar(select(func.count()).select_from(Account)) or 0


def test_twenty_people_submitting_the_same_address_at_once_make_one_account(
    postgresql_app: Flask, registry: None
) -> None:
    contact = ContactDetails("famille@example.org", None, None, False)
    hash_ = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
    actions = [
        (
            lambda person=person: creation.create(
                person.new_account(hash_, contact), client_ip="192.0.2.1"
            )
        )
        for person in people(20)
    ]

    outcomes = run_together(postgresql_app, actions)

    assert outcomes.count(None) == 1
    losers = [outcome for outcome in outcomes if outcome is not None]
    assert len(losers) == 19 and all(isinstance(error, EmailAlreadyUsed) for error in losers)
    assert all("déjà utilisée" in str(error) for error in losers)
    assert count_accounts() == 1


def test_a_double_submit_makes_one_account(postgresql_app: Flask, registry: None) -> None:
    person = people(1)[0]
    contact = ContactDetails("double@example.org", None, None, False)
    hash_ = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"

    outcomes = run_together(
        postgresql_app,
        [
            lambda: creation.create(person.new_account(hash_, contact), client_ip="192.0.2.1")
            for _ in range(2)
        ],
    )

    assert outcomes.count(None) == 1
    assert any(isinstance(error, AccountAlreadyExists | EmailAlreadyUsed) for error in outcomes)
    assert count_accounts() == 1
