"""Every refusal of enrollment, each with its code, its message and its HTTP status.

Field rules of step 1 (birth date, postal code, IBAN and its end, Carte Vitale digits,
name) refuse with a :class:`~core.fields.ValidationError` named after the rule; who cannot
create an account immediately is refused with an :class:`EnrollmentRefused`; an
enrollment that cannot be resumed with a :class:`WizardError`. Web pages show the
``message``; the mobile API answers the same classes as problems (``enrollment.api``).
The NIR's own rules are in :mod:`core.nir`, the address's in ``accounts``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from core.errors import Refusal
from core.fields import ValidationError

# --- Birth date --------------------------------------------------------------------------


class BirthDateError(ValidationError):
    """Refuse a birth date."""

    field = "birth_date"


class BirthDateRequired(BirthDateError):
    """Refuse an empty birth date."""

    code = "birth_date.required"
    message = _l("Saisissez votre date de naissance.")


class BirthDateMalformed(BirthDateError):
    """Refuse a birth date that is not written JJ/MM/AAAA."""

    code = "birth_date.malformed"
    message = _l("Saisissez votre date de naissance au format JJ/MM/AAAA, par exemple 18/12/1962.")


class IsoDateMalformed(BirthDateMalformed):
    """Refuse a date of the registry CSV or the API that is not written AAAA-MM-JJ."""

    message = _l("La date doit être au format AAAA-MM-JJ, par exemple 1962-12-18.")


class BirthDateImpossible(BirthDateError):
    """Refuse a day that does not exist, such as 31/02/2000."""

    code = "birth_date.impossible"
    message = _l("Cette date n'existe pas : vérifiez le jour et le mois.")


class BirthDateInFuture(BirthDateError):
    """Refuse a birth date after today."""

    code = "birth_date.in_future"
    message = _l("Votre date de naissance ne peut pas être dans le futur.")


class BirthDateTooOld(BirthDateError):
    """Refuse a birth date before 1 January 1900."""

    code = "birth_date.too_old"
    message = _l("Votre date de naissance ne peut pas être antérieure au 01/01/1900.")


# --- Postal code -------------------------------------------------------------------------


class PostalCodeError(ValidationError):
    """Refuse a postal code."""

    field = "postal_code"


class PostalCodeRequired(PostalCodeError):
    """Refuse an empty postal code."""

    code = "postal_code.required"
    message = _l("Saisissez votre code postal.")


class PostalCodeMalformed(PostalCodeError):
    """Refuse a postal code that is not 5 digits."""

    code = "postal_code.malformed"
    message = _l("Le code postal doit comporter 5 chiffres, par exemple 63000.")


# --- IBAN --------------------------------------------------------------------------------


class IbanError(ValidationError):
    """Refuse a full IBAN."""

    field = "iban"


class IbanRequired(IbanError):
    """Refuse an empty IBAN."""

    code = "iban.required"
    message = _l("Saisissez votre IBAN.")


class IbanMalformed(IbanError):
    """Refuse an IBAN with wrong characters or a length that does not fit its country."""

    code = "iban.malformed"
    message = _l(
        "Cet IBAN n'est pas valide : il commence par 2 lettres et 2 chiffres, puis comporte "
        "uniquement des lettres et des chiffres (27 caractères pour un compte en France)."
    )


class IbanChecksum(IbanError):
    """Refuse an IBAN whose check digits are wrong (ISO 13616 mod 97)."""

    code = "iban.checksum"
    message = _l("Cet IBAN n'est pas valide : vérifiez chaque caractère.")


class IbanNotSepa(IbanError):
    """Refuse an IBAN from a country outside the SEPA zone."""

    code = "iban.not_sepa"
    message = _l(
        "Les remboursements ne peuvent être versés que sur un compte bancaire ouvert "
        "dans la zone SEPA."
    )


class RibKeyMismatch(IbanError):
    """Refuse a French IBAN whose RIB key does not match its bank, branch and account."""

    code = "iban.rib_key"
    message = _l("Cet IBAN n'est pas valide : la clé RIB (2 derniers chiffres) ne correspond pas.")


# --- Last 7 characters of the IBAN -------------------------------------------------------


class IbanTailError(ValidationError):
    """Refuse the last characters of an IBAN."""

    field = "iban_tail"


class IbanTailRequired(IbanTailError):
    """Refuse empty IBAN characters."""

    code = "iban_tail.required"
    message = _l("Saisissez les 7 derniers caractères de votre IBAN.")


class IbanTailMalformed(IbanTailError):
    """Refuse IBAN characters that are not exactly 7 letters or digits."""

    code = "iban_tail.malformed"
    message = _l(
        "Saisissez exactement les 7 derniers caractères de votre IBAN (lettres et chiffres)."
    )


# --- Last 11 digits of the Carte Vitale serial number ------------------------------------


class VitaleTailError(ValidationError):
    """Refuse the last digits of a Carte Vitale serial number."""

    field = "vitale_tail"


class VitaleTailRequired(VitaleTailError):
    """Refuse empty Carte Vitale digits."""

    code = "vitale_tail.required"
    message = _l("Saisissez les 11 derniers chiffres du numéro de série de votre carte Vitale.")


class VitaleTailMalformed(VitaleTailError):
    """Refuse Carte Vitale digits that are not exactly 11 digits."""

    code = "vitale_tail.malformed"
    message = _l(
        "Saisissez exactement les 11 derniers chiffres du numéro de série de votre "
        "carte Vitale, sans lettre."
    )


# --- Name --------------------------------------------------------------------------------


class PersonNameError(ValidationError):
    """Refuse a name (named so as not to shadow the built-in ``NameError``)."""

    field = "name"


class NameRequired(PersonNameError):
    """Refuse an empty name."""

    code = "name.required"
    message = _l("Saisissez votre nom.")


class NameMalformed(PersonNameError):
    """Refuse a name longer than the registry can hold."""

    code = "name.malformed"
    message = _l("Votre nom ne peut pas dépasser 100 caractères.")


# --- Step 1: who may create an account immediately (SPEC §4, §5.3) ----------------------


class EnrollmentRefused(Refusal):
    """The person cannot create an account immediately; ``code`` says why.

    Exclusions are told only once the identity itself matched (SPEC §4).
    """

    code = "enrollment.refused"
    status = 403
    title = _l("Création immédiate impossible")
    message = _l("La création immédiate de votre compte n'est pas possible.")
    # What the page offers next: "caisse" (contact your caisse), "franceconnect", "sign_in".
    guidance: tuple[str, ...] = ("caisse",)


class IdentityNotRecognised(EnrollmentRefused):
    code = "identity.not_recognised"
    status = 422
    title = _l("Identité non reconnue")
    message = _l(
        "Les informations saisies ne permettent pas de vous identifier. Vérifiez-les "
        "(elles doivent être identiques à celles connues de votre caisse) et réessayez."
    )
    guidance = ()


class RegimeNotEligible(EnrollmentRefused):
    code = "exclusion.regime"
    title = _l("Régime non éligible à la création immédiate")
    message = _l(
        "Votre régime ne permet pas encore la création immédiate du compte ameli. "
        "Contactez votre caisse pour créer votre compte."
    )
    guidance = ("caisse",)


class NirNotCertified(EnrollmentRefused):
    code = "exclusion.nir_not_certified"
    title = _l("Numéro de sécurité sociale non certifié")
    message = _l(
        "Votre numéro de sécurité sociale est provisoire ou n'est pas encore certifié : il ne "
        "permet pas de créer votre compte immédiatement. Contactez votre caisse."
    )
    guidance = ("caisse",)


class NoBankDetails(EnrollmentRefused):
    code = "exclusion.no_bank_details"
    title = _l("Coordonnées bancaires inconnues de la caisse")
    message = _l(
        "Votre caisse ne connaît pas encore vos coordonnées bancaires : la création avec la "
        "carte Vitale et l'IBAN n'est pas possible. Créez votre compte avec FranceConnect, "
        "ou contactez votre caisse."
    )
    guidance = ("franceconnect", "caisse")


class NoActiveVitaleCard(EnrollmentRefused):
    code = "exclusion.no_active_vitale_card"
    title = _l("Pas de carte Vitale active")
    message = _l(
        "Vous n'avez pas de carte Vitale active connue de votre caisse : la création avec la "
        "carte Vitale et l'IBAN n'est pas possible. Créez votre compte avec FranceConnect, "
        "ou contactez votre caisse."
    )
    guidance = ("franceconnect", "caisse")


# --- The enrollment in progress ---------------------------------------------------------


class WizardError(Refusal):
    """The enrollment cannot be resumed; ``code`` says why."""

    code = "wizard.invalid"
    status = 401
    title = _l("Démarche non reconnue")
    message = _l("Votre démarche n'a pas pu être reprise. Recommencez depuis la première étape.")


class WizardTampered(WizardError):
    """The token is not one this service signed for this channel."""


class WizardExpired(WizardError):
    """The enrollment was left unfinished for longer than its setting allows."""

    code = "wizard.expired"
    title = _l("Démarche expirée")

    def __init__(self, max_age_seconds: int) -> None:
        self.minutes = max(1, max_age_seconds // 60)
        super().__init__(self.code)

    @property
    def message(self) -> str:  # type: ignore[override]
        """Say after how long the enrollment expired, as its setting says."""
        return ngettext(
            "Votre démarche a expiré après %(num)s minute sans validation. Par sécurité, "
            "recommencez depuis la première étape.",
            "Votre démarche a expiré après %(num)s minutes sans validation. Par sécurité, "
            "recommencez depuis la première étape.",
            self.minutes,
        )


class PasswordNotChosen(Refusal):
    """Step 3 came before step 2: there is no code personnel yet."""

    code = "enrollment.password_required"
    status = 409
    title = _l("Code personnel à choisir d'abord")
    message = _l("Choisissez d'abord votre code personnel (étape 2).")


class EnrollmentFinished(Refusal):
    """The enrollment ended: the NIR has an account since."""

    code = "enrollment.finished"
    status = 409
    title = _l("Démarche déjà terminée")
    message = _l(
        "Vous avez déjà un compte ameli. Connectez-vous avec votre numéro de sécurité sociale "
        "et votre code personnel."
    )
    guidance = ("sign_in",)
