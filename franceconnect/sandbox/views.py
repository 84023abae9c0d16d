"""The sandbox provider's endpoints: discovery, authorize, token, userinfo, JWKS, end_session.

Codes (30 s) and access tokens (60 s) are signed, expiring tokens; a code's single use is
remembered in process memory, which is enough for a development server.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections import OrderedDict
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask_babel import gettext as _
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer
from werkzeug.wrappers import Response as WerkzeugResponse

import keys
from core import clock
from franceconnect.sandbox.identities import BY_LOGIN
from franceconnect.sandbox.identities import IDENTITIES
from franceconnect.sandbox.identities import PASSWORD
from franceconnect.sandbox.identities import SandboxIdentity
from franceconnect.settings import SANDBOX_PATH
from franceconnect.settings import FranceConnectSettings
from franceconnect.settings import get_settings

log = logging.getLogger(__name__)
bp = Blueprint(
    "franceconnect_sandbox", __name__, url_prefix=SANDBOX_PATH, template_folder="templates"
)
CODE_SALT = "ameli.franceconnect.sandbox.code"
ACCESS_TOKEN_SALT = "ameli.franceconnect.sandbox.access_token"
CODE_MAX_AGE = 30
ACCESS_TOKEN_MAX_AGE = 60
ID_TOKEN_LIFETIME = 60
HINT_LEEWAY = timedelta(days=1)
AUTHORIZATION = "franceconnect.sandbox.authorization"
_USED_CODES = "franceconnect.sandbox.used_codes"
_USED_CODES_KEPT = 10_000


class _UsedCodes:
    """Codes already exchanged, the latest ones only (a code is worthless after 30 s)."""

    def __init__(self) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def spend(self, code_id: str) -> bool:
        """Mark ``code_id`` used; return False when it was used before."""
        with self._lock:
            if code_id in self._seen:
                return False
            self._seen[code_id] = None
            while len(self._seen) > _USED_CODES_KEPT:
                self._seen.popitem(last=False)
            return True


def init_app(app: Flask) -> None:
    """Give ``app`` its memory of used codes."""
    app.extensions[_USED_CODES] = _UsedCodes()


def _issuer() -> str:
    return str(current_app.config["ISSUER"]).rstrip("/") + SANDBOX_PATH


def _client() -> FranceConnectSettings:
    """Return the one client the sandbox knows: this service's FranceConnect settings."""
    settings = get_settings()
    assert settings is not None  # the sandbox is served only when SANDBOX_ENABLED
    return settings


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def subject(identity: SandboxIdentity, client_id: str) -> str:
    """Return the identity's ``sub`` for ``client_id``: 64 hex + ``v1``, stable, opaque."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    message = f"franceconnect-sandbox-sub|{client_id}|{identity.login}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest() + "v1"


def _problem(status: int, title: str, explanation: str) -> tuple[str, int]:
    return render_template(
        "errors/error.html", status=status, title=title, explanation=explanation
    ), status


def _oauth_error(error: str, description: str, status: int = 400) -> tuple[Response, int]:
    log.info("sandbox FranceConnect refused a request: %s (%s)", error, description)
    response = jsonify(error=error, error_description=description)
    response.headers["Cache-Control"] = "no-store"
    return response, status


@bp.get("/.well-known/openid-configuration")
def discovery() -> Response:
    """Describe the sandbox as FranceConnect v2 describes itself."""
    issuer = _issuer()
    return jsonify(
        issuer=issuer,
        authorization_endpoint=issuer + "/authorize",
        token_endpoint=issuer + "/token",
        userinfo_endpoint=issuer + "/userinfo",
        jwks_uri=issuer + "/jwks",
        end_session_endpoint=issuer + "/session/end",
        response_types_supported=["code"],
        grant_types_supported=["authorization_code"],
        subject_types_supported=["public"],
        scopes_supported=_client().scope.split(),
        acr_values_supported=["eidas1"],
        id_token_signing_alg_values_supported=["ES256"],
        userinfo_signing_alg_values_supported=["ES256"],
        token_endpoint_auth_methods_supported=["client_secret_post"],
        claims_supported=[
            "sub",
            "given_name",
            "family_name",
            "birthdate",
            "gender",
            "birthplace",
            "birthcountry",
            "email",
            "preferred_username",
        ],
    )


@bp.get("/jwks")
def jwks() -> Response:
    """Publish the service's verification keys."""
    return jsonify(keys.jwks())


@bp.get("/authorize")
def authorize() -> str | tuple[str, int]:
    """Check the authorization request, then offer the test identities."""
    client = _client()
    args = request.args
    if args.get("client_id") != client.client_id:
        return _problem(
            400, _("Client inconnu"), _("Ce fournisseur de service n'est pas enregistré.")
        )
    if args.get("redirect_uri") != client.redirect_uri:
        # Never redirect to an address that is not registered.
        return _problem(400, _("Adresse de retour inconnue"), _("L'adresse de retour est refusée."))
    missing = [
        name
        for name in ("response_type", "scope", "state", "nonce", "acr_values")
        if not args.get(name)
    ]
    if missing or args["response_type"] != "code" or "openid" not in args["scope"].split():
        return _problem(
            400,
            _("Requête incorrecte"),
            _("Paramètres manquants ou invalides : %(names)s", names=", ".join(missing)),
        )
    session[AUTHORIZATION] = {
        "state": args["state"],
        "nonce": args["nonce"],
        "scope": args["scope"],
        "acr": args["acr_values"].split()[0],
    }
    return render_template("franceconnect_sandbox/authorize.html", identities=IDENTITIES)


@bp.post("/authorize")
def authorize_submit() -> WerkzeugResponse | tuple[str, int]:
    """Sign the chosen test identity in, or report that the person cancelled."""
    pending = session.get(AUTHORIZATION)
    if not isinstance(pending, dict):
        return _problem(400, _("Session expirée"), _("Recommencez depuis le site du service."))
    client = _client()
    if request.form.get("action") == "cancel":
        session.pop(AUTHORIZATION, None)
        return _back(
            client,
            error="access_denied",
            error_description="User auth aborted",
            state=pending["state"],
        )
    identity = BY_LOGIN.get(request.form.get("login", ""))
    if identity is None or not hmac.compare_digest(
        request.form.get("password", "").encode(), PASSWORD.encode()
    ):
        return render_template(
            "franceconnect_sandbox/authorize.html",
            identities=IDENTITIES,
            refused=True,
            login=request.form.get("login", ""),
        ), 401
    session.pop(AUTHORIZATION, None)
    code = _serializer(CODE_SALT).dumps(
        {
            "jti": secrets.token_hex(16),
            "login": identity.login,
            "client_id": client.client_id,
            "redirect_uri": client.redirect_uri,
            "nonce": pending["nonce"],
            "scope": pending["scope"],
            "acr": pending["acr"],
        }
    )
    return _back(client, code=code, state=pending["state"])


def _back(client: FranceConnectSettings, **params: str) -> WerkzeugResponse:
    return redirect(client.redirect_uri + "?" + urlencode(params))


@bp.post("/token")
def token() -> tuple[Response, int] | Response:
    """Exchange a code for an ID token and an access token (``client_secret_post``)."""
    client = _client()
    form = request.form
    if not (
        form.get("client_id") == client.client_id
        and hmac.compare_digest(
            form.get("client_secret", "").encode(), client.client_secret.encode()
        )
    ):
        return _oauth_error("invalid_client", "client authentication failed", 401)
    if form.get("grant_type") != "authorization_code":
        return _oauth_error("unsupported_grant_type", "only authorization_code")
    try:
        code: dict[str, Any] = _serializer(CODE_SALT).loads(
            form.get("code", ""), max_age=CODE_MAX_AGE
        )
    except BadSignature:
        return _oauth_error("invalid_grant", "code unknown or expired")
    if code["client_id"] != client.client_id or form.get("redirect_uri") != code["redirect_uri"]:
        return _oauth_error("invalid_grant", "code issued to another client or redirect_uri")
    used: _UsedCodes = current_app.extensions[_USED_CODES]
    if not used.spend(code["jti"]):
        return _oauth_error("invalid_grant", "code already used")
    identity = BY_LOGIN[code["login"]]
    now = int(clock.now().timestamp())
    id_token = keys.sign(
        {
            "iss": _issuer(),
            "sub": subject(identity, client.client_id),
            "aud": client.client_id,
            "exp": now + ID_TOKEN_LIFETIME,
            "iat": now,
            "nonce": code["nonce"],
            "acr": identity.acr,
            "amr": ["pwd"],
        },
        "ES256",
    )
    access_token = _serializer(ACCESS_TOKEN_SALT).dumps(
        {"login": identity.login, "client_id": client.client_id, "scope": code["scope"]}
    )
    response = jsonify(
        access_token=access_token,
        token_type="Bearer",
        expires_in=ACCESS_TOKEN_MAX_AGE,
        id_token=id_token,
        scope=code["scope"],
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/userinfo")
def userinfo() -> Response | tuple[Response, int]:
    """Return the identity's claims as a JWT signed ES256 (``application/jwt``)."""
    authorization = request.headers.get("Authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    try:
        grant: dict[str, Any] = _serializer(ACCESS_TOKEN_SALT).loads(
            credentials, max_age=ACCESS_TOKEN_MAX_AGE
        )
    except BadSignature:
        grant = {}
    if scheme.lower() != "bearer" or not grant:
        response, status = _oauth_error("invalid_token", "access token unknown or expired", 401)
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response, status
    identity = BY_LOGIN[grant["login"]]
    scope = set(str(grant["scope"]).split())
    now = int(clock.now().timestamp())
    claims: dict[str, Any] = {
        name: value for name, value in identity.claims().items() if name in scope
    }
    claims.update(
        iss=_issuer(),
        aud=grant["client_id"],
        sub=subject(identity, grant["client_id"]),
        iat=now,
        exp=now + ID_TOKEN_LIFETIME,
    )
    return Response(keys.sign(claims, "ES256"), mimetype="application/jwt")


@bp.get("/session/end")
def end_session() -> WerkzeugResponse | tuple[str, int]:
    """Sign the person out and return to the registered ``post_logout_redirect_uri``."""
    client = _client()
    try:
        # An expired ID token still names who leaves (OpenID RP-Initiated Logout §2).
        hint = keys.verify(
            request.args.get("id_token_hint", ""), algorithms=["ES256"], leeway=HINT_LEEWAY
        )
    except keys.TokenVerificationError:
        return _problem(400, _("Requête incorrecte"), _("Le jeton d'identité est invalide."))
    if hint.get("aud") != client.client_id:
        return _problem(400, _("Requête incorrecte"), _("Le jeton d'identité est invalide."))
    if request.args.get("post_logout_redirect_uri") != client.post_logout_redirect_uri:
        return _problem(400, _("Adresse de retour inconnue"), _("L'adresse de retour est refusée."))
    state = request.args.get("state", "")
    if not state:
        return _problem(400, _("Requête incorrecte"), _("Le paramètre state est manquant."))
    return redirect(client.post_logout_redirect_uri + "?" + urlencode({"state": state}))
