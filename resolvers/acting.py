"""Who acts, as the audit trail records it, for the landlord-side services."""

from __future__ import annotations

from typing import Any

from resolvers import audit_log
from resolvers.context import Context
from resolvers.loaders import UserByIdLoader


async def record_action(
    ctx: Context,
    action: str,
    *,
    organisation_id: int,
    target_type: str,
    target_id: Any,
    before: Any = None,
    after: Any = None,
) -> None:
    """Call inside the transaction of the change. The delegation names the roles and groups
    through which the caller held the right at that moment."""
    user = await ctx.loader(UserByIdLoader).load(ctx.principal.user_id)
    await audit_log.record(
        action,
        actor_id=user.id,
        actor_label=user.identifier,
        organisation_id=organisation_id,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
        delegation=[{"via": role} for role in sorted(await ctx.guard.roles())],
    )
