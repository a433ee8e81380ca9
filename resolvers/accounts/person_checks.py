"""The checks every form about a person shares (first login, user creation): one message per
field, in French, before anything is written."""

from __future__ import annotations

from models import User
from models.validators import column_length, fits_column

TOO_LONG = "{label} ne peut dépasser {limit} caractères."


def person_problems(last_name: str, first_name: str, email: str, phone: str | None) -> dict:
    problems: dict[str, str] = {}
    # The values as they are stored: names stripped, the phone as typed.
    for key, column, label, value in (("lastName", "last_name", "Le nom", last_name.strip()),
                                      ("firstName", "first_name", "Le prénom", first_name.strip()),
                                      ("phone", "phone", "Le téléphone", phone or "")):
        if not fits_column(User, column, value):
            limit = column_length(User, column)
            problems[key] = TOO_LONG.format(label=label, limit=limit)
    if not last_name.strip():
        problems["lastName"] = "Le nom est obligatoire."
    if not first_name.strip():
        problems["firstName"] = "Le prénom est obligatoire."
    if "@" not in email or email.strip() != email or not fits_column(User, "email", email):
        problems["email"] = "L'adresse mail n'est pas valide."
    return problems
