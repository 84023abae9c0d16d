"""The outbox and its delivery: real SMTP (aiosmtpd), files in development, retries."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import threading
from datetime import timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from accounts.mail import outbox
from accounts.mail.models import OutboxMessage
from accounts.mail.transports import FileMailer
from accounts.mail.transports import MailerError
from accounts.mail.transports import SmtpMailer
from accounts.mail.transports import mailer_from_config
from config import create_app
from core.clock import FrozenClock
from core.db import db
from core.errors import ConfigurationError
from tests.cli import run_ameli
from tests.conftest import reconfigure
from tests.smtp import SmtpServer

RECIPIENT = "elodie.lefevre@exemple.fr"
SUBJECT = "Activez votre compte ameli — dernière étape"
TEXT = (
    "Bonjour Élodie,\n\n"
    "Pour activer votre compte, ouvrez ce lien : https://ameli.example/activation/jeton-secret\n\n"
    "À bientôt sur ameli, l'Assurance Maladie.\n"
)
HTML = (
    '<p>Bonjour Élodie,</p><p><a href="https://ameli.example/activation/jeton-secret">'
    "Activer mon compte</a></p><p>À bientôt, l'Assurance Maladie.</p>\n"
)
SENDER = "ameli <ne-pas-repondre@ameli.example>"


@pytest.fixture
def mail_app(app: Flask, smtp_server: SmtpServer) -> Flask:
    """The service sending through the test SMTP server."""
    reconfigure(app, SMTP_URL=smtp_server.url)
    return app


def queue(recipient: str = RECIPIENT, html: str | None = HTML) -> int:
    """Enqueue the activation-like mail, commit, and return its id."""
    message = outbox.enqueue(recipient, SUBJECT, TEXT, html)
    db.session.commit()
    return message.id


def stored(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message_id)
    assert row is not None
    return row


def count_rows() -> int:
    return len(db.session.execute(db.select(OutboxMessage.id)).all())


# --- enqueue ---------------------------------------------------------------------------


def test_enqueue_is_part_of_the_callers_transaction(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    outbox.enqueue(RECIPIENT, SUBJECT, TEXT, HTML)
    db.session.rollback()

    assert count_rows() == 0
    assert outbox.deliver_due() == outbox.DeliveryReport()
    assert smtp_server.messages == []


def test_enqueued_message_is_due_at_once(app: Flask, clock: FrozenClock) -> None:
    message_id = queue()

    row = stored(message_id)
    assert (row.recipient, row.subject, row.body_text, row.body_html) == (
        RECIPIENT,
        SUBJECT,
        TEXT,
        HTML,
    )
    assert row.created_at == row.next_attempt_at == clock.now()
    assert (row.attempts, row.last_error, row.sent_at, row.failed_at) == (0, None, None, None)


@pytest.mark.parametrize(
    ("recipient", "subject", "message"),
    [
        ("", SUBJECT, "recipient must be one line"),
        ("a@b.fr\r\nBcc: x@y.fr", SUBJECT, "recipient must be one line"),
        (RECIPIENT, "Bonjour\nBcc: x@y.fr", "subject must be one line"),
        (RECIPIENT, "x" * 201, "subject must be one line of 1 to 200 characters"),
    ],
)
def test_enqueue_refuses_what_cannot_be_a_header(
    app: Flask, recipient: str, subject: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        outbox.enqueue(recipient, subject, TEXT)


# --- delivery through SMTP -------------------------------------------------------------


def test_deliver_due_sends_the_message_through_smtp(
    mail_app: Flask, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    message_id = queue()

    report = outbox.deliver_due()

    assert report == outbox.DeliveryReport(sent=1)
    [received] = smtp_server.wait_for(1)
    assert received["From"] == SENDER
    assert received["To"] == RECIPIENT
    assert received["Subject"] == SUBJECT
    assert received["Date"].datetime == clock.now()
    assert re.fullmatch(
        rf"<outbox\.{message_id}\.20260115T090000000000@ameli\.example>", received["Message-ID"]
    )
    assert received["Auto-Submitted"] == "auto-generated"
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    assert text.get_content() == TEXT
    assert html.get_content() == HTML
    assert text.get_content_charset() == "utf-8"
    [delivery] = smtp_server.deliveries
    assert delivery.mail_from == "ne-pas-repondre@ameli.example"
    assert delivery.rcpt_tos == (RECIPIENT,)
    assert "BODY=8BITMIME" in delivery.mail_options


def test_message_without_html_is_plain_text(mail_app: Flask, smtp_server: SmtpServer) -> None:
    queue(html=None)

    outbox.deliver_due()

    [received] = smtp_server.wait_for(1)
    assert received.get_content_type() == "text/plain"
    assert received.get_content() == TEXT


def test_line_too_long_for_mail_is_sent_quoted_printable(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    long_html = "<p>" + "é" * 600 + "</p>\n"
    outbox.enqueue(RECIPIENT, SUBJECT, TEXT, long_html)
    db.session.commit()

    outbox.deliver_due()

    [received] = smtp_server.wait_for(1)
    text = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    assert (text["Content-Transfer-Encoding"], html["Content-Transfer-Encoding"]) == (
        "8bit",
        "quoted-printable",
    )
    assert html.get_content() == long_html


def test_delivered_message_keeps_no_body(
    mail_app: Flask, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    message_id = queue()
    clock.advance(timedelta(seconds=3))

    outbox.deliver_due()

    row = stored(message_id)
    assert row.sent_at == clock.now()
    assert (row.body_text, row.body_html) == (None, None)
    assert (row.recipient, row.subject) == (RECIPIENT, SUBJECT)
    with pytest.raises(ValueError, match="it was delivered"):
        outbox.build_message(row, SENDER)


def test_deliver_due_sends_oldest_first_and_each_once(
    mail_app: Flask, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    for number in range(3):
        outbox.enqueue(f"personne{number}@exemple.fr", SUBJECT, TEXT)
        clock.advance(timedelta(seconds=1))
    db.session.commit()

    assert outbox.deliver_due(limit=2) == outbox.DeliveryReport(sent=2)
    assert outbox.deliver_due() == outbox.DeliveryReport(sent=1)
    assert outbox.deliver_due() == outbox.DeliveryReport()

    recipients = [str(message["To"]) for message in smtp_server.wait_for(3)]
    assert recipients == ["personne0@exemple.fr", "personne1@exemple.fr", "personne2@exemple.fr"]


def test_log_lines_name_the_domain_never_the_address_or_body(
    mail_app: Flask, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="accounts.mail.outbox")
    message_id = queue()

    outbox.deliver_due()

    assert caplog.messages == [f"mail {message_id} sent to *@exemple.fr"]


# --- retries ---------------------------------------------------------------------------


def test_smtp_down_retries_with_back_off_then_sends_once(
    mail_app: Flask, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    message_id = queue()
    smtp_server.stop()

    assert outbox.deliver_due() == outbox.DeliveryReport(retried=1)
    row = stored(message_id)
    assert row.attempts == 1
    assert row.last_error == f"cannot reach 127.0.0.1:{smtp_server.port}: Connection refused"
    assert row.next_attempt_at == clock.now() + timedelta(minutes=1)
    assert (row.body_text, row.sent_at, row.failed_at) == (TEXT, None, None)

    clock.advance(timedelta(seconds=59))
    assert outbox.deliver_due() == outbox.DeliveryReport()
    clock.advance(timedelta(seconds=1))
    assert outbox.deliver_due() == outbox.DeliveryReport(retried=1)
    assert stored(message_id).next_attempt_at == clock.now() + timedelta(minutes=5)

    smtp_server.start()
    clock.advance(timedelta(minutes=4))
    assert outbox.deliver_due() == outbox.DeliveryReport()
    clock.advance(timedelta(minutes=1))
    assert outbox.deliver_due() == outbox.DeliveryReport(sent=1)
    clock.advance(timedelta(hours=1))
    assert outbox.deliver_due() == outbox.DeliveryReport()

    assert len(smtp_server.wait_for(1)) == 1
    row = stored(message_id)
    assert (row.attempts, row.sent_at, row.body_text) == (2, clock.now() - timedelta(hours=1), None)


def test_refusal_by_the_server_is_retried_and_recorded_without_the_body(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    smtp_server.refuse("451 4.3.0 Try again later")
    message_id = queue()

    assert outbox.deliver_due() == outbox.DeliveryReport(retried=1)

    row = stored(message_id)
    assert row.last_error == f"127.0.0.1:{smtp_server.port}: 451 4.3.0 Try again later"
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=5)),
        (3, timedelta(minutes=15)),
        (4, timedelta(hours=1)),
        (5, timedelta(hours=3)),
        (6, timedelta(hours=6)),
        (9, timedelta(hours=6)),
    ],
)
def test_back_off_grows_then_stays_at_six_hours(attempts: int, wait: timedelta) -> None:
    assert outbox.back_off(attempts) == wait


def test_message_is_given_up_after_max_attempts(
    mail_app: Flask,
    smtp_server: SmtpServer,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    reconfigure(mail_app, MAIL_MAX_ATTEMPTS=3)
    message_id = queue()
    smtp_server.stop()
    reports = []
    for _ in range(3):
        reports.append(outbox.deliver_due())
        clock.advance(timedelta(hours=6))

    assert reports == [
        outbox.DeliveryReport(retried=1),
        outbox.DeliveryReport(retried=1),
        outbox.DeliveryReport(failed=1),
    ]
    row = stored(message_id)
    assert row.attempts == 3
    assert row.failed_at == clock.now() - timedelta(hours=6)
    assert "Connection refused" in (row.last_error or "")
    [given_up] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert given_up.getMessage().startswith(
        f"mail {message_id} to *@exemple.fr given up after 3 attempts: cannot reach"
    )

    smtp_server.start()
    clock.advance(timedelta(days=1))
    assert outbox.deliver_due() == outbox.DeliveryReport()
    assert smtp_server.messages == []


class BrokenMailer:
    """A transport whose error is long and quotes the recipient."""

    def send(self, message: EmailMessage) -> None:
        raise MailerError(f"550 <{message['To']}> unknown " + "x" * 1000)


def test_last_error_is_cut_and_hides_the_address(app: Flask) -> None:
    message_id = queue()

    outbox.deliver_due(mailer=BrokenMailer())

    last_error = stored(message_id).last_error or ""
    assert len(last_error) == 500
    assert last_error.startswith("550 <*@exemple.fr> unknown xxx")


def test_unbuildable_message_is_given_up_at_once(
    mail_app: Flask, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    # Rows written before enqueue() checked headers, or by hand: one must not block the rest.
    broken = OutboxMessage(
        recipient=RECIPIENT,
        subject="Bonjour\nBcc: x@y.fr",
        body_text=TEXT,
        created_at=clock.now(),
        next_attempt_at=clock.now(),
        attempts=0,
    )
    db.session.add(broken)
    db.session.commit()
    queue()

    assert outbox.deliver_due() == outbox.DeliveryReport(sent=1, failed=1)

    row = stored(broken.id)
    assert row.failed_at == clock.now()
    assert (row.last_error or "").startswith("cannot build the message:")
    assert len(smtp_server.wait_for(1)) == 1


# --- the request only writes; the worker sends --------------------------------------------


def test_a_queued_message_waits_for_the_worker(mail_app: Flask, smtp_server: SmtpServer) -> None:
    message_id = queue()

    assert stored(message_id).sent_at is None and smtp_server.messages == []
    assert outbox.deliver_due() == outbox.DeliveryReport(sent=1)
    assert [str(message["To"]) for message in smtp_server.wait_for(1)] == [RECIPIENT]
    assert outbox.deliver_due() == outbox.DeliveryReport()


def test_a_round_leaves_failures_to_later_rounds(
    mail_app: Flask, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    message_id = queue()
    smtp_server.stop()

    assert outbox.deliver_due() == outbox.DeliveryReport(retried=1)

    row = stored(message_id)
    assert (row.attempts, row.next_attempt_at) == (1, clock.now() + timedelta(minutes=1))


class UnforeseenFailure:
    """A transport that fails in a way nobody planned for."""

    def send(self, message: EmailMessage) -> None:
        raise RuntimeError("unexpected")


def test_an_unforeseen_failure_is_retried_and_stops_no_other_message(
    app: Flask, caplog: pytest.LogCaptureFixture, clock: FrozenClock
) -> None:
    first, second = queue(), queue(recipient="autre@exemple.fr")

    assert outbox.deliver_due(mailer=UnforeseenFailure()) == outbox.DeliveryReport(retried=2)

    assert f"mail {first} not sent: unexpected failure of the transport" in caplog.messages
    for message_id in (first, second):
        row = stored(message_id)
        assert (row.attempts, row.last_error) == (1, "unexpected failure: RuntimeError")
        assert row.next_attempt_at == clock.now() + timedelta(minutes=1)


# --- concurrency -----------------------------------------------------------------------


def test_two_concurrent_senders_send_each_message_once(
    mail_app: Flask, smtp_server: SmtpServer
) -> None:
    ids = {queue(recipient=f"personne{number}@exemple.fr") for number in range(20)}
    start = threading.Barrier(2)
    reports: list[outbox.DeliveryReport] = []
    errors: list[BaseException] = []

    def sender() -> None:
        with mail_app.app_context():
            try:
                start.wait(timeout=5)
                reports.append(outbox.deliver_due())
            except BaseException as error:  # handed to the test thread below
                errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sum(report.sent for report in reports) == 20
    received = smtp_server.wait_for(20)
    assert len(received) == 20
    assert len({str(message["Message-ID"]) for message in received}) == 20
    db.session.expire_all()
    rows = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.id.in_(ids))).scalars()
    assert all(row.sent_at is not None and row.attempts == 0 for row in rows)


# --- files in development --------------------------------------------------------------


def test_without_smtp_url_mail_goes_to_readable_eml_files(app: Flask) -> None:
    queue()

    assert outbox.deliver_due() == outbox.DeliveryReport(sent=1)

    [path] = Path(app.config["MAIL_OUTBOX_DIR"]).iterdir()
    assert re.fullmatch(r"20260115T090000-[0-9a-f]{8}\.eml", path.name)
    raw = path.read_bytes()
    # 8bit UTF-8: a developer reads the link and the accents in the file as they are.
    assert b"https://ameli.example/activation/jeton-secret" in raw
    assert "Bonjour Élodie".encode() in raw
    message = BytesParser(policy=default).parsebytes(raw)
    assert message["Subject"] == SUBJECT
    assert message["To"] == RECIPIENT


def test_file_mailer_reports_an_unwritable_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("not a folder")
    message = EmailMessage()
    message["Date"] = "Thu, 15 Jan 2026 09:00:00 +0000"
    message.set_content("bonjour")

    with pytest.raises(MailerError, match=f"cannot write to {blocker}"):
        FileMailer(blocker).send(message)


# --- transports and settings -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", ("mail.example", 25, None, None, "plain")),
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, None, None, "plain")),
        (
            "smtp://ameli%40caisse:p%C3%A2ss%2Fw@mail.example:587?starttls=true",
            ("mail.example", 587, "ameli@caisse", "pâss/w", "starttls"),
        ),
        ("smtp://mail.example:587?starttls=false", ("mail.example", 587, None, None, "plain")),
        ("smtps://mail.example", ("mail.example", 465, None, None, "tls")),
        ("smtps://u:p@mail.example:2465", ("mail.example", 2465, "u", "p", "tls")),
    ],
)
def test_smtp_url_is_understood(url: str, expected: tuple[object, ...]) -> None:
    mailer = SmtpMailer(url)

    assert (mailer.host, mailer.port, mailer.username, mailer.password, mailer.security) == (
        expected
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mail.example:25", "must start with smtp:// or smtps://"),
        ("http://mail.example", "must start with smtp:// or smtps://"),
        ("smtp://:25", "has no host"),
        ("smtp://mail.example:port", "bad port"),
        ("smtp://mail.example?tls=1", "unknown option 'tls'"),
        ("smtp://mail.example?starttls=maybe", "starttls='maybe' is not true or false"),
        ("smtps://mail.example?starttls=true", "cannot also ask for STARTTLS"),
    ],
)
def test_bad_smtp_url_is_refused(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        SmtpMailer(url)


def test_smtp_mailer_never_shows_its_password() -> None:
    mailer = SmtpMailer("smtp://ameli:s3cret@mail.example:587?starttls=true")

    assert repr(mailer) == "<SmtpMailer starttls ameli@mail.example:587>"


def test_silent_smtp_server_times_out() -> None:
    with socket.socket() as silent:
        # Listening but never answering: the connection opens, the greeting never comes.
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        host, port = silent.getsockname()
        message = EmailMessage()
        message["To"] = RECIPIENT
        message["From"] = SENDER
        message.set_content("bonjour")

        with pytest.raises(MailerError, match="timed out"):
            SmtpMailer(f"smtp://{host}:{port}", timeout=0.2).send(message)


@pytest.mark.parametrize(
    ("config", "kind"),
    [
        ({"ENV": "production", "SMTP_URL": "smtps://mail.example"}, SmtpMailer),
        ({"ENV": "development", "SMTP_URL": None, "MAIL_OUTBOX_DIR": "/tmp/outbox"}, FileMailer),
    ],
)
def test_mailer_follows_the_settings(config: dict[str, Any], kind: type) -> None:
    assert isinstance(mailer_from_config(config), kind)


def test_production_refuses_to_send_mail_to_files() -> None:
    config = {"ENV": "production", "SMTP_URL": None, "MAIL_OUTBOX_DIR": "/tmp/outbox"}

    with pytest.raises(ConfigurationError, match="production needs AMELI_SMTP_URL"):
        mailer_from_config(config)


# --- ameli mail deliver ----------------------------------------------------------------


def test_cli_delivers_and_says_what_it_did(mail_app: Flask, smtp_server: SmtpServer) -> None:
    queue()
    queue(recipient="autre@exemple.fr")

    result = mail_app.test_cli_runner().invoke(args=["mail", "deliver"])

    assert result.exit_code == 0, result.output
    assert result.stdout == "2 sent, 0 to retry, 0 given up\n"
    assert len(smtp_server.wait_for(2)) == 2


def test_cli_reports_retries(mail_app: Flask, smtp_server: SmtpServer) -> None:
    queue()
    smtp_server.stop()

    result = mail_app.test_cli_runner().invoke(args=["mail", "deliver"])

    assert result.exit_code == 0, result.output
    assert result.stdout == "0 sent, 1 to retry, 0 given up\n"


def test_cli_refuses_a_bad_smtp_url(tmp_path: Path) -> None:
    environment = {"PATH": "/usr/bin:/bin", "AMELI_SMTP_URL": "smtp://mail.example?tls=1"}

    result = run_ameli("mail", "deliver", environment=environment, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: configuration refused: AMELI_SMTP_URL: unknown option 'tls'"
    )


def test_the_service_refuses_to_start_with_a_bad_smtp_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="AMELI_SMTP_URL: unknown option 'tls'"):
        create_app(
            {"ENV": "test", "SMTP_URL": "smtp://mail.example?tls=1"}, instance_path=str(tmp_path)
        )


def test_cli_loop_delivers_until_interrupted(mail_app: Flask, smtp_server: SmtpServer) -> None:
    queue()
    failures: list[BaseException] = []

    def interrupt_after_delivery() -> None:
        try:
            smtp_server.wait_for(1, timeout=10)
        except BaseException as error:  # handed to the test thread below
            failures.append(error)
        finally:
            # Always stop the loop, or the test would never end.
            os.kill(os.getpid(), signal.SIGINT)

    interrupter = threading.Thread(target=interrupt_after_delivery)
    interrupter.start()
    result = mail_app.test_cli_runner().invoke(
        args=["mail", "deliver", "--loop", "--interval", "0.1"]
    )
    interrupter.join()

    assert failures == []
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 sent, 0 to retry, 0 given up\n"
    assert result.stderr.endswith("stopped\n")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
