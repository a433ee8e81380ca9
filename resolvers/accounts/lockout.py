"""Brute-force defence: per-IP throttling, failed-login counting, temporary locks, unlocking.

A locked account refuses even the right password until the lock ends or an administrator of its
organisation unlocks it. Unknown identifiers and the organisations' letter identifiers are
counted in the shared throttle table instead, so that they lock after as many failures as a real
account: the lock does not tell an attacker which identifiers exist.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models import Organisation, User
from resolvers.accounts import mails as account_mails
from resolvers.accounts import throttle
from resolvers.audit import chain as audit_log
from resolvers.audit.actor import ANONYMOUS, record_anonymous
from resolvers.shared.clock import now
from resolvers.shared.context import Context
from resolvers.shared.errors import NotFound, RateLimited
from resolvers.shared.outbox import queue_mail, wake_sender

LOCKED = (
    "Ce compte est temporairement verrouillé après plusieurs échecs de connexion. Réessayez "
    "plus tard, ou demandez à l'administrateur de votre organisme de le déverrouiller."
)
TOO_MANY = "Trop de tentatives de connexion depuis votre adresse. Réessayez dans une minute."


async def check_ip(ctx: Context) -> None:
    key = throttle.throttle_key("login-ip", ctx.client_ip)
    if not await throttle.hit(key, ctx.settings.ip_attempts_per_minute, 60):
        raise RateLimited(TOO_MANY)


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > now()


def lock_duration(ctx: Context, lock_count: int) -> timedelta:
    """The first lock lasts lockout_minutes; each one after it twice the previous."""
    minutes = ctx.settings.lockout_minutes * 2 ** min(lock_count, 16)
    return timedelta(minutes=min(minutes, ctx.settings.lockout_max_minutes))


async def record_failure(ctx: Context, user: User) -> bool:
    """Count a wrong password; True when this failure locked the account."""
    threshold = ctx.settings.lockout_threshold
    async with in_transaction():
        await User.filter(id=user.id).update(failed_logins=F("failed_logins") + 1)
        fresh = await User.get(id=user.id)
        await record_anonymous(
            ctx,
            "login_failed",
            organisation_id=user.organisation_id,
            target_type="user",
            target_id=user.id,
            after={"failedLogins": fresh.failed_logins},
        )
        if fresh.failed_logins < threshold:
            return False
        until = now() + lock_duration(ctx, fresh.lock_count)
        # Conditional: of several concurrent failures, one locks (one event, one mail).
        won = await User.filter(
            id=user.id, lock_count=fresh.lock_count, failed_logins__gte=threshold
        ).update(failed_logins=0, lock_count=fresh.lock_count + 1, locked_until=until)
        if won:
            await _announce_lock(ctx, fresh, until)
    if won:
        wake_sender(ctx.services)
    return bool(won)


async def _announce_lock(ctx: Context, user: User, until: datetime) -> None:
    await record_anonymous(
        ctx,
        "account_locked",
        organisation_id=user.organisation_id,
        target_type="user",
        target_id=user.id,
        before={"lockedUntil": None, "lockCount": user.lock_count},
        after={"lockedUntil": until, "lockCount": user.lock_count + 1},
    )
    address = await administrator_address(user.organisation_id)
    if address:
        subject, body = account_mails.account_locked(user, until, ctx.settings.lockout_threshold)
        await queue_mail(address, subject, body)


async def administrator_address(organisation_id: int | None) -> str | None:
    """Where the organisation's administrator is reached: their own address, else the
    organisation's (agency accounts have no organisation, hence nobody to tell)."""
    if organisation_id is None:
        return None
    organisation = await Organisation.get(id=organisation_id)
    admin = None
    if organisation.administrator_id is not None:
        admin = await User.get_or_none(id=organisation.administrator_id)
    return (admin.email if admin and admin.email else None) or organisation.email


async def record_success(ctx: Context, user: User) -> None:
    async with in_transaction():
        if user.failed_logins or user.lock_count or user.locked_until:
            await User.filter(id=user.id).update(failed_logins=0, lock_count=0, locked_until=None)
        await audit_log.record(
            "login_succeeded",
            actor_id=user.id,
            actor_label=user.identifier,
            organisation_id=user.organisation_id,
            target_type="user",
            target_id=user.id,
            after={"ip": ctx.client_ip},
        )


def _identifier_key(identifier: str) -> str:
    return throttle.throttle_key("login-id", identifier)


async def identifier_locked(ctx: Context, identifier: str) -> bool:
    s = ctx.settings
    return await throttle.exceeded(
        _identifier_key(identifier), s.lockout_threshold - 1, s.lockout_minutes * 60
    )


async def record_identifier_failure(
    ctx: Context, identifier: str, organisation: Organisation | None
) -> bool:
    """A failure on an identifier that is no user's; True when it is now locked."""
    s = ctx.settings
    within = await throttle.hit(
        _identifier_key(identifier), s.lockout_threshold - 1, s.lockout_minutes * 60
    )
    target = organisation.id if organisation else None
    await record_anonymous(
        ctx,
        "login_failed",
        organisation_id=target,
        target_type="organisation" if organisation else "user",
        target_id=target,
    )
    return not within


async def unlock_user(ctx: Context, user_id: int) -> User:
    """An administrator (or responsable) unlocks a user of their own organisation."""
    actor = ctx.caller
    user = await User.get_or_none(id=user_id, organisation_id=actor.organisation_id)
    if user is None or actor.organisation_id is None:
        raise NotFound("Utilisateur introuvable.")
    async with in_transaction():
        await User.filter(id=user.id).update(failed_logins=0, locked_until=None)
        await audit_log.record(
            "account_unlocked",
            actor_id=actor.user_id,
            actor_label=await _label(actor.user_id),
            organisation_id=user.organisation_id,
            target_type="user",
            target_id=user.id,
            before={"lockedUntil": user.locked_until, "failedLogins": user.failed_logins},
            after={"lockedUntil": None, "failedLogins": 0},
        )
    return await User.get(id=user.id)


async def _label(user_id: int | None) -> str:
    row = await User.get_or_none(id=user_id).only("id", "identifier") if user_id else None
    return row.identifier if row else ANONYMOUS
