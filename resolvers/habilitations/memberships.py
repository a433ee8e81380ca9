"""What roles and groups a user holds, read from the cached enforcer of their organisation."""

from __future__ import annotations

from policies.vocabulary import AGENCY_DOMAIN, org_domain, parse_id, user_subject
from resolvers.shared.context import Context


async def roles_and_group_ids(
    ctx: Context, user_id: int, organisation_id: int | None
) -> tuple[list[str], list[int]]:
    domain = org_domain(organisation_id) if organisation_id is not None else AGENCY_DOMAIN
    enforcer = await ctx.services.registry.get(domain)
    names = await enforcer.get_roles_for_user_in_domain(user_subject(user_id), domain)
    roles = sorted(n for n in names if not n.startswith("grp:"))
    groups = sorted(parse_id(n) for n in names if n.startswith("grp:"))
    return roles, groups
