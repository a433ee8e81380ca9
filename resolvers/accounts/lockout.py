"""Brute-force defence: per-IP throttling, failed-login counting, temporary locks, unlocking.

A locked account refuses even the right password until the lock ends or an administrator of its
organisation unlocks it. Unknown identifiers and the organisations' letter identifiers are
counted in the shared throttle table instead, so that they lock after as many failures as a real
account: the lock does not tell an attacker which identifiers exist.

Every attempt is counted before its password is checked (a slot reserved by one atomic
statement), never after: parallel logins get no more checks than one-by-one ones, and a right
password checked while the lock was being set does not open a session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from models import Organisation, User
from resolvers.accounts import mails as account_mails
from resolvers.accounts import throttle
from resolvers.audit import chain as audit_log
from resolvers.audit.actor import ANONYMOUS, record_anonymous
from resolvers.habilitations.delegation import delegated
from resolvers.shared.clock import now
from resolvers.shared.context import Context
from resolvers.shared.errors import RateLimited
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


def lock_duration(ctx: Context, lock_count: int) -> timedelta:
    """The first lock lasts lockout_minutes; each one after it twice the previous."""
    minutes = ctx.settings.lockout_minutes * 2 ** min(lock_count, 16)
    return timedelta(minutes=min(minutes, ctx.settings.lockout_max_minutes))


def _unlocked(moment: datetime) -> Q:
    return Q(locked_until=None) | Q(locked_until__lte=moment)


async def reserve_attempt(ctx: Context, user: User) -> None:
    """Count an attempt before its password is checked, in one conditional UPDATE (atomic on
    both databases): whatever the concurrency, at most `lockout_threshold` passwords are checked
    before the lock, and none while it lasts. A right password gives its slot back."""
    won = await User.filter(
        _unlocked(now()), id=user.id, failed_logins__lt=ctx.settings.lockout_threshold
    ).update(failed_logins=F("failed_logins") + 1)
    if not won:
        raise RateLimited(LOCKED)


@asynccontextmanager
async def password_attempt(ctx: Context, user: User) -> AsyncIterator[None]:
    """Reserve the attempt, check the password inside; a check broken off (an error, a
    cancelled request) gives its slot back rather than leave it counted forever."""
    await reserve_attempt(ctx, user)
    try:
        yield
    except BaseException:
        await _give_back(user.id, now())
        raise


async def _give_back(user_id: int, moment: datetime) -> None:
    await User.filter(_unlocked(moment), id=user_id, failed_logins__gt=0).update(
        failed_logins=F("failed_logins") - 1
    )


async def release_attempt(user: User) -> None:
    """A right password that opens no session (changePassword) gives its slot back; a lock
    that came first still refuses it."""
    moment = now()
    await _give_back(user.id, moment)
    if await User.filter(id=user.id, locked_until__gt=moment).exists():
        raise RateLimited(LOCKED)


async def record_failure(ctx: Context, user: User) -> bool:
    """A reserved attempt failed (it is already counted); True when it locked the account."""
    threshold = ctx.settings.lockout_threshold
    async with in_transaction():
        # The user row before the audit chain, in the order every writer takes them (no
        # deadlock with a racing success).
        fresh = await User.select_for_update().get(id=user.id)
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
    """A right password clears the failures, unless a lock was set since its reservation: a
    success racing the failures never clears a lock it did not precede."""
    async with in_transaction():
        won = await User.filter(_unlocked(now()), id=user.id).update(
            failed_logins=0, lock_count=0, locked_until=None
        )
        if not won:
            raise RateLimited(LOCKED)
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


def _identifier_lock_key(identifier: str) -> str:
    return throttle.throttle_key("login-id-locked", identifier)


async def reserve_identifier_attempt(ctx: Context, identifier: str) -> None:
    """`reserve_attempt` for an identifier that is no user's (a letter's, or nobody's), counted
    in the shared throttle table before the password is checked."""
    s = ctx.settings
    key = _identifier_key(identifier)
    if not await throttle.hit(key, s.lockout_threshold, s.lockout_minutes * 60):
        raise RateLimited(LOCKED)


async def release_identifier_attempt(identifier: str) -> None:
    """A letter's right password: its attempt does not count towards the lockout (a letter is
    shared by the organisation's staff, who may all log in with it)."""
    await throttle.give_back(_identifier_key(identifier))


async def record_identifier_failure(
    ctx: Context, identifier: str, organisation: Organisation | None
) -> bool:
    """A reserved attempt on an identifier that is no user's failed; True when it is now
    locked (the threshold of attempts reached), which a letter's right password then obeys."""
    s = ctx.settings
    window = s.lockout_minutes * 60
    locked = await throttle.exceeded(_identifier_key(identifier), s.lockout_threshold - 1, window)
    if locked:
        await throttle.hit(_identifier_lock_key(identifier), 0, window)
    target = organisation.id if organisation else None
    await record_anonymous(
        ctx,
        "login_failed",
        organisation_id=target,
        target_type="organisation" if organisation else "user",
        target_id=target,
    )
    return locked


async def identifier_locked_since(ctx: Context, identifier: str) -> bool:
    """Whether a failure locked the identifier while a right password was being checked."""
    window = ctx.settings.lockout_minutes * 60
    return await throttle.exceeded(_identifier_lock_key(identifier), 0, window)


async def unlock_user(ctx: Context, user_id: int) -> User:
    """An administrator unlocks a user of their own organisation; a responsable, one it may
    manage (the rule of `delegation`, decided in the same transaction)."""
    actor = ctx.caller
    async with delegated(ctx, user_id, changes_policies=False) as change:
        user = change.user
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
