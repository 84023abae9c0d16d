"""OpenID Connect provider: partner sites and FranceConnect sign people in with ameli."""

from __future__ import annotations

from flask import Flask

from core.errors import ConfigurationError

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

    :raises ConfigurationError: when a lifetime is unusable.
    """
    from idp import cli
    from idp import server
    from idp import signin
    from idp import views

    app.config.setdefault("SIGN_IN_FAILURES_PER_IP", "50/hour")
    app.config.setdefault("IDP_ACCESS_TOKEN_LIFETIME", 600)
    app.config.setdefault("IDP_ID_TOKEN_LIFETIME", 300)
    app.config.setdefault("IDP_REFRESH_TOKEN_LIFETIME", 30 * 24 * 3600)
    app.config.setdefault("IDP_PAIRWISE_SECRET", None)
    _check_lifetimes(app)
    server.init_app(app)
    app.register_blueprint(signin.bp)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.clients_cli)


def _check_lifetimes(app: Flask) -> None:
    lifetimes = ("IDP_ACCESS_TOKEN_LIFETIME", "IDP_ID_TOKEN_LIFETIME", "IDP_REFRESH_TOKEN_LIFETIME")
    for name in lifetimes:
        value = app.config[name]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigurationError(f"AMELI_{name} must be a positive number of seconds")
    # A signed token must not outlive the publication of its key after retirement.
    longest = app.config.get("KEYS_MAX_TOKEN_LIFETIME", 3600)
    if app.config["IDP_ID_TOKEN_LIFETIME"] > longest:
        raise ConfigurationError(
            "AMELI_IDP_ID_TOKEN_LIFETIME must not exceed AMELI_KEYS_MAX_TOKEN_LIFETIME"
        )
