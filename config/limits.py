"""How much a request may send: every body and every address is bounded.

A form of this service is a few short fields, a JSON body a few hundred bytes: anything far
larger is refused before it is read (413), and so is an address whose query is longer than
any real one (414), so that no parameter, however long, reaches a check or comes back in a
redirect.
"""

from __future__ import annotations

from flask import Flask
from flask import abort
from flask import request

# Far above any real form or query of the service, far below what could tire it.
MAX_CONTENT_LENGTH = 64 * 1024
MAX_FORM_MEMORY_SIZE = 16 * 1024
MAX_FORM_PARTS = 50
MAX_QUERY_STRING = 8 * 1024


def init_app(app: Flask) -> None:
    """Bound the bodies and the addresses of every request to ``app``."""
    # Flask's own defaults are unbounded or far larger: ours apply unless set lower.
    for name, bound in (
        ("MAX_CONTENT_LENGTH", MAX_CONTENT_LENGTH),
        ("MAX_FORM_MEMORY_SIZE", MAX_FORM_MEMORY_SIZE),
        ("MAX_FORM_PARTS", MAX_FORM_PARTS),
    ):
        configured = app.config.get(name)
        app.config[name] = min(configured, bound) if configured else bound

    @app.before_request
    def bounded_address() -> None:
        if len(request.query_string) > MAX_QUERY_STRING:
            abort(414)
