"""The headers every answer carries to keep pages from being framed, sniffed or leaked.

- ``Content-Security-Policy``: scripts, styles, fonts and images come from this service
  only, and no inline script ever runs; no page may be framed (``frame-ancestors 'none'``,
  and ``X-Frame-Options: DENY`` for older browsers), so the sign-in page and the consent
  button cannot be overlaid by another site.
- ``Referrer-Policy: no-referrer``: an activation link or an authorization request never
  travels in a ``Referer`` to another site.
- ``X-Content-Type-Options: nosniff``.
- ``Strict-Transport-Security`` (one year) when the service is served over https.
"""

from __future__ import annotations

from flask import Flask
from flask import current_app
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    """Add the security headers to every response of ``app``."""

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if str(current_app.config["ISSUER"]).startswith("https://"):
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
