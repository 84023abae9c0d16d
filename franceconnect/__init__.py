"""FranceConnect relying party, and a local sandbox provider for development."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the FranceConnect client's settings and pages, and the sandbox when enabled.

    :raises core.errors.ConfigurationError: when FranceConnect is half configured.
    """
    from franceconnect import client
    from franceconnect import settings
    from franceconnect import views

    settings.init_app(app)
    client.init_app_cache(app.extensions)
    app.register_blueprint(views.bp)
    app.add_template_global(settings.enabled, "franceconnect_enabled")
    if app.config.get("SANDBOX_ENABLED"):
        from franceconnect import sandbox

        sandbox.init_app(app)
