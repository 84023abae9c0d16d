"""The application factory: the one place where the feature packages are put together."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

import accounts
import enrollment
import franceconnect
import idp
import keys
from config import demo
from config import errors
from config import health
from config import i18n
from config import limits
from config import pages
from config import security
from config import settings
from config.json import BoundedJSONProvider
from core import clock as clock_module
from core import redaction
from core import settings as core_settings
from core import throttle
from core.clock import Clock
from core.db import db

MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent.parent / "migrations")

migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()


def create_app(
    test_config: Mapping[str, Any] | None = None,
    *,
    clock: Clock | None = None,
    instance_path: str | None = None,
) -> Flask:
    """Build the service from its configuration layers.

    :raises settings.ConfigurationError: when the configuration is unusable, or unsafe in
        production.
    """
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.json = BoundedJSONProvider(app)
    settings.load(app, test_config)
    settings.check_production(app.config)
    proxies = core_settings.whole_number(app.config, "TRUSTED_PROXIES")
    if proxies:
        # Client address, scheme and host as the trusted proxies saw them; per-address
        # limits then count each person, not the proxy.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    redaction.install()
    settings.warn_production(app.config)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIRECTORY, render_as_batch=True)
    csrf.init_app(app)
    i18n.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    clock_module.init_app(app.extensions, clock)
    throttle.init_app(app)

    errors.init_app(app)
    security.init_app(app)
    limits.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    accounts.init_app(app)
    enrollment.init_app(app)
    keys.init_app(app)
    idp.init_app(app)
    for view in idp.CSRF_EXEMPT_VIEWS:
        csrf.exempt(view)
    app.cli.add_command(demo.demo_command)
    franceconnect.init_app(app)
    return app
