"""The identité pivot handed from the FranceConnect client to enrollment (SPEC §5.2, §5.3).

Protocol-neutral: a frozen set of identity claims, without any token, so that enrollment
never depends on how the identity was obtained.
"""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

_FIELDS = (
    "sub",
    "given_name",
    "family_name",
    "birthdate",
    "gender",
    "birthplace",
    "birthcountry",
    "email",
)


@dataclass(frozen=True, slots=True)
class PivotIdentity:
    """Who FranceConnect says the person is, as its identity provider certified it."""

    sub: str
    given_name: str  # all first names, space-separated
    family_name: str  # birth name
    birthdate: str  # YYYY-MM-DD; a presumed day or month is "00"
    gender: str  # "male" or "female"
    birthplace: str  # COG commune code, "" when born abroad
    birthcountry: str  # COG country code, "99100" for France
    email: str
    preferred_username: str | None = None  # usage name

    @property
    def first_given_name(self) -> str:
        return self.given_name.split(" ", 1)[0]

    @property
    def born_abroad(self) -> bool:
        return self.birthplace == ""

    @property
    def birthdate_parts(self) -> tuple[int, int | None, int | None]:
        """Return (year, month, day) of the birth date, None for a presumed ("00") part."""
        year, month, day = (int(part) for part in self.birthdate.split("-"))
        return year, month or None, day or None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PivotIdentity:
        """Rebuild an identity saved by :meth:`to_json`.

        :raises ValueError: when a claim is missing or not a string.
        """
        values = {name: data.get(name) for name in _FIELDS}
        if not all(isinstance(value, str) for value in values.values()):
            raise ValueError("incomplete identity")
        preferred = data.get("preferred_username")
        return cls(
            **values,  # type: ignore[arg-type]
            preferred_username=preferred if isinstance(preferred, str) and preferred else None,
        )
