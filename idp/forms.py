"""Web forms of the identity provider."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import StringField


class SignInForm(FlaskForm):
    nir = StringField()
    password = PasswordField()
    next = HiddenField()
