"""The email-activation lifecycle (SPEC §8): 7 days to click, 21 days before the address goes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from accounts import activation
from accounts import errors as account_errors
from accounts.activation import ActivationState
from accounts.contact import EmailAlreadyUsed
from accounts.mail.models import OutboxMessage
from accounts.models import Account
from accounts.models import AccountStatus
from accounts.models import ActivationToken
from core.clock import FrozenClock
from core.db import db
from tests.enrollment.conftest import GOOD_EMAIL
from tests.enrollment.conftest import Enroll
from tests.enrollment.conftest import latest_activation_token
from tests.enrollment.conftest import sent_mails


def the_account() -> Account:
    account = db.session.scalars(select(Account)).one()
    db.session.refresh(account)
    return account


@pytest.fixture
def pending(app: Flask, enroll: Enroll) -> str:
    """A pending account just created through the web journey; returns its link's token."""
    enroll.complete()
    return latest_activation_token(app)


@pytest.mark.parametrize(
    ("age", "state"),
    [
        (timedelta(0), ActivationState.AWAITING_CONFIRMATION),
        (timedelta(days=6, hours=23), ActivationState.AWAITING_CONFIRMATION),
        (timedelta(days=7), ActivationState.AWAITING_CONFIRMATION),
        (timedelta(days=7, seconds=1), ActivationState.LINK_EXPIRED),
        (timedelta(days=20, hours=23), ActivationState.LINK_EXPIRED),
        (timedelta(days=21), ActivationState.LINK_EXPIRED),
        (timedelta(days=21, seconds=1), ActivationState.ADDRESS_DELETED),
    ],
)
def test_what_a_pending_account_sees_depends_on_the_age_of_its_latest_link(
    pending: str, clock: FrozenClock, age: timedelta, state: ActivationState
) -> None:
    clock.advance(age)

    assert activation.state_of(the_account()) is state


def test_the_link_activates_within_7_days(pending: str, clock: FrozenClock) -> None:
    clock.advance(timedelta(days=6, hours=23))

    account = activation.activate(pending)

    assert account.status is AccountStatus.ACTIVE
    assert account.activated_at == clock.now()
    assert activation.state_of(account) is ActivationState.ACTIVE


def test_the_link_works_once(pending: str) -> None:
    activation.activate(pending)

    with pytest.raises(account_errors.ActivationLinkUsed):
        activation.activate(pending)


def test_after_7_days_the_link_is_no_longer_active(pending: str, clock: FrozenClock) -> None:
    clock.advance(timedelta(days=7, seconds=1))

    with pytest.raises(account_errors.ActivationLinkExpired) as refused:
        activation.activate(pending)

    assert refused.value.account.status is AccountStatus.PENDING


def test_after_21_days_the_address_counts_as_deleted(pending: str, clock: FrozenClock) -> None:
    clock.advance(timedelta(days=21, seconds=1))

    with pytest.raises(account_errors.ActivationAddressDeleted):
        activation.activate(pending)


def test_an_unknown_or_forged_link_is_refused(pending: str) -> None:
    with pytest.raises(account_errors.ActivationLinkUnknown):
        activation.activate(pending[:-1] + ("A" if pending[-1] != "A" else "B"))


def test_only_the_hash_of_the_token_is_stored(pending: str) -> None:
    stored = db.session.scalars(select(ActivationToken.token_hash)).all()

    assert stored == [activation.hash_token(pending)]
    assert pending not in stored[0]


def test_a_resend_to_the_same_address_invalidates_older_links_and_restarts_the_clock(
    app: Flask, pending: str, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=10))
    activation.resend(the_account())
    newer = latest_activation_token(app)

    with pytest.raises(account_errors.ActivationLinkSuperseded):
        activation.activate(pending)
    clock.advance(timedelta(days=6, hours=23))
    assert activation.activate(newer).status is AccountStatus.ACTIVE


def test_a_resend_to_a_new_address_changes_the_address(
    app: Flask, pending: str, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=8))

    message = activation.resend(the_account(), "nouvelle.adresse@example.org")

    assert message.recipient == "nouvelle.adresse@example.org"
    assert the_account().email == "nouvelle.adresse@example.org"
    assert activation.activate(latest_activation_token(app)).status is AccountStatus.ACTIVE


def test_a_resend_to_an_address_used_by_another_account_is_refused(
    pending: str, enroll: Enroll
) -> None:
    enroll.client.get("/")  # a second person, in another browser
    second = Enroll(enroll.client.application.test_client())
    second.complete("278043818574771", "sophie.garnier@example.org")
    account = db.session.scalars(select(Account).where(Account.nir == "162122B01000103")).one()

    with pytest.raises(EmailAlreadyUsed):
        activation.resend(account, "SOPHIE.GARNIER@example.org")


def test_the_purge_deletes_only_addresses_pending_for_more_than_21_days(
    pending: str, clock: FrozenClock, app: Flask
) -> None:
    clock.advance(timedelta(days=21))
    assert activation.purge_addresses() == 0

    clock.advance(timedelta(seconds=1))
    result = app.test_cli_runner().invoke(args=["accounts", "purge"])

    assert result.exit_code == 0 and "1 address(es)" in result.output
    account = the_account()
    assert account.email is None and account.email_canonical is None
    assert account.email_deleted_at == clock.now()
    assert activation.state_of(account) is ActivationState.ADDRESS_DELETED


def test_after_the_purge_the_address_is_free_and_a_new_one_brings_a_new_link(
    app: Flask, pending: str, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=22))
    activation.purge_addresses()

    activation.resend(the_account(), "retour@example.org")

    assert activation.state_of(the_account()) is ActivationState.AWAITING_CONFIRMATION
    assert activation.activate(latest_activation_token(app)).status is AccountStatus.ACTIVE


def test_the_activation_mail_holds_the_link_and_its_expiry(app: Flask, pending: str) -> None:
    mail = sent_mails(app)[-1]
    body = mail.get_body(preferencelist=("plain",))

    assert mail["To"] == GOOD_EMAIL
    assert mail["Subject"] == "Activez votre compte ameli"
    assert body is not None
    assert "valable 7 jours, jusqu'au 22/01/2026 à 10:00" in body.get_content()
    assert f"/creation-compte/activation/{pending}" in body.get_content()


def test_the_delivered_mail_is_erased_from_the_outbox(pending: str) -> None:
    message = db.session.scalars(select(OutboxMessage)).one()

    assert message.sent_at is not None
    assert message.body_text is None and message.body_html is None
