"""Web forms of enrollment: Flask-WTF gives binding and CSRF; the rules live in the checks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import StringField
from wtforms import TelField


class CardAndBankForm(FlaskForm):
    name = StringField()
    nir = StringField()
    birth_date = StringField()
    postal_code = StringField()
    iban_tail = StringField()
    vitale_tail = StringField()


class PasswordForm(FlaskForm):
    password = PasswordField()
    confirmation = PasswordField()


class ContactForm(FlaskForm):
    email = EmailField()
    mobile_phone = TelField()
    landline_phone = TelField()
    marketing_consent = BooleanField()
