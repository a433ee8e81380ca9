"""Formats of the agency's identifiers and codes, shared by models, import and GraphQL inputs."""

from __future__ import annotations

import re

from tortoise.exceptions import ValidationError
from tortoise.models import Model

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


def column_length(model: type[Model], field: str) -> int | None:
    """The length limit of a text column (None for a column without one)."""
    return getattr(model._meta.fields_map[field], "max_length", None)


def fits_column(model: type[Model], field: str, value: str) -> bool:
    """Could a row hold `value` in `field`? A longer value can match no row, and Tortoise refuses
    to even compare it: callers looking a row up by user input ask this first."""
    limit = column_length(model, field)
    return limit is None or len(value) <= limit


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
