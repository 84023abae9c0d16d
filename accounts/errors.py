"""Every refusal of the account, each with its code, its message and its HTTP status.

The address's own rules (required, malformed, already used) are field errors of
:mod:`accounts.contact`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from core.errors import Refusal

if TYPE_CHECKING:
    from accounts.models import Account


class AccountAlreadyExists(Refusal):
    """The NIR (or the FranceConnect identity) has an account already (exclusion 6)."""

    code = "exclusion.account_exists"
    status = 409
    title = _l("Compte déjà existant")
    message = _l(
        "Vous avez déjà un compte ameli. Connectez-vous avec votre numéro de sécurité sociale "
        "et votre code personnel."
    )
    guidance = ("sign_in",)


class AccountAlreadyActive(Refusal):
    """A new activation link was asked for an account that is active already."""

    code = "activation.already_active"
    status = 409
    title = _l("Compte déjà activé")
    message = _l(
        "Votre compte est déjà activé : votre adresse électronique est validée. "
        "Connectez-vous avec votre numéro de sécurité sociale et votre code personnel."
    )
    guidance = ("sign_in",)


class AddressChangeRefused(Refusal):
    """An activation link that a newer one replaced asked to send a link to a new address."""

    code = "activation.address_change_refused"
    status = 403
    title = _l("Changement d'adresse refusé")
    message = _l(
        "Ce lien a été remplacé par un plus récent : il ne permet plus de changer l'adresse "
        "électronique. Utilisez le dernier lien reçu, ou connectez-vous avec votre numéro de "
        "sécurité sociale et votre code personnel pour changer d'adresse."
    )
    guidance = ("sign_in",)


class SignInFailed(Refusal):
    """NIR or code personnel wrong; the message never says which."""

    code = "sign_in.failed"
    status = 401
    title = _l("Connexion impossible")
    message = _l(
        "Numéro de sécurité sociale ou code personnel incorrect. Vérifiez votre saisie et "
        "réessayez."
    )


# --- Activation links (SPEC §8) ---------------------------------------------------------


class ActivationError(Refusal):
    """An activation link that does not activate; subclasses say why."""

    code = "activation.refused"
    status = 410
    title = _l("Lien d'activation inutilisable")


class ActivationLinkUnknown(ActivationError):
    """No such link (mistyped, or forged)."""

    code = "activation.link_unknown"
    status = 404


@dataclass
class ActivationLinkRefused(ActivationError):
    """A real link that cannot activate; ``account`` and ``sent_at`` let the page help."""

    account: Account
    sent_at: datetime


class ActivationLinkUsed(ActivationLinkRefused):
    """The link was already used (the account is active)."""

    code = "activation.link_used"


class ActivationLinkSuperseded(ActivationLinkRefused):
    """A newer link was sent since this one."""

    code = "activation.link_superseded"


class ActivationLinkExpired(ActivationLinkRefused):
    """7 to 21 days old: a new link can be sent, to the same or to a new address."""

    code = "activation.link_expired"


class ActivationAddressDeleted(ActivationLinkRefused):
    """More than 21 days: the address is (or is about to be) deleted; ask for a new one."""

    code = "activation.address_deleted"


# --- Other mailed links (sign-in unlock; recovery and address change next) ----------------


class LinkError(Refusal):
    """A mailed link that cannot be used; subclasses say why."""

    code = "link.refused"
    status = 410
    title = _l("Lien inutilisable")
    message = _l("Ce lien n'est plus valable.")


class LinkUnknown(LinkError):
    code = "link.unknown"
    status = 404
    message = _l(
        "Ce lien n'est pas reconnu : il est peut-être incomplet. Copiez-le en entier depuis "
        "le message reçu, ou cliquez directement dessus."
    )


class LinkUsed(LinkError):
    code = "link.used"
    message = _l("Ce lien a déjà servi : il ne fonctionne qu'une fois.")


class LinkExpired(LinkError):
    code = "link.expired"
    message = _l("Ce lien a expiré : il n'était valable que peu de temps, par sécurité.")
