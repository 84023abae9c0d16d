"""The ``sub`` a client sees: pairwise per sector by default, the same everywhere on request.

OIDC Core §8.1: ``sub = HMAC-SHA256(secret, sector ‖ account id)``. Two partners on
different sectors cannot link a person by ``sub``; the NIR never leaves the service.

The secret is ``IDP_PAIRWISE_SECRET`` (``AMELI_IDP_PAIRWISE_SECRET``) when set, otherwise
it is derived from ``SECRET_KEY`` with a salt of its own (:mod:`idp.settings`). Changing it
changes every ``sub``: partners would no longer recognise anyone, so set it once and keep it.
"""

from __future__ import annotations

import hashlib
import hmac

from accounts import Account
from idp.models import Client
from idp.models import SubjectType
from idp.settings import get_settings

# Public subjects are pairwise subjects of one sector that no client host can be named.
PUBLIC_SECTOR = "public:ameli"


def subject_for_sector(account_id: int, sector: str) -> str:
    """Return the ``sub`` of ``account_id`` in ``sector``: 64 hex characters."""
    message = f"{sector}\x00{account_id}".encode()
    return hmac.new(get_settings().pairwise_secret, message, hashlib.sha256).hexdigest()


def subject(account: Account, client: Client) -> str:
    """Return the ``sub`` that ``client`` knows ``account`` by."""
    if client.subject_type == SubjectType.PUBLIC:
        return subject_for_sector(account.id, PUBLIC_SECTOR)
    return subject_for_sector(account.id, client.sector_identifier)
