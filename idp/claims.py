"""Which claims a client receives: its scopes and its ``claims`` request, from the registry.

Scopes of SPEC §9 (``profile``, ``email``, ``phone``, ``birth``, ``identite_pivot``) and,
as FranceConnect asks its identity providers, each claim name used as a scope of its own
(``given_name``, ``birthplace``…). Values come from the beneficiary registry (identity)
and the account (contact details).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from authlib.oauth2.rfc6749 import scope_to_list
from flask_babel import lazy_gettext as _l

import enrollment
from accounts import Account
from accounts import AccountStatus

IDENTITY_CLAIMS = (
    "given_name",
    "family_name",
    "preferred_username",
    "birthdate",
    "gender",
    "birthplace",
    "birthcountry",
)
CONTACT_CLAIMS = ("email", "email_verified", "phone_number")
CLAIMS = (*IDENTITY_CLAIMS, *CONTACT_CLAIMS)

SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    # FranceConnect names the claims it wants as scopes.
    **{name: (name,) for name in CLAIMS if name != "email_verified"},
    "profile": ("given_name", "family_name", "preferred_username", "birthdate", "gender"),
    "email": ("email", "email_verified"),
    "phone": ("phone_number",),
    "birth": ("birthdate", "birthplace", "birthcountry"),
    "identite_pivot": IDENTITY_CLAIMS,
}
SCOPES = (
    "openid",
    "offline_access",
    "profile",
    "email",
    "phone",
    "birth",
    "identite_pivot",
    *(name for name in SCOPE_CLAIMS if name in CLAIMS and name not in ("email",)),
)

# What the consent page says a client will receive (translated when shown).
CLAIM_LABELS = {
    "given_name": _l("vos prénoms"),
    "family_name": _l("votre nom de naissance"),
    "preferred_username": _l("votre nom d'usage"),
    "birthdate": _l("votre date de naissance"),
    "gender": _l("votre sexe"),
    "birthplace": _l("votre lieu de naissance"),
    "birthcountry": _l("votre pays de naissance"),
    "email": _l("votre adresse électronique"),
    "email_verified": _l("le fait que votre adresse électronique a été vérifiée"),
    "phone_number": _l("votre numéro de téléphone portable"),
}


class InvalidClaimsRequest(ValueError):
    """The ``claims`` parameter is not the JSON object OIDC Core §5.5 describes."""


def parse_claims_request(raw: str | None) -> dict[str, dict[str, Any]] | None:
    """Return the ``claims`` request parameter as ``{"userinfo": {...}, "id_token": {...}}``.

    Unknown members and unknown claim names are kept but never answered (§5.5: ignored).

    :raises InvalidClaimsRequest: when it is not a JSON object of objects.
    See https://openid.net/specs/openid-connect-core-1_0.html#ClaimsParameter
    """
    if raw is None or raw == "":
        return None
    try:
        parsed = json.loads(raw)
    except ValueError as error:
        raise InvalidClaimsRequest("claims is not JSON") from error
    if not isinstance(parsed, dict):
        raise InvalidClaimsRequest("claims is not a JSON object")
    result: dict[str, dict[str, Any]] = {}
    for target in ("userinfo", "id_token"):
        member = parsed.get(target)
        if member is None:
            continue
        if not isinstance(member, dict):
            raise InvalidClaimsRequest(f"claims.{target} is not a JSON object")
        result[target] = {str(name): spec for name, spec in member.items()}
    return result


def claims_of_scope(scope: str) -> list[str]:
    """Return the claim names ``scope`` releases, in a stable order."""
    names: dict[str, None] = {}
    for item in scope_to_list(scope) or []:
        for name in SCOPE_CLAIMS.get(item, ()):
            names[name] = None
    return [name for name in CLAIMS if name in names]


def requested_claims(
    claims_request: Mapping[str, Mapping[str, Any]] | None, target: str
) -> list[str]:
    """Return the known claim names asked for ``target`` by a ``claims`` request."""
    if not claims_request:
        return []
    asked = claims_request.get(target) or {}
    return [name for name in CLAIMS if name in asked]


def released_claims(
    scope: str, claims_request: Mapping[str, Mapping[str, Any]] | None
) -> list[str]:
    """Return every claim a grant of ``scope`` and ``claims_request`` may release."""
    names = set(claims_of_scope(scope))
    names |= set(requested_claims(claims_request, "userinfo"))
    names |= set(requested_claims(claims_request, "id_token"))
    return [name for name in CLAIMS if name in names]


def claim_values(account: Account, names: Iterable[str]) -> dict[str, Any]:
    """Return the values of ``names`` for ``account``; claims without a value are left out."""
    wanted = list(names)
    values: dict[str, Any] = {}
    record = (
        enrollment.get_registry().find(account.nir) if set(wanted) & set(IDENTITY_CLAIMS) else None
    )
    for name in wanted:
        value: Any = None
        if record is not None and name in IDENTITY_CLAIMS:
            value = {
                "given_name": record.given_names,
                "family_name": record.family_name,
                "preferred_username": record.usage_name or None,
                "birthdate": record.birth_date.isoformat(),
                "gender": record.gender,
                # FranceConnect's convention: an empty string for a birth abroad.
                "birthplace": record.birthplace or "",
                "birthcountry": record.birthcountry,
            }[name]
        elif name == "email":
            value = account.email
        elif name == "email_verified":
            # Only an active account signs in, and activation proved the mailbox.
            value = account.email is not None and account.status is AccountStatus.ACTIVE
        elif name == "phone_number":
            value = account.mobile_phone
        if value is not None:
            values[name] = value
    return values
