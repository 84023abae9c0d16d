"""Errors every package may raise: a configuration refused, and the shape of a refusal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class ConfigurationError(RuntimeError):
    """The configuration cannot be used; the message says why in one line."""


class Refusal(Exception):
    """Something a person (or the app) is refused, said in one place.

    Each subclass names one refusal with class attributes: its stable ``code`` (logs, the
    API's problem codes), its HTTP ``status``, a ``title`` that never changes from one
    occurrence to the next (RFC 9457 §3.1.3) and the ``message`` a person reads, in their
    language. What may come next (``guidance``: ``"caisse"``, ``"franceconnect"``,
    ``"sign_in"``) lets pages and apps offer a way forward. Pages and the API both read
    these; neither writes its own copy.
    """

    code: str = "refused"
    status: int = 400
    title: str = _l("Demande refusée")
    message: str = _l("Votre demande ne peut pas aboutir.")
    guidance: tuple[str, ...] = ()

    def __init__(self, *args: object) -> None:
        # Without arguments, the exception reads as its message (in the current language).
        super().__init__(*(args or (self.message,)))


class ServiceUnavailable(Refusal):
    """The database (or another part the service cannot do without) is away for a while."""

    code = "service.unavailable"
    status = 503
    title = _l("Service momentanément indisponible")
    message = _l(
        "Le service est momentanément indisponible. Réessayez dans quelques instants : les "
        "informations déjà enregistrées ne sont pas perdues."
    )
    # What ``Retry-After`` says: long enough for a database to fail over.
    retry_after = 30
