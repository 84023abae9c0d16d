"""The JWKS endpoint: the public keys partners verify tokens with."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import request

from keys.settings import get_settings
from keys.signing import jwks

bp = Blueprint("keys", __name__, url_prefix="/.well-known")


@bp.get("/jwks.json")
def jwks_document() -> Response:
    """Serve the JWK Set, cacheable, with an ETag so that unchanged sets cost a 304."""
    body = json.dumps(jwks(), sort_keys=True, separators=(",", ":"))
    response = current_app.response_class(body, mimetype="application/json")
    response.cache_control.public = True
    response.cache_control.max_age = get_settings().jwks_max_age
    # Public keys only: any origin may read them (browser-based relying parties).
    response.access_control_allow_origin = "*"
    response.set_etag(hashlib.sha256(body.encode("utf-8")).hexdigest())
    response.make_conditional(request)
    return response
