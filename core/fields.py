"""Refusals of what a person types, field by field, and the checker that collects them.

Each rule of a field is a subclass of :class:`ValidationError` carrying a stable ``code``,
the form ``field`` it belongs to and the message shown next to that field. A form is
checked with :class:`FieldChecker`, which keeps every field's error rather than the first
only; :class:`FieldErrors` carries them all at once.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from core.errors import Refusal


class ValidationError(ValueError):
    """Refuse a value typed by a person, with a code, a form field and a message."""

    code: str = "invalid"
    message: str = _l("Cette valeur n'est pas valide.")
    field: str = ""

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


class FieldErrors(Refusal):
    """Several fields are wrong at once: one error per field name, in the form's order."""

    code = "fields.invalid"
    status = 422
    title = _l("Informations à corriger")
    message = _l("Certaines informations sont à corriger : voyez le message de chaque champ.")

    def __init__(self, errors: Mapping[str, ValidationError]) -> None:
        super().__init__(", ".join(error.code for error in errors.values()))
        self.errors = dict(errors)


class FieldChecker:
    """Check a form field by field, keeping every field's error rather than the first only."""

    def __init__(self, form: Mapping[str, object]) -> None:
        self._form = form
        self.values: dict[str, Any] = {}
        self.errors: dict[str, ValidationError] = {}

    def check(self, name: str, check: Callable[..., Any], *args: Any) -> Any:
        """Run ``check(raw_value, *args)`` for field ``name``; return its value or None."""
        try:
            value = check(str(self._form.get(name) or ""), *args)
        except ValidationError as error:
            self.errors[name] = error
            return None
        self.values[name] = value
        return value

    def result(self, order: Sequence[str]) -> dict[str, Any]:
        """Return the checked values.

        :raises FieldErrors: ordered as ``order``, when any field was wrong.
        """
        if self.errors:
            raise FieldErrors({name: self.errors[name] for name in order if name in self.errors})
        return self.values
