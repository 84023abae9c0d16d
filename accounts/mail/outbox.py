"""The outbox: mails written in the caller's transaction, sent by the mail worker, with retries.

Requests only write the outbox: no page waits for a mail server, however slow. The worker
(``ameli mail deliver --loop``) sends what is due. A message is *claimed* before it is sent:
in a short transaction its next attempt is pushed a lease ahead, so that no other sender (a
second worker) takes it meanwhile. On PostgreSQL the candidate row is read with
``FOR UPDATE SKIP LOCKED``, so concurrent senders pass over each other's rows instead of
waiting; on SQLite the conditional update alone decides. No transaction stays open while
talking to the SMTP server. A sender that dies mid-send leaves the message due again once
its lease ends: delivery is at least once, never silently lost.
"""

from __future__ import annotations

import email.errors
import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from email.utils import parseaddr
from typing import Any
from typing import cast

from sqlalchemy import ColumnElement
from sqlalchemy import CursorResult
from sqlalchemy import and_
from sqlalchemy import update

from accounts.mail.models import OutboxMessage
from accounts.mail.settings import get_settings
from accounts.mail.transports import Mailer
from accounts.mail.transports import MailerError
from core.clock import now
from core.db import db

log = logging.getLogger(__name__)

# Wait before the next attempt, by number of failed attempts; the last one repeats.
BACK_OFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
)
# Far longer than one SMTP exchange may last (10 s per step), so a lease never ends while
# its sender is still at work.
CLAIM_LEASE = timedelta(minutes=5)
ERROR_LENGTH = 500
SUBJECT_LENGTH = 200
RECIPIENT_LENGTH = 254
# RFC 5322 §2.1.1: at most 998 octets a line, CRLF excluded.
MAX_LINE_BYTES = 998


class Outcome(enum.Enum):
    SENT = "sent"
    RETRIED = "retried"
    FAILED = "failed"


@dataclass
class DeliveryReport:
    """What one delivery round did: sent, to be retried, given up."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.failed


def enqueue(
    recipient: str, subject: str, body_text: str, body_html: str | None = None
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction, due at once; do not commit.

    :raises ValueError: the recipient or subject cannot be a mail header.
    """
    for name, value, length in (
        ("recipient", recipient, RECIPIENT_LENGTH),
        ("subject", subject, SUBJECT_LENGTH),
    ):
        # Refused here rather than failing later, in a worker, on every attempt.
        if not value or "\r" in value or "\n" in value or len(value) > length:
            raise ValueError(f"{name} must be one line of 1 to {length} characters")
    moment = now()
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        created_at=moment,
        next_attempt_at=moment,
        attempts=0,
    )
    db.session.add(message)
    # The id is known before commit, for the caller's log lines.
    db.session.flush()
    return message


def build_message(row: OutboxMessage, sender: str) -> EmailMessage:
    """Return the mail of ``row``: plain text, and HTML as an alternative when there is one.

    Date and Message-ID derive from the row, so every attempt sends the same message.

    :raises ValueError: the body was erased (the message was delivered) or a header is bad.
    """
    if row.body_text is None:
        raise ValueError(f"outbox message {row.id} has no body: it was delivered")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = f"<outbox.{row.id}.{row.created_at:%Y%m%dT%H%M%S%f}@{_domain(sender)}>"
    # RFC 3834: vacation responders must not answer.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text, cte=_transfer_encoding(row.body_text))
    if row.body_html is not None:
        message.add_alternative(
            row.body_html, subtype="html", cte=_transfer_encoding(row.body_html)
        )
    return message


def deliver_due(limit: int = 100, *, mailer: Mailer | None = None) -> DeliveryReport:
    """Send up to ``limit`` due messages, oldest first, committing after each one."""
    mailer = mailer or get_settings().mailer
    sender = get_settings().sender
    report = DeliveryReport()
    for _ in range(limit):
        row = _claim(())
        if row is None:
            break
        report.count(_deliver(row, sender, mailer))
    return report


def back_off(attempts: int) -> timedelta:
    """Return the wait after ``attempts`` failed attempts."""
    return BACK_OFF[min(max(attempts, 1), len(BACK_OFF)) - 1]


def _transfer_encoding(body: str) -> str:
    """Return 7bit or 8bit when every line fits a mail line, else quoted-printable."""
    # Plain UTF-8 keeps links whole and accents legible in .eml files and mail sources;
    # Python would pick quoted-printable for any line over 78 characters, like a link's.
    if max((len(line.encode()) for line in body.splitlines()), default=0) > MAX_LINE_BYTES:
        return "quoted-printable"
    return "7bit" if body.isascii() else "8bit"


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2]


def _due(moment: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.next_attempt_at <= moment,
    )


def _claim(criteria: Iterable[ColumnElement[bool]]) -> OutboxMessage | None:
    """Take the oldest due message matching ``criteria`` for this sender, and commit."""
    criteria = tuple(criteria)
    while True:
        moment = now()
        statement = (
            db.select(OutboxMessage)
            .where(_due(moment), *criteria)
            .order_by(OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        row = db.session.execute(statement).scalar_one_or_none()
        if row is None:
            db.session.rollback()
            return None
        # On SQLite nothing is locked: the update tells which of two senders got the row.
        result = cast(
            CursorResult[Any],
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, _due(moment))
                .values(next_attempt_at=moment + CLAIM_LEASE)
            ),
        )
        if result.rowcount == 1:
            return row
        # Another sender took it: leave it out and look again.
        criteria = (*criteria, OutboxMessage.id != row.id)
        db.session.rollback()


def _deliver(row: OutboxMessage, sender: str, mailer: Mailer) -> Outcome:
    """Send a claimed message and record the outcome; the claim is still uncommitted."""
    try:
        message = build_message(row, sender)
    except (ValueError, email.errors.MessageError) as error:
        # Retrying cannot repair the message itself.
        return _give_up(row, f"cannot build the message: {error}")
    db.session.commit()
    try:
        mailer.send(message)
    except MailerError as error:
        return _record_failure(row, str(error))
    except Exception as error:
        # A failure nobody foresaw must not stop the other messages: retried like the rest.
        log.exception("mail %s not sent: unexpected failure of the transport", row.id)
        return _record_failure(row, f"unexpected failure: {type(error).__name__}")
    message_id, domain = row.id, _domain(row.recipient)
    row.sent_at = now()
    # The body may hold a single-use link: it must not outlive its delivery.
    row.body_text = None
    row.body_html = None
    db.session.commit()
    log.info("mail %s sent to *@%s", message_id, domain)
    return Outcome.SENT


def _record_failure(row: OutboxMessage, error: str) -> Outcome:
    row.attempts += 1
    if row.attempts >= get_settings().max_attempts:
        return _give_up(row, error)
    message_id, domain, attempts = row.id, _domain(row.recipient), row.attempts
    row.last_error = last_error = _redact(error, row.recipient)
    row.next_attempt_at = next_attempt_at = now() + back_off(attempts)
    db.session.commit()
    log.warning(
        "mail %s to *@%s not sent (attempt %s), next attempt at %s: %s",
        message_id,
        domain,
        attempts,
        next_attempt_at.isoformat(),
        last_error,
    )
    return Outcome.RETRIED


def _give_up(row: OutboxMessage, error: str) -> Outcome:
    message_id, domain, attempts = row.id, _domain(row.recipient), row.attempts
    row.last_error = last_error = _redact(error, row.recipient)
    row.failed_at = now()
    db.session.commit()
    log.error(
        "mail %s to *@%s given up after %s attempts: %s",
        message_id,
        domain,
        attempts,
        last_error,
    )
    return Outcome.FAILED


def _redact(error: str, recipient: str) -> str:
    """Return ``error`` without the full address, cut to the column's length."""
    text = error.replace(recipient, f"*@{_domain(recipient)}") if recipient else error
    return text[:ERROR_LENGTH]
