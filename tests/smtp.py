"""A real SMTP server (aiosmtpd) started in-process for the tests that send mail.

``smtp_server`` listens on 127.0.0.1 and keeps every message it accepts, parsed with
``email.policy.default``. ``stop()`` then ``start()`` takes it down and brings it back on the
same port; ``refuse("451 4.3.0 Try again later")`` keeps it up but answers every DATA with
that reply.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from aiosmtpd.smtp import Envelope
from aiosmtpd.smtp import Session

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Delivery:
    """What the client said outside the message: the envelope."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    mail_options: tuple[str, ...]


class SmtpServer:
    """An SMTP server on a free local port that records what it receives."""

    def __init__(self) -> None:
        self.host = HOST
        self.port = _free_port()
        self.messages: list[EmailMessage] = []
        self.deliveries: list[Delivery] = []
        self.reply: str | None = None
        self._received = threading.Condition()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        """Listen (again) on the same port."""
        assert self._controller is None, "the SMTP server is already running"
        # A stopped controller has closed its event loop: each start needs a new one.
        controller = Controller(
            self, hostname=self.host, port=self.port, server_hostname="smtp.test"
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop listening: clients now get "connection refused"."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, reply: str | None) -> None:
        """Answer every message with ``reply`` (e.g. ``"451 4.3.0 Try later"``), or accept again."""
        self.reply = reply

    def reset(self) -> None:
        """Forget the messages received so far and accept again."""
        with self._received:
            self.messages.clear()
            self.deliveries.clear()
        self.reply = None

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Return the messages once there are at least ``count`` of them.

        :raises AssertionError: fewer arrived within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._received:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} messages within {timeout} s, got {len(self.messages)}"
                    )
                self._received.wait(left)
            return list(self.messages)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Record the message (aiosmtpd's handler hook), or refuse it when told to."""
        if self.reply is not None:
            return self.reply
        assert envelope.original_content is not None
        # Back from the wire's CRLF to Python's newlines, so bodies compare to what was sent.
        raw = envelope.original_content.replace(b"\r\n", b"\n")
        message = BytesParser(policy=default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        delivery = Delivery(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            mail_options=tuple(envelope.mail_options),
        )
        with self._received:
            self.messages.append(message)
            self.deliveries.append(delivery)
            self._received.notify_all()
        return "250 2.0.0 Message accepted"


def _free_port() -> int:
    # aiosmtpd cannot listen on port 0: it connects to its own port to check it is up.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server, stopped after the test whatever state the test left it in."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
