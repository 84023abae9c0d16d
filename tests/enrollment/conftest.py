"""Fixtures and actions for the enrollment journeys: the demo registry, ``enroll.step1(...)``."""

from __future__ import annotations

import csv
import re
from datetime import date
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from accounts.mail import outbox
from enrollment.registry import importer as registry_import

DEMO_CSV = Path(__file__).resolve().parents[2] / "enrollment" / "data" / "demo_beneficiaries.csv"
VENTURI_NIR = "162122B01000103"
GOOD_PASSWORD = "Ameli-Demo-2026!"
GOOD_EMAIL = "pierre.venturi@example.org"


def demo_rows() -> dict[str, dict[str, str]]:
    """Return the rows of the shipped demo registry, by NIR."""
    with DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        return {row["nir"]: row for row in csv.DictReader(stream)}


def card_form(row_nir: str = VENTURI_NIR, **overrides: str) -> dict[str, str]:
    """Return the step-1 form a person would type for the demo row of ``row_nir``."""
    row = demo_rows()[row_nir]
    born = date.fromisoformat(row["birth_date"])
    form = {
        "name": row["usage_name"] or row["family_name"],
        "nir": " ".join(
            (
                row["nir"][0],
                row["nir"][1:3],
                row["nir"][3:5],
                row["nir"][5:7],
                row["nir"][7:10],
                row["nir"][10:13],
                row["nir"][13:],
            )
        ),
        "birth_date": born.strftime("%d/%m/%Y"),
        "postal_code": row["postal_code"],
        "iban_tail": (row["iban"] or "FR00ZZZZZZZ")[-7:],
        "vitale_tail": (row["vitale_serial"] or "00000000000")[-11:],
    }
    form.update(overrides)
    return form


@pytest.fixture
def registry(app: Flask) -> None:
    """The demo registry, loaded in the test's database."""
    with DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        report = registry_import.import_csv(stream)
    assert report.problems == []


class Enroll:
    """The actions of a person going through the Carte Vitale + IBAN journey."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def step1(self, row_nir: str = VENTURI_NIR, **overrides: str) -> TestResponse:
        return self.client.post(
            "/creation-compte/carte-vitale", data=card_form(row_nir, **overrides)
        )

    def step2(self, password: str = GOOD_PASSWORD, confirmation: str | None = None) -> TestResponse:
        return self.client.post(
            "/creation-compte/code-personnel",
            data={
                "password": password,
                "confirmation": password if confirmation is None else confirmation,
            },
        )

    def step3(self, email: str = GOOD_EMAIL, **fields: Any) -> TestResponse:
        return self.client.post("/creation-compte/coordonnees", data={"email": email, **fields})

    def through_step2(self, row_nir: str = VENTURI_NIR, **overrides: str) -> None:
        assert self.step1(row_nir, **overrides).status_code == 302
        assert self.step2().status_code == 302

    def complete(self, row_nir: str = VENTURI_NIR, email: str = GOOD_EMAIL) -> TestResponse:
        self.through_step2(row_nir)
        response = self.step3(email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response


@pytest.fixture
def enroll(client: FlaskClient, registry: None) -> Enroll:
    return Enroll(client)


def page_text(response: TestResponse) -> str:
    """Return the visible text of a page, tags stripped and spaces folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    text = text.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"')
    return " ".join(text.split())


ACTIVATION_LINK = re.compile(r"https?://\S+/creation-compte/activation/([A-Za-z0-9_-]+)")


def sent_mails(app: Flask) -> list[EmailMessage]:
    """Return the mails the service wrote to its file outbox, oldest first.

    Requests only queue mails: what the mail worker would have sent by now is sent first.
    """
    with app.app_context():
        outbox.deliver_due()
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    files = sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    return [message_from_bytes(path.read_bytes(), policy=default) for path in files]  # type: ignore[misc]


def latest_activation_token(app: Flask) -> str:
    """Return the token of the activation link in the newest mail."""
    mail = sent_mails(app)[-1]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    match = ACTIVATION_LINK.search(body.get_content())
    assert match is not None
    return match[1]
