"""Mail transports: real SMTP in service, ``.eml`` files in development."""

from __future__ import annotations

import secrets
import smtplib
import ssl
from collections.abc import Mapping
from datetime import UTC
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from typing import Literal
from typing import Protocol
from urllib.parse import parse_qsl
from urllib.parse import unquote
from urllib.parse import urlsplit

from core.errors import ConfigurationError

DEFAULT_TIMEOUT = 10.0
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")

Security = Literal["plain", "starttls", "tls"]


class MailerError(Exception):
    """A message could not be handed over; the text names the cause, never the body."""


class Mailer(Protocol):
    """Hand one message over for delivery."""

    def send(self, message: EmailMessage) -> None:
        """Send ``message`` to its ``To`` recipients.

        :raises MailerError: refused, unreachable, timed out or not authenticated.
        """


class SmtpMailer:
    """Send through an SMTP server named by a URL.

    ``smtp://host:port``, ``smtp://user:password@host:587?starttls=true`` or
    ``smtps://host:465``; user and password are percent-decoded.
    """

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise ConfigurationError(
                f"AMELI_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme!r}"
            )
        if not parts.hostname:
            raise ConfigurationError("AMELI_SMTP_URL has no host")
        try:
            port = parts.port
        except ValueError as error:
            raise ConfigurationError(f"AMELI_SMTP_URL has a bad port: {error}") from error
        self.host: str = parts.hostname
        self.port: int = port or DEFAULT_PORTS[parts.scheme]
        self.username: str | None = unquote(parts.username) if parts.username else None
        self.password: str | None = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        self.security: Security = "tls" if parts.scheme == "smtps" else "plain"
        if _starttls_asked(parts.query):
            if self.security == "tls":
                raise ConfigurationError("AMELI_SMTP_URL: smtps:// cannot also ask for STARTTLS")
            self.security = "starttls"

    def __repr__(self) -> str:
        # Never the password: this may end up in a log line or a traceback.
        user = f"{self.username}@" if self.username else ""
        return f"<SmtpMailer {self.security} {user}{self.host}:{self.port}>"

    def send(self, message: EmailMessage) -> None:
        """Send ``message`` in one SMTP session.

        :raises MailerError:
        """
        try:
            client = self._connect()
        except (OSError, smtplib.SMTPException) as error:
            raise MailerError(
                f"cannot reach {self.host}:{self.port}: {_describe(error)}"
            ) from error
        try:
            if self.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if self.username is not None:
                client.login(self.username, self.password or "")
            client.ehlo_or_helo_if_needed()
            # Bodies are UTF-8 "8bit" so that .eml files stay readable; say so when we may.
            options = ["BODY=8BITMIME"] if client.has_extn("8bitmime") else []
            refused = client.send_message(message, mail_options=options)
        except (OSError, smtplib.SMTPException) as error:
            raise MailerError(f"{self.host}:{self.port}: {_describe(error)}") from error
        finally:
            _close(client)
        if refused:
            codes = ", ".join(str(code) for code, _ in refused.values())
            raise MailerError(f"{self.host}:{self.port}: recipient refused ({codes})")

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


def _starttls_asked(query: str) -> bool:
    asked = False
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name != "starttls":
            raise ConfigurationError(f"AMELI_SMTP_URL: unknown option {name!r}")
        if value.lower() in TRUE_WORDS:
            asked = True
        elif value.lower() not in FALSE_WORDS:
            raise ConfigurationError(f"AMELI_SMTP_URL: starttls={value!r} is not true or false")
    return asked


def _describe(error: BaseException) -> str:
    """Return the cause of a failed SMTP exchange in one line."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # The server's reply may quote the address: keep only the codes.
        codes = ", ".join(str(code) for code, _ in error.recipients.values())
        return f"recipient refused ({codes})"
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return f"{error.smtp_code} {' '.join(text.split())}"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _close(client: smtplib.SMTP) -> None:
    # The message is already accepted: a failed QUIT must not make us send it again.
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


class FileMailer:
    """Write each message as an ``.eml`` file in ``folder``, named so that they sort by date."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"<FileMailer {self.folder}>"

    def send(self, message: EmailMessage) -> None:
        """Write ``message`` to a new file.

        :raises MailerError: the folder cannot be written.
        """
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self._new_path(message).open("xb") as stream:
                stream.write(message.as_bytes())
        except OSError as error:
            raise MailerError(f"cannot write to {self.folder}: {_describe(error)}") from error

    def _new_path(self, message: EmailMessage) -> Path:
        try:
            stamp = parsedate_to_datetime(str(message["Date"])).astimezone(UTC)
        except (TypeError, ValueError):
            # Still a unique name; the time lives in the Date header, which this one lacks.
            return self.folder / f"undated-{secrets.token_hex(4)}.eml"
        return self.folder / f"{stamp:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"


def mailer_from_config(config: Mapping[str, Any]) -> Mailer:
    """Return the SMTP mailer of ``SMTP_URL``, or a file mailer into ``MAIL_OUTBOX_DIR``.

    :raises ConfigurationError: the URL is unusable, or production has no SMTP server.
    """
    url = config.get("SMTP_URL")
    if url:
        return SmtpMailer(str(url))
    if config.get("ENV") == "production":
        raise ConfigurationError("production needs AMELI_SMTP_URL: mail would only go to files")
    return FileMailer(config["MAIL_OUTBOX_DIR"])
