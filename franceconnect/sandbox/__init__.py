"""A local provider that behaves like FranceConnect v2, for development and demos (SPEC §5.4).

Same paths as FranceConnect under ``/api/v2``, ES256 ID tokens and JWT userinfo signed with
the service's own keys, ``end_session``, and a page to pick a test identity. It is served
only when ``SANDBOX_ENABLED`` (development and demo); production refuses that setting.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Serve the sandbox provider on ``app``; its token endpoint is called without CSRF token."""
    from franceconnect.sandbox import views

    app.register_blueprint(views.bp)
    views.init_app(app)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(views.token)
