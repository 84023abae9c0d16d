"""OpenID Connect provider: partner sites and FranceConnect sign people in with ameli.

What other packages may use of the provider is listed in ``__all__``: the registration of
partner sites (``ameli demo``, the back-office).
"""

from __future__ import annotations

from flask import Flask

import accounts
from idp.clients import client_settings
from idp.clients import register_client
from idp.storage import delete_client
from idp.storage import find_client
from idp.storage import list_clients

__all__ = [
    "CSRF_EXEMPT_VIEWS",
    "client_settings",
    "delete_client",
    "find_client",
    "init_app",
    "list_clients",
    "register_client",
]

# Endpoints called by partner sites' servers or forms, not by our own pages: they carry
# no CSRF token. The authorization request is bound by its redirect_uri and state; the
# logout confirmation form checks its own token.
CSRF_EXEMPT_VIEWS = (
    "idp.views.authorize",
    "idp.views.token",
    "idp.views.userinfo",
    "idp.views.revocation",
    "idp.views.introspection",
    "idp.views.end_session",
)


def init_app(app: Flask) -> None:
    """Install the provider's settings, endpoints, pages and ``ameli clients`` commands.

    :raises core.errors.ConfigurationError: when a lifetime is unusable.
    """
    from idp import cli
    from idp import partners
    from idp import server
    from idp import settings
    from idp import signin
    from idp import views

    settings.init_app(app)
    server.init_app(app)
    app.register_blueprint(signin.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(partners.bp)
    accounts.add_page_section(app, partners.SECTION)
    app.cli.add_command(cli.clients_cli)
