"""Settings of the mail: how it goes out (SMTP, or files in development), from whom, retries."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from flask import Flask

from accounts.mail.transports import Mailer
from accounts.mail.transports import mailer_from_config
from core import settings
from core.errors import ConfigurationError

DEFAULTS: dict[str, Any] = {
    "SMTP_URL": None,
    "MAIL_FROM": "ameli <ne-pas-repondre@ameli.example>",
    # Back-off 1 min, 5 min, 15 min, 1 h, 3 h, then 6 h: about two days of tries.
    "MAIL_MAX_ATTEMPTS": 10,
}
EXTENSION_KEY = "ameli.mail.settings"


@dataclass(frozen=True)
class MailSettings:
    """How the service's mails go out, checked and typed."""

    mailer: Mailer
    sender: str
    max_attempts: int
    # True when mails are only written to files (no SMTP server): pages may say where.
    to_files: bool
    outbox_dir: str


def load(config: Mapping[str, Any]) -> MailSettings:
    """Read and check the mail settings.

    :raises ConfigurationError: the SMTP URL is unusable, production has none, or the
        sender holds no address.
    """
    sender = str(config["MAIL_FROM"])
    if "@" not in parseaddr(sender)[1]:
        raise ConfigurationError(f"AMELI_MAIL_FROM={sender!r} holds no email address")
    return MailSettings(
        mailer=mailer_from_config(config),
        sender=sender,
        max_attempts=settings.whole_number(config, "MAIL_MAX_ATTEMPTS", minimum=1),
        to_files=not config.get("SMTP_URL"),
        outbox_dir=str(config["MAIL_OUTBOX_DIR"]),
    )


def init_app(app: Flask) -> None:
    """Default, check and attach the mail settings; files go to ``instance/outbox`` by default.

    :raises ConfigurationError: with a one-line reason.
    """
    app.config.setdefault("MAIL_OUTBOX_DIR", os.path.join(app.instance_path, "outbox"))
    settings.install(app, EXTENSION_KEY, load, DEFAULTS)


def get_settings() -> MailSettings:
    """Return the running application's mail settings."""
    found: MailSettings = settings.installed(EXTENSION_KEY)
    return found
