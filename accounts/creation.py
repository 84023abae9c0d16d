"""Account creation: the end of both sign-up paths (step 3), and the account's look-ups."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from accounts import activation
from accounts import uniqueness
from accounts.contact import ContactDetails
from accounts.contact import canonical_email
from accounts.models import Account
from accounts.models import AccountStatus
from accounts.models import EnrollmentPath
from core import clock
from core.db import db

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NewAccount:
    """What an account is opened with, whichever path verified the person.

    Protocol-neutral: a NIR the path proved, how it was proved, the code personnel's hash
    and the contact details; the FranceConnect ``sub`` when FranceConnect identified them.
    """

    nir: str
    path: EnrollmentPath
    password_hash: str
    contact: ContactDetails
    franceconnect_sub: str | None = None


def create(new: NewAccount, *, client_ip: str) -> Account:
    """Create the pending account and its activation mail in one transaction.

    The mail worker sends the mail: no request waits for the mail server.

    :raises AccountAlreadyExists: the NIR has an account (a double submit too).
    :raises EmailAlreadyUsed: another account holds the address.
    :raises core.throttle.Throttled: too many addresses already used lately.
    """
    contact = new.contact
    activation.check_address_free(contact.email, nir=new.nir, client_ip=client_ip)
    now = clock.now()
    account = Account(
        nir=new.nir,
        status=AccountStatus.PENDING,
        enrollment_path=new.path,
        password_hash=new.password_hash,
        mobile_phone=contact.mobile_phone,
        landline_phone=contact.landline_phone,
        marketing_consent_at=now if contact.marketing_consent else None,
        franceconnect_sub=new.franceconnect_sub,
        created_at=now,
    )
    with uniqueness.violations_explained():
        db.session.add(account)
        message = activation.send_link(account, contact.email)
        db.session.commit()
    log.info("account %s created (%s), activation mail %s queued", account.id, new.path, message.id)
    return account


def find(account_id: int) -> Account | None:
    """Return the account of ``account_id``, if it still exists."""
    return db.session.get(Account, account_id)


def find_by_nir(nir: str) -> Account | None:
    """Return the account of a 15-character NIR, if any."""
    return db.session.scalar(select(Account).where(Account.nir == nir))


def exists_for_nir(nir: str) -> bool:
    """Tell whether the 15-character ``nir`` has an account, whatever its state."""
    return db.session.scalar(select(Account.id).where(Account.nir == nir)) is not None


def is_same_submission(new: NewAccount) -> bool:
    """Tell whether a pending account already holds exactly this submission (double submit)."""
    account = find_by_nir(new.nir)
    return (
        account is not None
        and account.status is AccountStatus.PENDING
        and account.email_canonical == canonical_email(new.contact.email)
    )
