"""Tenants the caller may see: the list (filtered in SQL by the scope) and one by id."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q, Subquery

from models import RentDeclaration, Tenant
from models.enums import DeclarationState
from policies.vocabulary import Act
from resolvers.declarations import counters
from resolvers.shared.context import Context
from resolvers.shared.errors import NotFound, invalid
from resolvers.shared.pagination import Page, paginate

TENANT_ORDER = ("last_name", "first_name", "id")
# Longer than any searched column: nothing could match, and SQLite refuses LIKE patterns over
# 50,000 bytes (an internal error rather than an answer).
MAX_SEARCH_LENGTH = 100


async def visible_tenants(ctx: Context, act: Act = Act.READ):
    """The one SQL condition behind every list of tenants (and of what hangs on them)."""
    scope = await ctx.guard.scope(act)
    return Tenant.filter(scope.housing_filter("housing__"))


def _declared(year: int, state: DeclarationState) -> Subquery:
    return Subquery(RentDeclaration.filter(year=year, state=state).values("tenant_id"))


def _state_filter(year: int, state: DeclarationState) -> Q:
    if state == DeclarationState.NON_SAISI:
        return ~Q(id__in=Subquery(
            RentDeclaration.filter(year=year).exclude(state=DeclarationState.NON_SAISI)
            .values("tenant_id")
        ))
    return Q(id__in=_declared(year, state))


def _search_filter(text: str) -> Q:
    text = text.strip()
    return (
        Q(last_name__icontains=text)
        | Q(first_name__icontains=text)
        | Q(allocataire_number__startswith=text)
        | Q(housing__commune__icontains=text)
        | Q(housing__postal_code__startswith=text)
    )


async def list_tenants(
    ctx: Context,
    first: int,
    after: list[Any] | None,
    year: int,
    state: DeclarationState | None = None,
    search: str | None = None,
) -> Page[Tenant]:
    query = await visible_tenants(ctx)
    if state is not None:
        query = query.filter(_state_filter(year, state))
    if search and len(search.strip()) > MAX_SEARCH_LENGTH:
        raise invalid("search", f"La recherche compte {MAX_SEARCH_LENGTH} caractères au plus.")
    searched = bool(search and search.strip())
    if searched:
        query = query.filter(_search_filter(search))
    # The total and each row's state come with the page, in its statement.
    counting = await counters.counting(ctx, year, state, query if searched else None)
    return await paginate(query.select_related("housing"), TENANT_ORDER, first, after, counting)


async def declaration_states(tenant_ids: list[int], year: int) -> dict[int, DeclarationState]:
    """Each tenant's state for the campaign in one query (absent = non saisi), read as plain
    values: a page needs two columns, not 50 declaration objects."""
    rows = await RentDeclaration.filter(tenant_id__in=tenant_ids, year=year).values_list(
        "tenant_id", "state"
    )
    return {tenant_id: DeclarationState(state) for tenant_id, state in rows}


async def get_tenant(ctx: Context, tenant_id: int, act: Act = Act.READ) -> Tenant:
    """One tenant, or NOT_FOUND alike whether it is missing or outside the caller's scope."""
    tenant = await Tenant.get_or_none(id=tenant_id).select_related("housing")
    if tenant is None or not await can_on_tenant(ctx, act, tenant):
        raise NotFound("Locataire introuvable.")
    return tenant


async def can_on_tenant(ctx: Context, act: Act, tenant: Tenant) -> bool:
    h = tenant.housing
    return await ctx.guard.can(act, h.organisation_id, h.housing_type.value, h.departement)


async def campaign_counts(ctx: Context, year: int) -> tuple[int, int]:
    """(tenants visible, of which transmitted) for the campaign of `year`, from the counters."""
    figures = await counters.campaign(await ctx.guard.scope(Act.READ), year)
    return figures.total, figures.transmitted
