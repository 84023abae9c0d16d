"""OAuth 2.0 / OpenID Connect errors: one class per error code, with what a person reads.

Authlib's error classes carry the code (``error``), the HTTP status and, once the
redirect URI is validated, where to send it (``redirect_uri``): an error without one is
shown on our own page, never redirected (RFC 6749 §4.1.2.1). This module adds the
codes Authlib lacks and the French message of each code's error page.
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError
from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc6749 import InvalidGrantError
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6749 import InvalidScopeError
from authlib.oauth2.rfc6749 import UnsupportedResponseTypeError
from authlib.oidc.core.errors import ConsentRequiredError
from authlib.oidc.core.errors import LoginRequiredError
from authlib.oidc.core.errors import RequestNotSupportedError
from authlib.oidc.core.errors import RequestURINotSupportedError
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

# The errors the provider raises; Authlib raises the token endpoint's own.
__all__ = [
    "AccessDeniedError",
    "ConsentRequiredError",
    "InvalidClientError",
    "InvalidGrantError",
    "InvalidRedirectURIError",
    "InvalidRequestError",
    "InvalidScopeError",
    "LoginRequiredError",
    "OAuth2Error",
    "RequestNotSupportedError",
    "RequestURINotSupportedError",
    "UnsupportedResponseTypeError",
    "page_message",
]


class InvalidRedirectURIError(InvalidRequestError):
    """The ``redirect_uri`` is missing or not registered: shown on a page, never followed."""

    def __init__(self, description: str = "The redirect_uri is not registered.") -> None:
        super().__init__(description=description)


GENERIC_MESSAGE = _l(
    "La demande de connexion transmise par le site partenaire n'est pas valide. "
    "Retournez sur le site d'où vous venez et réessayez."
)
# The page a person sees when the site they came from cannot be told of the error.
PAGE_MESSAGES = {
    "invalid_client": _l(
        "Le site qui vous a envoyé ici n'est pas reconnu comme partenaire du compte ameli. "
        "Par sécurité, vous n'y serez pas renvoyé."
    ),
    "invalid_request": GENERIC_MESSAGE,
    "unsupported_response_type": GENERIC_MESSAGE,
    "invalid_scope": GENERIC_MESSAGE,
}


def page_message(error: OAuth2Error) -> str:
    """Return what the error page tells a person about ``error``, in their language."""
    if isinstance(error, InvalidRedirectURIError):
        return gettext(
            "L'adresse de retour demandée n'est pas enregistrée pour ce site partenaire. "
            "Par sécurité, vous n'y serez pas renvoyé."
        )
    return str(PAGE_MESSAGES.get(str(error.error), GENERIC_MESSAGE))
