"""Account creation: the end of both sign-up paths (step 3)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from core import clock
from core.db import db
from enrollment import activation
from enrollment import outbox
from enrollment import uniqueness
from enrollment.contact import ContactDetails
from enrollment.contact import canonical_email
from enrollment.models import Account
from enrollment.models import AccountStatus
from enrollment.person import VerifiedPerson

log = logging.getLogger(__name__)


def create_account(person: VerifiedPerson, password_hash: str, contact: ContactDetails) -> Account:
    """Create the pending account and its activation mail in one transaction, then send it.

    :raises eligibility.AccountAlreadyExists: the NIR has an account (a double submit too).
    :raises EmailAlreadyUsed: another account holds the address.
    """
    activation.check_email_free(contact.email)
    now = clock.now()
    account = Account(
        nir=person.nir,
        status=AccountStatus.PENDING,
        enrollment_path=person.path,
        password_hash=password_hash,
        mobile_phone=contact.mobile_phone,
        landline_phone=contact.landline_phone,
        marketing_consent_at=now if contact.marketing_consent else None,
        franceconnect_sub=person.franceconnect_sub,
        created_at=now,
    )
    with uniqueness.violations_explained():
        db.session.add(account)
        message = activation.send_link(account, contact.email)
        db.session.commit()
    log.info(
        "account %s created (%s), activation mail %s queued", account.id, person.path, message.id
    )
    outbox.deliver_now(message.id)
    return account


def find_by_nir(nir: str) -> Account | None:
    """Return the account of a 15-character NIR, if any."""
    return db.session.scalar(select(Account).where(Account.nir == nir))


def is_same_submission(person: VerifiedPerson, contact: ContactDetails) -> bool:
    """Tell whether a pending account already holds exactly this submission (double submit)."""
    account = find_by_nir(person.nir)
    return (
        account is not None
        and account.status is AccountStatus.PENDING
        and account.email_canonical == canonical_email(contact.email)
    )
