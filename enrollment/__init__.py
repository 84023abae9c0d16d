"""Enrollment: both sign-up paths, the shared code personnel and contact steps, activation,
and the beneficiary registry."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import gettext

from core.errors import ConfigurationError
from core.throttle import PARIS


def french_datetime(moment: datetime) -> str:
    """Format ``moment`` in French time: ``18/12/2026 à 14:35`` (``at`` in English)."""
    local = moment.astimezone(PARIS)
    return gettext(
        "%(date)s à %(time)s", date=local.strftime("%d/%m/%Y"), time=local.strftime("%H:%M")
    )


def init_app(app: Flask) -> None:
    """Install enrollment's settings, registry, pages and commands on ``app``."""
    from enrollment import api
    from enrollment import cli
    from enrollment import live_checks
    from enrollment import mail_cli
    from enrollment import password
    from enrollment import registry
    from enrollment import views

    app.config.setdefault("ENROLLMENT_FAILURES_PER_NIR", "5/hour")
    app.config.setdefault("ENROLLMENT_FAILURES_PER_IP", "20/hour")
    app.config.setdefault("ENROLLMENT_RESENDS_PER_ACCOUNT", "5/hour")
    app.config.setdefault("ENROLLMENT_PASSWORD_CHECKS", "120/minute")
    app.config.setdefault("ENROLLMENT_FIELD_CHECKS", "240/minute")
    app.config.setdefault("ENROLLMENT_WIZARD_MAX_AGE", 30 * 60)
    app.config.setdefault("MAIL_MAX_ATTEMPTS", 10)
    if app.config["ENV"] == "production" and not app.config.get("SMTP_URL"):
        raise ConfigurationError("production needs AMELI_SMTP_URL: activation mails must be sent")
    registry.init_app(app)
    password.init_app(app)
    app.add_template_filter(french_datetime)
    app.register_blueprint(views.bp)
    app.register_blueprint(live_checks.bp)
    api.init_app(app)
    app.cli.add_command(cli.registry_cli)
    app.cli.add_command(mail_cli.mail_cli)
    app.cli.add_command(cli.accounts_cli)
