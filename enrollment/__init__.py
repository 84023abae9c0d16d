"""Enrollment: both sign-up paths (Carte Vitale + IBAN, FranceConnect), the wizard that
carries them to the code personnel and contact steps, and the beneficiary registry.

Accounts are opened through ``accounts``' public functions; what other packages may use of
enrollment is listed in ``__all__``: the registry, which answers "who is this NIR".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

import accounts
from enrollment.registry import BeneficiaryRecord
from enrollment.registry import Registry
from enrollment.registry import get_registry

__all__ = ["BeneficiaryRecord", "Registry", "get_registry", "init_app"]


def _identity_on_account_page(account: accounts.Account) -> Mapping[str, Any]:
    record = get_registry().find(account.nir)
    return {"display_name": record.display_name if record else None}


def init_app(app: Flask, registry: Registry | None = None) -> None:
    """Install enrollment's settings, registry, pages, API and commands on ``app``.

    :raises core.errors.ConfigurationError: when a setting is unusable.
    """
    from enrollment import api
    from enrollment import settings
    from enrollment.registry import cli
    from enrollment.registry import init_app as install_registry
    from enrollment.web import live_checks
    from enrollment.web import views

    settings.init_app(app)
    install_registry(app, registry)
    app.register_blueprint(views.bp)
    app.register_blueprint(live_checks.bp)
    api.init_app(app)
    app.cli.add_command(cli.registry_cli)
    # "Mon compte" greets the person by the name their caisse knows.
    accounts.add_page_section(app, accounts.PageSection(context=_identity_on_account_page))
