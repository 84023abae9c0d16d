"""Test identities of the sandbox provider (SPEC §5.4), password ``123`` for all.

They copy FranceConnect's public sandbox accounts (france-connect/sources,
``docker/volumes/fcp-low/mocks/idp/databases/citizen/base.csv``), the ones the demo
registry holds too (``enrollment/data/README.md``, rows 32–40), plus one that no registry
row matches.
"""

from __future__ import annotations

from dataclasses import dataclass

PASSWORD = "123"  # noqa: S105 - the public sandbox password, development only


@dataclass(frozen=True)
class SandboxIdentity:
    """A test person: the login to type, and the claims of the identité pivot."""

    login: str
    given_name: str
    family_name: str
    birthdate: str
    gender: str
    birthplace: str
    birthcountry: str
    email: str
    preferred_username: str = ""
    acr: str = "eidas1"

    @property
    def label(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def claims(self) -> dict[str, str]:
        """Return the identité pivot claims, ``preferred_username`` only when there is one."""
        claims = {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "birthdate": self.birthdate,
            "gender": self.gender,
            "birthplace": self.birthplace,
            "birthcountry": self.birthcountry,
            "email": self.email,
        }
        if self.preferred_username:
            claims["preferred_username"] = self.preferred_username
        return claims


IDENTITIES: tuple[SandboxIdentity, ...] = (
    SandboxIdentity(
        "test",
        "Angela Claire Louise",
        "DUBOIS",
        "1962-08-24",
        "female",
        "75107",
        "99100",
        "wossewodda-3728@yopmail.com",
    ),
    SandboxIdentity(
        "avec_nom_dusage",
        "Pierre",
        "MERCIER",
        "1969-03-17",
        "male",
        "95277",
        "99100",
        "ymmyffarapp-1777@yopmail.com",
        preferred_username="DUBOIS",
    ),
    SandboxIdentity(
        "nom_composé",
        "Melissandre Juliette",
        "TROIS-DUPRE",
        "1981-07-27",
        "female",
        "13012",
        "99100",
        "imyllommo-2736@yopmail.com",
    ),
    SandboxIdentity(
        "caractères_spéciaux",
        "Joëlle Françoise",
        "DUBINÔRE",
        "1992-08-15",
        "female",
        "75117",
        "99100",
        "effannopiq-4009@yopmail.com",
    ),
    SandboxIdentity(
        "test_CORSE_2A",
        "Mario",
        "Brosse",
        "1981-02-03",
        "male",
        "2A004",
        "99100",
        "mario.brosse@france.fr",
        preferred_username="Mario",
    ),
    SandboxIdentity(
        "test_CORSE_2B",
        "Luigi",
        "Brosse",
        "1981-02-03",
        "male",
        "2B050",
        "99100",
        "luigi.brosse@france.fr",
        preferred_username="Luigi",
    ),
    SandboxIdentity(
        "naissance_Espagne",
        "Marphisa",
        "CHEVAL",
        "1982-02-24",
        "female",
        "",
        "99134",
        "yttenneje-5416@yopmail.com",
        preferred_username="POULAIN",
    ),
    SandboxIdentity(
        "étranger_présumé_né_jour",
        "Jean",
        "FLEURET",
        "1992-11-00",
        "male",
        "",
        "99217",
        "jean-fleuret@yopmail.com",
    ),
    SandboxIdentity(
        "étranger_présumé_né_jour_et_mois",
        "Jean",
        "TARGE",
        "1992-00-00",
        "male",
        "",
        "99217",
        "jean-targe@yopmail.com",
    ),
    # In FranceConnect's sandbox but not in the demo registry: enrollment must refuse it.
    SandboxIdentity(
        "plusieurs_prénoms_2",
        "Valentin Emmanuel",
        "HOCHON",
        "1955-01-01",
        "male",
        "69674",
        "99100",
        "lippizucis-4803@yopmail.com",
    ),
)
BY_LOGIN = {identity.login: identity for identity in IDENTITIES}
