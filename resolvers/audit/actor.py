"""Who acts, as the audit trail records it, for the landlord-side services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from models import AuditEvent
from resolvers.audit import chain as audit_log
from resolvers.shared.context import Context
from resolvers.shared.errors import Unauthenticated
from resolvers.shared.loaders import UserByIdLoader

# The actor of what someone not logged in sets off (failed logins, recovery requests).
ANONYMOUS = "anonyme"
# Events that give a user the roles and groups behind their data rights.
GRANTS = ("user_created", "user_groups_set", "organisation_activated", "administrator_replaced")


async def caller_grants(ctx: Context) -> list[dict]:
    """The roles and groups through which the caller acts, and the event that granted them."""
    user_id = ctx.user_id
    return [{"user": user_id, "roles": sorted(await ctx.guard.roles()),
             **await latest_grant(user_id, GRANTS)}]


async def latest_grant(user_id: int, actions: Iterable[str]) -> dict:
    """The newest of these events targeting the user: {grantedBy, event, via} ("initial" and
    None when there is none).

    All of the user's such events (a handful) are read through the (target_type, target_id)
    index and the latest picked here: with ORDER BY id DESC LIMIT 1, PostgreSQL walks the whole
    trail backwards by id for a user with no such event (an auditor), seconds at 10⁶ events."""
    grants = await AuditEvent.filter(
        target_type="user", target_id=str(user_id), action__in=list(actions)
    ).values_list("id", "actor_id", "action")
    event_id, granted_by, via = max(grants, default=(None, None, "initial"))
    return {"grantedBy": granted_by, "event": event_id, "via": via}


async def record_action(
    ctx: Context,
    action: str,
    *,
    organisation_id: int | None,
    target_type: str,
    target_id: Any,
    before: Any = None,
    after: Any = None,
) -> None:
    """Call inside the transaction of the change (a read gets a transaction of its own)."""
    user = await ctx.loader(UserByIdLoader).load(ctx.user_id)
    if user is None:  # the caller's account is gone under their session
        raise Unauthenticated()
    await audit_log.record(
        action,
        actor_id=user.id,
        actor_label=user.identifier,
        organisation_id=organisation_id,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
        delegation=await caller_grants(ctx),
    )


async def record_anonymous(
    ctx: Context,
    action: str,
    *,
    organisation_id: int | None,
    target_type: str,
    target_id: Any,
    before: Any = None,
    after: dict | None = None,
) -> None:
    """An event set off by someone not logged in: no actor, the client's address kept."""
    await audit_log.record(
        action,
        actor_id=None,
        actor_label=ANONYMOUS,
        organisation_id=organisation_id,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after={**(after or {}), "ip": ctx.client_ip},
    )
