"""What the FranceConnect client keeps in the browser's session, and what enrollment may read.

Enrollment reads the :class:`PivotIdentity` only; the ID token stays here, for logout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import session
from flask import url_for

from franceconnect.identity import PivotIdentity

PENDING = "franceconnect.pending"  # state and nonce of the authorization request under way
IDENTITY = "franceconnect.identity"
ID_TOKEN = "franceconnect.id_token"
LOGOUT_STATE = "franceconnect.logout_state"
AFTER_LOGOUT = "franceconnect.after_logout"


def current_identity() -> PivotIdentity | None:
    """Return the identity FranceConnect verified in this session, if any."""
    data = session.get(IDENTITY)
    if not isinstance(data, dict):
        return None
    try:
        return PivotIdentity.from_json(data)
    except ValueError:
        return None


def save_sign_in(identity: PivotIdentity, id_token: str) -> None:
    """Remember a verified sign-in: the identity for enrollment, the ID token for logout."""
    session[IDENTITY] = identity.to_json()
    session[ID_TOKEN] = id_token


@contextmanager
def kept_for_logout() -> Iterator[None]:
    """Keep what FranceConnect logout needs across a ``session.clear()`` in the block."""
    id_token = session.get(ID_TOKEN)
    yield
    if id_token:
        session[ID_TOKEN] = id_token


def sign_out_url(then: str) -> str | None:
    """Return the URL that signs the person out of FranceConnect and comes back to ``then``.

    ``then`` is a path of this service. None when nobody signed in with FranceConnect here.
    """
    if not session.get(ID_TOKEN):
        return None
    session.pop(IDENTITY, None)
    session[AFTER_LOGOUT] = then
    return url_for("franceconnect.logout")
