"""Tenants shown inside other objects (declarations, changes, payments), with their campaign
state read for all of them in one query."""

from __future__ import annotations

from models import Tenant as TenantRow
from models.enums import DeclarationState
from resolvers.declarations.tenants import declaration_states
from resolvers.shared.context import Context
from schema.declarations.tenants import Tenant


async def tenant_nodes(ctx: Context, rows: list[TenantRow]) -> list[Tenant]:
    year = ctx.settings.campaign_year
    states = await declaration_states(list({row.id for row in rows}), year)
    return [Tenant.from_row(r, year, states.get(r.id, DeclarationState.NON_SAISI)) for r in rows]


async def tenant_node(ctx: Context, row: TenantRow) -> Tenant:
    return (await tenant_nodes(ctx, [row]))[0]
