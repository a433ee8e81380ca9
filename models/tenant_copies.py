"""What a tenant row carries from its housing, and its search text: kept on the row so that a
list is one ordered index range per (housing type, département) of the caller's scope, with no
join before the LIMIT, and a search is one indexed column."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Letters NFKD leaves whole: people type them spelt out.
_SPELT_OUT = str.maketrans({"æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ẞ": "SS",
                            "ø": "o", "Ø": "O", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH",
                            "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i"})
_NOT_WORD = re.compile(r"[\W_]+")

def normalise(text: str) -> str:
    """Upper case without accents, ligatures or punctuation: "Lætitia  d'Œuf-Müller" and
    "LAETITIA D OEUF MULLER" read the same (the form stored and the form searched)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELT_OUT))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare.translate(_SPELT_OUT)).strip().upper()


def search_text(tenant: Any, housing: Any) -> str:
    """The one column a search reads: names, commune, numéro allocataire and postal code."""
    return normalise(f"{tenant.last_name} {other_text(tenant, housing)}")


def other_text(tenant: Any, housing: Any) -> str:
    """The search text without the last name (migration 0019): a term's matches on the last
    name are whole name groups of the list's order, the rest are found through this text."""
    parts = (tenant.first_name, housing.commune, tenant.allocataire_number, housing.postal_code)
    return normalise(" ".join(str(p) for p in parts))


def carried(tenant: Any, housing: Any) -> dict[str, Any]:
    """The columns a tenant row carries for its housing: the housing's scope and the search text.
    Written with the row by every writer (the import), so a list never joins to filter."""
    return {"organisation_id": housing.organisation_id, "housing_type": housing.housing_type,
            "departement": housing.departement, "search_text": search_text(tenant, housing),
            "other_text": other_text(tenant, housing)}
