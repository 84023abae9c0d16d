"""FranceConnect relying party, and a local sandbox provider for development.

Enrollment reads only what this face offers: the verified :class:`PivotIdentity` of the
browser's session, and the way out through FranceConnect's logout. It never sees a token.
"""

from __future__ import annotations

from flask import Flask

from franceconnect.identity import PivotIdentity
from franceconnect.session import current_identity
from franceconnect.session import kept_for_logout
from franceconnect.session import sign_out_url

__all__ = ["PivotIdentity", "current_identity", "init_app", "kept_for_logout", "sign_out_url"]


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
