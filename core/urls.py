"""Absolute URLs under the service's public address, with or without a request."""

from __future__ import annotations

from typing import Any

from flask import current_app


def public_url(endpoint: str, **values: Any) -> str:
    """Return the URL of ``endpoint`` under ``ISSUER``, the configured public base URL.

    Links in mails use it rather than the request's ``Host`` header, which a client chooses.
    """
    path = current_app.url_map.bind("public.invalid").build(endpoint, values)
    return str(current_app.config["ISSUER"]).rstrip("/") + path


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site (never an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    # Browsers drop tabs and line breaks from URLs, so "/\t/evil.example" means "//evil...".
    if any(ord(char) < 0x20 or char == "\x7f" for char in target):
        return None
    return target
