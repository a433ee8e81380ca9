"""Changing one's own credentials on a full session: the current password is always asked, the
change is audited with before and after (addresses masked), and the address that was in use
hears of it, so that a stolen session cannot quietly take the account over."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import User
from models.validators import is_phone_number
from resolvers.accounts import lockout
from resolvers.accounts import mails as account_mails
from resolvers.accounts.addresses import masked_email, one_address_per_user
from resolvers.accounts.passwords import verify_in_thread
from resolvers.accounts.person_checks import BAD_PHONE, stored_email
from resolvers.audit import chain as audit_log
from resolvers.shared.clock import now
from resolvers.shared.context import Context
from resolvers.shared.errors import Conflict, Invalid, RateLimited
from resolvers.shared.outbox import queue_mail, wake_sender

WRONG_CURRENT = "Le mot de passe actuel est incorrect."
SAME_ADDRESS = "C'est déjà l'adresse mail de votre compte."
CHANGED_MEANWHILE = "Votre compte vient d'être modifié par ailleurs : recommencez."


async def check_current_password(ctx: Context, user: User, current: str) -> None:
    """A wrong current password counts towards the lockout, like a wrong login (counted before
    it is checked, so that parallel guesses get no more)."""
    async with lockout.password_attempt(ctx, user):
        matched = await verify_in_thread(ctx.settings, user.password_hash, current)
    if not matched:
        if await lockout.record_failure(ctx, user):
            raise RateLimited(lockout.LOCKED)
        raise Invalid({"currentPassword": WRONG_CURRENT})
    await lockout.release_attempt(user)


async def record_own_change(user: User, action: str, before: dict, after: dict) -> None:
    """Audit a change the user made to their own account (inside its transaction)."""
    await audit_log.record(
        action, actor_id=user.id, actor_label=user.identifier,
        organisation_id=user.organisation_id, target_type="user", target_id=user.id,
        before=before, after=after,
    )


async def tell_old_address(user: User, old_address: str | None, new_address: str | None
                           ) -> None:
    """Queue the notice to the address being replaced (inside the change's transaction)."""
    if old_address and new_address and old_address.lower() != new_address.lower():
        notice = account_mails.email_changed(user, masked_email(new_address) or "", now())
        await queue_mail(old_address, *notice)


async def change_email(ctx: Context, current_password: str, new_email: str) -> User:
    address = stored_email(new_email, "newEmail")
    user = await User.get(id=ctx.user_id)
    await check_current_password(ctx, user, current_password)
    old = user.email
    if old is not None and old.lower() == address.lower():
        raise Invalid({"newEmail": SAME_ADDRESS})
    async with one_address_per_user("newEmail"), in_transaction():
        # Compare-and-set: of two parallel changes, the second sees the address moved.
        if not await User.filter(id=user.id, email=old).update(email=address):
            raise Conflict(CHANGED_MEANWHILE)
        user.email = address
        await record_own_change(user, "email_changed", {"email": masked_email(old)},
                                {"email": masked_email(address)})
        await tell_old_address(user, old, address)
    wake_sender(ctx.services)
    return user


async def update_my_profile(
    ctx: Context, current_password: str, email: str | None, phone: str | None
) -> User:
    """One's own address and/or phone (`phone` "" removes it): the current password is asked,
    the change is compared-and-set against what was read, audited masked, and the address being
    replaced is told."""
    if email is None and phone is None:
        raise Invalid({"input": "Indiquez une nouvelle adresse mail ou un nouveau téléphone."})
    address = None if email is None else stored_email(email)
    if phone and not is_phone_number(phone):
        raise Invalid({"phone": BAD_PHONE})
    user = await User.get(id=ctx.user_id)
    await check_current_password(ctx, user, current_password)
    old_email, old_phone = user.email, user.phone
    values = {"email": address or old_email, "phone": old_phone if phone is None else phone or None}
    async with one_address_per_user(), in_transaction():
        # Compare-and-set: a parallel change of the same account makes this one start again.
        if not await User.filter(id=user.id, email=old_email, phone=old_phone).update(**values):
            raise Conflict(CHANGED_MEANWHILE)
        user.update_from_dict(values)
        await record_own_change(
            user, "profile_updated",
            {"email": masked_email(old_email), "phone": bool(old_phone)},
            {"email": masked_email(user.email), "phone": bool(user.phone)},
        )
        await tell_old_address(user, old_email, user.email)
    wake_sender(ctx.services)
    return user
