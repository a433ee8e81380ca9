"""A user's e-mail address: one per user still in use within an organisation, shown masked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise.exceptions import IntegrityError

from models.users import ACTIVE_EMAIL_INDEX
from resolvers.shared.errors import Conflict

ADDRESS_TAKEN = "Cette adresse mail est déjà celle d'un autre utilisateur de votre organisme."


@asynccontextmanager
async def one_address_per_user(field: str = "email") -> AsyncIterator[None]:
    """Wrap the transaction that writes an address: the database's unique index is the guard
    (two parallel writers cannot both pass it), turned here into a CONFLICT naming the field."""
    try:
        yield
    except IntegrityError as exc:
        if ACTIVE_EMAIL_INDEX not in str(exc):
            raise
        raise Conflict(ADDRESS_TAKEN, fields={field: ADDRESS_TAKEN}) from None


def masked_email(address: str | None) -> str | None:
    """'jean.dupont@exemple.fr' -> 'j***@exemple.fr': enough to recognise, not to harvest."""
    if not address:
        return None
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}"
