"""The service's mail: an outbox written in the caller's transaction, sent by a worker.

The public face of the mail: :func:`enqueue` a message with what it announces, in the same
transaction; ``ameli mail deliver --loop`` (:func:`deliver_due`) sends what is due and
retries what could not go out.
"""

from __future__ import annotations

from flask import Flask

from accounts.mail.models import OutboxMessage
from accounts.mail.outbox import DeliveryReport
from accounts.mail.outbox import deliver_due
from accounts.mail.outbox import enqueue
from accounts.mail.settings import get_settings

__all__ = [
    "DeliveryReport",
    "OutboxMessage",
    "deliver_due",
    "enqueue",
    "get_settings",
    "init_app",
]


def init_app(app: Flask) -> None:
    """Install the mail settings and the ``ameli mail`` commands.

    :raises core.errors.ConfigurationError: the SMTP URL or the sender is unusable, or
        production has no SMTP server.
    """
    from accounts.mail import cli
    from accounts.mail import settings

    settings.init_app(app)
    app.cli.add_command(cli.mail_cli)
