"""People's names, reduced for comparison: no case, accents, hyphens or apostrophes.

Shared by enrollment, which matches a typed name against the registry's, and by the code
personnel's strength rating, which must guess "heloise" from "Héloïse".
"""

from __future__ import annotations

import re
import unicodedata

# Hyphens and apostrophes are typed inconsistently (or dropped) by members and by the
# registry, so they separate words like a space does.
_NAME_SEPARATORS = re.compile(r"['\u2018\u2019\u02bc\u2010-\u2015\u2212-]")
# Ligatures that Unicode does not decompose.
_NAME_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})


def normalize_name(raw: str) -> str:
    """Return a name reduced for comparison: no case, accents, hyphens or apostrophes."""
    # Casefold first: it can itself produce combining marks ("İ" becomes "i" + dot above).
    decomposed = unicodedata.normalize("NFKD", raw.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    text = _NAME_SEPARATORS.sub(" ", bare.translate(_NAME_LIGATURES))
    return " ".join(text.split())
