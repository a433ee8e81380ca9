"""Changing a user's record (« Modifier un utilisateur ») and reopening a closed one.

Who may is the delegation rule (`delegation.delegated`): the administrateur on anyone of its
organisation, a responsable only on users all of whose groups lie inside its perimeter, never
on a manager. The change is decided and written in one transaction under the domain's change
lock, audited with before and after (addresses masked); the address being replaced is told.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from models import User
from models.enums import UserStatus, WorkMode
from policies.vocabulary import Role
from resolvers.accounts.addresses import masked_email, one_address_per_user
from resolvers.accounts.credentials import tell_old_address
from resolvers.accounts.person_checks import person_problems, stored_email
from resolvers.accounts.sessions import revoke_sessions
from resolvers.habilitations.administration import (
    check_closing_date,
    habilitation_state,
    record_change,
)
from resolvers.habilitations.delegation import delegated
from resolvers.shared.clock import today
from resolvers.shared.context import Context
from resolvers.shared.errors import Conflict, Forbidden, Invalid
from resolvers.shared.outbox import wake_sender

ADMIN_NOT_CLOSED = "L'administrateur ne peut pas être clôturé : contactez la Caf pour le remplacer."
NOT_CLOSED = "Cet utilisateur n'est pas clôturé."
NOTHING = "Indiquez au moins une information à modifier."
OWN_ACCOUNT = (
    "Votre propre compte se modifie depuis « Mon profil », avec votre mot de passe actuel."
)
PLACEHOLDER = "inchangee@exemple.fr"  # an address left as stored is not checked again

# Absent from the input: left as it is (distinct from None, which clears a date or the phone).
KEEP: Any = object()


@dataclass
class UserChanges:
    last_name: Any = KEEP
    first_name: Any = KEEP
    email: Any = KEEP
    email_confirmation: Any = KEEP
    phone: Any = KEEP
    phone_confirmation: Any = KEEP
    opening_date: Any = KEEP
    closing_date: Any = KEEP
    work_mode: Any = KEEP

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not KEEP}


def masked_phone(phone: str | None) -> str | None:
    return None if not phone else f"…{phone[-2:]}"


def _problems(user: User, data: UserChanges) -> dict[str, str]:
    """Each given field checked as at creation (the others as stored); the confirmations must
    repeat the new values."""
    given = data.given()
    problems = person_problems(
        given.get("last_name", user.last_name), given.get("first_name", user.first_name),
        given.get("email", user.email or PLACEHOLDER), given.get("phone") or None,
    )
    if "email" in given and "email" not in problems and (
        str(data.email_confirmation or "").lower() != data.email.lower()
    ):
        problems["emailConfirmation"] = "Les deux adresses mail ne sont pas identiques."
    confirmation = None if data.phone_confirmation is KEEP else data.phone_confirmation
    if "phone" in given and (data.phone or "") != (confirmation or ""):
        problems["phoneConfirmation"] = "Les deux numéros de téléphone ne sont pas identiques."
    opening = given.get("opening_date", user.opening_date)
    closing = given.get("closing_date", user.closing_date)
    if opening and closing and closing < opening:
        problems["closingDate"] = "La date de clôture précède la date d'ouverture."
    return problems


def _new_values(user: User, data: UserChanges) -> dict[str, Any]:
    given = data.given()
    values: dict[str, Any] = {}
    for name in ("last_name", "first_name"):
        if name in given:
            values[name] = given[name].strip()
    if "email" in given:
        values["email"] = stored_email(given["email"])
    if "phone" in given:
        values["phone"] = given["phone"] or None
    for name in ("opening_date", "closing_date"):
        if name in given:
            values[name] = given[name]
    if "work_mode" in given:
        values["work_mode"] = WorkMode(given["work_mode"])
    return {k: v for k, v in values.items() if getattr(user, k) != v}


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    """What the audit trail keeps of a user's fields: addresses and phones masked."""
    shown = dict(values)
    if "email" in shown:
        shown["email"] = masked_email(shown["email"])
    if "phone" in shown:
        shown["phone"] = masked_phone(shown["phone"])
    return shown


async def update_user(ctx: Context, user_id: int, data: UserChanges) -> User:
    if user_id == ctx.user_id:
        # One's own address or phone changes only with the current password (a stolen session
        # must not take the account over).
        raise Forbidden(OWN_ACCOUNT)
    async with one_address_per_user(), delegated(ctx, user_id, changes_policies=False) as change:
        user = change.user
        # Checked once the target is found: another organisation's user answers NOT_FOUND,
        # whatever the input, exactly like a missing one.
        if not data.given():
            raise Invalid({"input": NOTHING})
        problems = _problems(user, data)
        if problems:
            raise Invalid(problems)
        values = _new_values(user, data)
        closes = "closing_date" in values and values["closing_date"] is not None and (
            values["closing_date"] <= today())
        if "closing_date" in values and values["closing_date"] is not None:
            check_closing_date(user, values["closing_date"])
        state = await habilitation_state(change.enforcer, user)
        if closes and Role.ADMINISTRATEUR.value in state["roles"]:
            raise Conflict(ADMIN_NOT_CLOSED)
        if closes:
            values["status"] = UserStatus.CLOSED
        before = _shown({k: getattr(user, k) for k in values})
        old_email = user.email
        if values:
            await User.filter(id=user.id).update(**values)
            user.update_from_dict(values)
            await record_change(ctx, change.enforcer, "user_updated", user,
                                {**state, **before}, extra=_shown(values))
            await tell_old_address(user, old_email, user.email)
    if user.status == UserStatus.CLOSED:
        await revoke_sessions(user.id)
    wake_sender(ctx.services)
    return user


async def reopen_user(ctx: Context, user_id: int, closing_date: date | None) -> User:
    """A closed user (or one past its closing date) works again, with its groups as they were:
    back to active, or to pending when its first login was never completed."""
    async with one_address_per_user(), delegated(ctx, user_id, changes_policies=False) as change:
        user = change.user
        past_date = user.closing_date is not None and user.closing_date < today()
        if user.status != UserStatus.CLOSED and not past_date:
            raise Conflict(NOT_CLOSED)
        if closing_date is not None:
            check_closing_date(user, closing_date)
        before = await habilitation_state(change.enforcer, user)
        status = UserStatus.ACTIVE if user.profile_completed_at else UserStatus.PENDING
        values = {"status": status, "closing_date": closing_date}
        await User.filter(id=user.id).update(**values)
        user.update_from_dict(values)
        await record_change(ctx, change.enforcer, "user_reopened", user, before)
    return user
