"""Web forms of the account: Flask-WTF gives binding and CSRF; the rules live in the checks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms import StringField


class ResendForm(FlaskForm):
    # "same" or "new": radio buttons in the page; anything else means the same address.
    destination = StringField(default="same")
    email = EmailField()

    @property
    def new_email(self) -> str | None:
        """Return the address typed for a new link, or None to keep the same address."""
        return (self.email.data or "") if self.destination.data == "new" else None
