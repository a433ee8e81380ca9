"""An agent of the Caf suspends a partner's account, or reinstates it.

A suspension is one conditional UPDATE (of parallel suspensions exactly one is recorded) and, in
the same transaction, the end of every session of the account and the audit event: no request
that starts after it commits is served for the account. While suspended, a login answers the
right password as a wrong one and counts it, as for a closed account or one outside its dates
(`sessions.user_may_work`): an explicit message would tell whoever tries a password that it is
the right one. Reinstating clears the suspension only: the account's status, dates and groups
are what they were.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import User
from resolvers.accounts.sessions import revoke_sessions
from resolvers.audit import chain as audit_log
from resolvers.shared.clock import now
from resolvers.shared.context import Context
from resolvers.shared.errors import Conflict, NotFound

ALREADY = "Ce compte est déjà suspendu."
NOT_SUSPENDED = "Ce compte n'est pas suspendu."


async def _partner(user_id: int) -> User:
    user = await User.get_or_none(id=user_id, organisation_id__isnull=False)
    if user is None:
        raise NotFound("Utilisateur introuvable.")
    return user


async def _record(ctx: Context, action: str, user: User, suspended: bool) -> None:
    actor = await User.get(id=ctx.user_id).only("id", "identifier", "agency_role")
    await audit_log.record(
        action, actor_id=actor.id, actor_label=actor.identifier,
        organisation_id=user.organisation_id, target_type="user", target_id=user.id,
        before={"suspended": not suspended}, after={"suspended": suspended},
        delegation=[{"role": actor.agency_role.value if actor.agency_role else None,
                     "domain": "caf"}],
    )


async def suspend_user(ctx: Context, user_id: int) -> User:
    user = await _partner(user_id)
    moment = now()
    async with in_transaction():
        if not await User.filter(id=user.id, suspended_at=None).update(suspended_at=moment):
            raise Conflict(ALREADY)
        await revoke_sessions(user.id)
        await _record(ctx, "user_suspended", user, True)
    user.suspended_at = moment
    return user


async def reinstate_user(ctx: Context, user_id: int) -> User:
    user = await _partner(user_id)
    async with in_transaction():
        if not await User.filter(id=user.id, suspended_at__isnull=False).update(
            suspended_at=None
        ):
            raise Conflict(NOT_SUSPENDED)
        await _record(ctx, "user_reinstated", user, False)
    user.suspended_at = None
    return user
