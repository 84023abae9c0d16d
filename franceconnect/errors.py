"""Why a FranceConnect sign-in failed: one class per failure, each with its code, status and
French message (SPEC §5.1).

The message is what the person reads; the code goes to the log and to support. Every
failure ends on a page of this service: none redirects anywhere.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.errors import Refusal


class FranceConnectError(Refusal):
    """The FranceConnect sign-in cannot go on; ``detail`` says why, for the log."""

    code = "franceconnect.error"
    status = 502
    title = _l("Connexion avec FranceConnect impossible")
    message = _l(
        "La connexion avec FranceConnect n'a pas pu aboutir. Réessayez, ou créez votre "
        "compte avec votre carte Vitale et votre IBAN."
    )

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail or self.code


# --- The callback request ----------------------------------------------------------------


class StateMismatch(FranceConnectError):
    """The ``state`` returned is not the one this browser sent (or none was sent)."""

    code = "franceconnect.state_mismatch"
    status = 400
    message = _l(
        "Votre demande de connexion avec FranceConnect a expiré ou n'a pas été faite depuis "
        "ce navigateur. Réessayez, ou créez votre compte avec votre carte Vitale et votre IBAN."
    )


class AccessDenied(FranceConnectError):
    """The person cancelled on FranceConnect (``error=access_denied``)."""

    code = "franceconnect.access_denied"
    status = 403
    title = _l("Connexion avec FranceConnect annulée")
    message = _l(
        "Vous avez annulé la connexion avec FranceConnect : aucune information n'a été "
        "transmise. Vous pouvez recommencer, ou créer votre compte avec votre carte Vitale "
        "et votre IBAN."
    )


class ProviderError(FranceConnectError):
    """FranceConnect answered with an OAuth error, or without a code."""

    code = "franceconnect.provider_error"


class CodeRefused(ProviderError):
    """FranceConnect refused the code it was given back: expired, used, or never its own."""

    code = "franceconnect.code_refused"
    status = 400
    message = _l(
        "Votre connexion avec FranceConnect a expiré ou n'est plus valable. Recommencez, ou "
        "créez votre compte avec votre carte Vitale et votre IBAN."
    )


# --- Reaching FranceConnect --------------------------------------------------------------


class ProviderUnavailable(FranceConnectError):
    """FranceConnect cannot be reached, or answers with a server error."""

    code = "franceconnect.unavailable"
    status = 503
    title = _l("FranceConnect est momentanément indisponible")
    message = _l(
        "FranceConnect ne répond pas pour le moment. Réessayez dans quelques minutes, ou "
        "créez votre compte avec votre carte Vitale et votre IBAN."
    )


class ProviderTimeout(ProviderUnavailable):
    """FranceConnect did not answer in time."""

    code = "franceconnect.timeout"
    status = 504


# --- Signed tokens (ID token, userinfo) --------------------------------------------------


class InvalidToken(FranceConnectError):
    """A token from FranceConnect is not a well-formed, signed JWT."""

    code = "franceconnect.invalid_token"


class BadSignature(InvalidToken):
    """A token's signature does not verify with FranceConnect's published key."""

    code = "franceconnect.bad_signature"


class UnknownKeyId(InvalidToken):
    """A token names a ``kid`` absent from FranceConnect's JWKS, even after a refetch."""

    code = "franceconnect.unknown_kid"


class InvalidIdToken(InvalidToken):
    """The ID token lacks a required claim, or one is malformed."""

    code = "franceconnect.invalid_id_token"


class IssuerMismatch(InvalidIdToken):
    """The ``iss`` claim is not FranceConnect's issuer."""

    code = "franceconnect.issuer_mismatch"


class AudienceMismatch(InvalidIdToken):
    """The ``aud`` claim is not this service's client id."""

    code = "franceconnect.audience_mismatch"


class TokenExpired(InvalidIdToken):
    """The ID token's ``exp`` has passed (beyond the leeway)."""

    code = "franceconnect.token_expired"


class NonceMismatch(InvalidIdToken):
    """The ``nonce`` claim is not the one this browser sent."""

    code = "franceconnect.nonce_mismatch"


class AcrTooLow(InvalidIdToken):
    """The identity was verified below the requested level (``eidas1``)."""

    code = "franceconnect.acr_too_low"
    status = 403
    message = _l(
        "Le compte choisi sur FranceConnect ne garantit pas votre identité avec un niveau "
        "suffisant. Choisissez un autre compte, ou créez votre compte avec votre carte "
        "Vitale et votre IBAN."
    )


# --- Userinfo ----------------------------------------------------------------------------


class InvalidUserinfo(FranceConnectError):
    """The userinfo response lacks a claim of the identité pivot, or one is malformed."""

    code = "franceconnect.invalid_userinfo"
    message = _l(
        "FranceConnect n'a pas transmis toutes les informations nécessaires à la création "
        "de votre compte. Réessayez, ou créez votre compte avec votre carte Vitale et votre "
        "IBAN."
    )


class UserinfoNotJwt(InvalidUserinfo):
    """Userinfo is not a signed JWT (``application/jwt``), as FranceConnect v2 sends it."""

    code = "franceconnect.userinfo_not_jwt"


class UserinfoSubjectMismatch(InvalidUserinfo):
    """Userinfo's ``sub`` is not the ID token's."""

    code = "franceconnect.userinfo_sub_mismatch"


# --- Logout ------------------------------------------------------------------------------


class LogoutStateMismatch(FranceConnectError):
    """The return from FranceConnect logout carries a ``state`` this browser did not send."""

    code = "franceconnect.logout_state_mismatch"
    status = 400
    title = _l("Déconnexion de FranceConnect non confirmée")
    message = _l(
        "La déconnexion de FranceConnect n'a pas pu être confirmée. Fermez votre navigateur "
        "pour vous assurer d'être déconnecté."
    )


class NotConfigured(FranceConnectError):
    """FranceConnect is not configured on this service."""

    code = "franceconnect.not_configured"
    status = 404
    title = _l("FranceConnect n'est pas disponible")
    message = _l(
        "La connexion avec FranceConnect n'est pas proposée sur ce service. Créez votre "
        "compte avec votre carte Vitale et votre IBAN."
    )
