"""Formats of the agency's identifiers and codes, shared by models, import and GraphQL inputs."""

from __future__ import annotations

import re

from tortoise.exceptions import ValidationError

DEPARTEMENTS: frozenset[str] = frozenset(
    [f"{n:02d}" for n in range(1, 20)]
    + ["2A", "2B"]
    + [f"{n:02d}" for n in range(21, 96)]
    + ["971", "972", "973", "974", "976"]
)
_ALLOCATAIRE = re.compile(r"[0-9]{1,7}")
_USER_NUMBER = re.compile(r"[A-Z0-9]{14}")
_POSTAL_CODE = re.compile(r"[0-9]{5}")


def is_departement(code: str) -> bool:
    return code in DEPARTEMENTS


def is_allocataire_number(value: str) -> bool:
    return bool(_ALLOCATAIRE.fullmatch(value))


def is_user_number(value: str) -> bool:
    return bool(_USER_NUMBER.fullmatch(value))


def is_postal_code(value: str) -> bool:
    return bool(_POSTAL_CODE.fullmatch(value))


# Object ids are 32-bit integer columns (PostgreSQL `integer`): a larger number names no row, and
# the database refuses to even compare it.
MAX_OBJECT_ID = 2**31 - 1


def parse_object_id(text: str) -> int | None:
    """The id in `text` (ASCII digits only), or None when it cannot name a row."""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= MAX_OBJECT_ID else None


def fits_column(model, field: str, value: str) -> bool:
    """Could a row hold `value` in `field`? A longer value can match no row, and Tortoise refuses
    to even compare it: callers looking a row up by user input ask this first."""
    return len(value) <= model._meta.fields_map[field].max_length


def _validator(check, message: str):
    def validate(value) -> None:
        if value is not None and not check(value):
            raise ValidationError(message.format(value=value))

    return validate


validate_departement = _validator(is_departement, "département inconnu : {value!r}")
validate_allocataire_number = _validator(
    is_allocataire_number, "numéro allocataire invalide (1 à 7 chiffres) : {value!r}"
)
validate_user_number = _validator(
    is_user_number, "N° utilisateur invalide (14 caractères A-Z, 0-9) : {value!r}"
)
validate_postal_code = _validator(is_postal_code, "code postal invalide : {value!r}")
