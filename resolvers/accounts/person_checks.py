"""The checks every form about a person shares (first login, user creation): one message per
field, in French, before anything is written."""

from __future__ import annotations

from models import User
from models.validators import column_length, fits_column, is_phone_number, plain_email
from resolvers.shared.errors import Invalid

TOO_LONG = "{label} ne peut dépasser {limit} caractères."
BAD_EMAIL = (
    "L'adresse mail n'est pas valide : saisissez une seule adresse, sans nom ni espace "
    "(par exemple prenom.nom@exemple.fr)."
)
BAD_PHONE = "Le numéro de téléphone n'est pas valide (par exemple 02 31 00 00 00)."


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
    if phone and "phone" not in problems and not is_phone_number(phone):
        problems["phone"] = BAD_PHONE
    if (address := plain_email(email)) is None or not fits_column(User, "email", address):
        problems["email"] = BAD_EMAIL
    return problems


def stored_email(email: str, field: str = "email") -> str:
    """The address as stored (normalised); refused like `person_problems` refuses it."""
    address = plain_email(email)
    if address is None or not fits_column(User, "email", address):
        raise Invalid({field: BAD_EMAIL})
    return address
