"""Turn the database's unique constraints into the domain errors they stand for.

Queries give the friendly answer first; the constraints decide every race (two people, or
two clicks, at the same instant), and this is where their violations get a meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from accounts.contact import EmailAlreadyUsed
from accounts.errors import AccountAlreadyExists
from core.db import db

SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (\w+)\.(\w+)")
ERRORS: dict[str, type[Exception]] = {
    "uq_account_email_canonical": EmailAlreadyUsed,
    "uq_account_nir": AccountAlreadyExists,
    "uq_account_franceconnect_sub": AccountAlreadyExists,
}


def violated_constraint(error: IntegrityError) -> str | None:
    """Return the name of the unique constraint ``error`` violated, on either database."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return str(diag.constraint_name)
    match = SQLITE_UNIQUE.search(str(error.orig))
    return f"uq_{match[1]}_{match[2]}" if match else None


@contextmanager
def violations_explained() -> Iterator[None]:
    """Roll back and raise the domain error when a write in the block breaks a constraint.

    :raises EmailAlreadyUsed: the address belongs to another account.
    :raises AccountAlreadyExists: the NIR (or FranceConnect identity) has an account.
    """
    try:
        yield
    except IntegrityError as error:
        db.session.rollback()
        meaning = ERRORS.get(violated_constraint(error) or "")
        if meaning is None:
            raise
        raise meaning() from error
