"""The provider's HTTP endpoints: discovery, authorization and consent, token, userinfo,
revocation, introspection and end of session."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer
from werkzeug.wrappers import Response as WerkzeugResponse

import accounts
import keys
from core import clock
from idp import authorization
from idp import claims as claims_module
from idp.authorization import AuthorizationRequest
from idp.authorization import Prompt
from idp.errors import AccessDeniedError
from idp.errors import OAuth2Error
from idp.errors import page_message
from idp.server import CLIENT_AUTH_METHODS
from idp.server import CONFIDENTIAL_AUTH_METHODS
from idp.server import get_resource_protector
from idp.server import get_server
from idp.tokens import issuer
from idp.tokens import sign_userinfo
from idp.tokens import userinfo_claims

bp = Blueprint("oidc", __name__, template_folder="templates")
# Public and cacheable; every other answer of the provider is personal or single-use.
CACHEABLE = frozenset({"oidc.discovery"})


@bp.after_request
def never_stored(response: Response) -> Response:
    if request.endpoint not in CACHEABLE:
        response.headers["Cache-Control"] = "no-store"
    return response


Page = str | Response | WerkzeugResponse | tuple[str, int]

_CONSENT_SALT = "ameli.idp.consent"
_CONSENT_MAX_AGE = 10 * 60
# Parameters of a request that are ours, not the client's.
_OWN_PARAMETERS = frozenset({"csrf_token", authorization.LOGIN_MARKER})


class DecisionForm(FlaskForm):
    """The consent form: only its CSRF token is a field; the request travels signed."""


def _consent_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_CONSENT_SALT)


def _request_params() -> dict[str, str]:
    """Return the authorization request's parameters, from the query or the form body."""
    return {k: v for k, v in request.values.items() if k not in _OWN_PARAMETERS}


def _repeated_params() -> frozenset[str]:
    """Return the names of the parameters given more than once (query and body together)."""
    return frozenset(name for name, values in request.values.lists() if len(values) > 1)


def _browser_session() -> authorization.BrowserSession:
    return authorization.BrowserSession(
        account=accounts.current_account(),
        auth_time=accounts.auth_time(),
        login_demanded_at=authorization.login_demanded_at(
            request.values.get(authorization.LOGIN_MARKER)
        ),
    )


def _error_response(error: OAuth2Error) -> Page:
    """Send an error back to a validated redirect URI, or show it on a page.

    RFC 6749 §4.1.2.1: without a validated ``redirect_uri``, never redirect.
    """
    if error.redirect_uri:
        status, body, headers = error()
        return Response(body, status=status, headers=headers)
    return render_template("idp/error.html", message=page_message(error)), 400


def _issue(auth_request: AuthorizationRequest, account: accounts.Account) -> WerkzeugResponse:
    auth_time = accounts.auth_time() or clock.now()
    return redirect(authorization.issue_code(auth_request, account, auth_time))


@bp.get("/.well-known/openid-configuration")
def discovery() -> Response:
    """Serve the provider metadata (OpenID Connect Discovery 1.0 §3)."""
    base = issuer()
    endpoint_auth = {
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": list(keys.ALGORITHMS),
    }
    document: dict[str, Any] = {
        "issuer": base,
        "authorization_endpoint": base + url_for(".authorize"),
        "token_endpoint": base + url_for(".token"),
        "userinfo_endpoint": base + url_for(".userinfo"),
        "jwks_uri": base + url_for("keys.jwks_document"),
        "end_session_endpoint": base + url_for(".end_session"),
        "revocation_endpoint": base + url_for(".revocation"),
        "introspection_endpoint": base + url_for(".introspection"),
        "scopes_supported": list(claims_module.SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["pairwise", "public"],
        "id_token_signing_alg_values_supported": list(keys.ALGORITHMS),
        "userinfo_signing_alg_values_supported": list(keys.ALGORITHMS),
        **endpoint_auth,
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": CONFIDENTIAL_AUTH_METHODS,
        "code_challenge_methods_supported": list(authorization.CODE_CHALLENGE_METHODS),
        "acr_values_supported": ["eidas1"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "acr",
            "amr",
            "at_hash",
            *claims_module.CLAIMS,
        ],
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "require_request_uri_registration": False,
        "prompt_values_supported": sorted(authorization.PROMPTS),
        "display_values_supported": ["page", "popup"],
        "ui_locales_supported": ["fr-FR"],
        "claims_locales_supported": ["fr-FR"],
    }
    response = jsonify(document)
    response.access_control_allow_origin = "*"
    return response


@bp.route("/autorisation", methods=["GET", "POST"])
def authorize() -> Page:
    """The authorization endpoint (OIDC Core §3.1.2), by GET or POST."""
    params = _request_params()
    session = _browser_session()
    try:
        auth_request = authorization.check_request(params, _repeated_params())
        needed = authorization.decide(auth_request, session)
    except OAuth2Error as error:
        return _error_response(error)
    if needed is None:
        assert session.account is not None  # the policy asks a sign-in otherwise
        return _issue(auth_request, session.account)
    if needed.prompt is Prompt.LOGIN:
        return _redirect_to_sign_in(params)
    return _consent_page(auth_request)


def _redirect_to_sign_in(params: dict[str, str]) -> WerkzeugResponse:
    # The hint (a NIR) fills the sign-in form once; the request coming back needs it no more.
    returning = {name: value for name, value in params.items() if name != "login_hint"}
    returning[authorization.LOGIN_MARKER] = authorization.login_demand()
    target = url_for(".authorize") + "?" + urlencode(returning)
    hint = params.get("login_hint")
    return redirect(url_for("signin.sign_in", next=target, login_hint=hint or None))


def _consent_page(auth_request: AuthorizationRequest) -> Page:
    return render_template(
        "idp/consent.html",
        client=auth_request.client,
        claims=[claims_module.CLAIM_LABELS[name] for name in auth_request.released_claims],
        offline="offline_access" in auth_request.scopes,
        signed_request=_consent_serializer().dumps(dict(auth_request.params)),
        form=DecisionForm(),
    )


@bp.post("/autorisation/consentement")
def consent() -> Page:
    """Record the person's decision, then answer the client (OIDC Core §3.1.2.4)."""
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        params = _consent_serializer().loads(
            request.form.get("request", ""), max_age=_CONSENT_MAX_AGE
        )
    except BadSignature:
        return render_template("idp/error.html", message=page_message_expired()), 400
    if not isinstance(params, dict):
        abort(400)
    account = accounts.current_account()
    if account is None:
        return _redirect_to_sign_in(params)
    try:
        auth_request = authorization.check_request(params)
        if request.form.get("decision") != "accept":
            raise AccessDeniedError(
                redirect_uri=auth_request.redirect_uri, state=auth_request.state
            )
    except OAuth2Error as error:
        return _error_response(error)
    authorization.record_consent(auth_request, account)
    return _issue(auth_request, account)


def page_message_expired() -> str:
    return _(
        "La page d'autorisation a expiré. Retournez sur le site partenaire et reconnectez-vous."
    )


@bp.post("/token")
def token() -> Response:
    """The token endpoint (OIDC Core §3.1.3, RFC 6749 §4.1.3 and §6)."""
    response: Response = get_server().create_token_response()
    return response


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo() -> Response:
    """The userinfo endpoint (OIDC Core §5.3): JSON, or a signed JWT if registered so."""
    try:
        token = get_resource_protector().acquire_token(["openid"])
    except OAuth2Error as error:
        status, body, headers = error()
        return Response(
            json.dumps(body), status=status, headers=headers, mimetype="application/json"
        )
    claims = userinfo_claims(token)
    if token.row.client.userinfo_alg:
        return Response(sign_userinfo(token, claims), mimetype="application/jwt")
    response = jsonify(claims)
    response.cache_control.no_store = True
    return response


@bp.post("/revocation")
def revocation() -> Response:
    """The revocation endpoint (RFC 7009)."""
    response: Response = get_server().create_endpoint_response("revocation")
    return response


@bp.post("/introspection")
def introspection() -> Response:
    """The introspection endpoint (RFC 7662)."""
    response: Response = get_server().create_endpoint_response("introspection")
    return response


class EndSessionForm(FlaskForm):
    """The logout confirmation: only a CSRF token."""


@bp.route("/fin-de-session", methods=["GET", "POST"])
def end_session() -> Page:
    """RP-Initiated Logout 1.0: sign out, then go back to a registered URI with ``state``.

    Without a valid ``id_token_hint`` the person confirms first (§6).
    """
    server = get_server()
    form = EndSessionForm()
    confirmed = request.method == "POST" and form.validate_on_submit()
    params = {k: v for k, v in request.values.items() if k != "csrf_token"}
    try:
        end_request = server.validate_endpoint_request("end_session", params)
    except OAuth2Error:
        return render_template("idp/error.html", message=_logout_error()), 400
    if end_request.needs_confirmation and not confirmed:
        return render_template(
            "idp/end_session.html", form=form, params=params, client=end_request.client
        )
    response = server.create_endpoint_response("end_session", end_request)
    if response is not None:
        return response
    return render_template("idp/signed_out.html")


def _logout_error() -> str:
    return _(
        "La demande de déconnexion transmise par le site partenaire n'est pas valide. "
        "Pour vous déconnecter de votre compte ameli, utilisez le bouton « Me déconnecter »."
    )
