"""The partner sites a person allowed, on their "Mon compte" page: listed, and withdrawn."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import accounts
from core.http import no_store
from idp import storage

bp = Blueprint("partners", __name__, template_folder="templates")
bp.after_request(no_store)


def _partner_sites(account: accounts.Account) -> Mapping[str, Any]:
    return {"consents": storage.consents_of(account)}


SECTION = accounts.PageSection(context=_partner_sites, template="idp/_partner_sites.html")


@bp.post("/mon-compte/autorisations/<int:consent_id>/retrait")
@accounts.login_required
def revoke_consent(consent_id: int) -> Response:
    """Withdraw a partner's authorisation, and the tokens it holds."""
    current = accounts.current_account()
    assert current is not None  # login_required
    if storage.revoke_consent(current, consent_id):
        flash(_("L'autorisation a été retirée."), "info")
    return redirect(url_for("accounts.account"))
