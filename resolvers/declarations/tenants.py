"""Tenants the caller may see: the list (filtered in SQL by the scope) and one by id."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from tortoise.expressions import Q, Subquery

from models import RentDeclaration, Tenant
from models.enums import DeclarationState
from models.tenant_copies import normalise
from policies.vocabulary import Act
from resolvers.declarations import counters
from resolvers.declarations.tenant_pages import ORDER as TENANT_ORDER
from resolvers.declarations.tenant_pages import read_page
from resolvers.shared.context import Context
from resolvers.shared.errors import NotFound, invalid
from resolvers.shared.pagination import Page, parse_cursor

# Longer than any searched column: nothing could match, and SQLite refuses LIKE patterns over
# 50,000 bytes (an internal error rather than an answer).
MAX_SEARCH_LENGTH = 100
# A trigram index answers from three characters on; fewer would read the whole scope.
MIN_SEARCH_LENGTH = 3
# A row's cursor (pagination.row_key's values: names and an id, nothing to convert).
_key = attrgetter(*TENANT_ORDER)


async def visible_tenants(ctx: Context, act: Act = Act.READ):
    """The one SQL condition behind every list of tenants (and of what hangs on them), on the
    scope columns the tenant row carries (no join to its housing)."""
    scope = await ctx.guard.scope(act)
    return Tenant.filter(scope.housing_filter())


def _declared(year: int, state: DeclarationState) -> Subquery:
    return Subquery(RentDeclaration.filter(year=year, state=state).values("tenant_id"))


def _state_filter(year: int, state: DeclarationState) -> Q:
    if state == DeclarationState.NON_SAISI:
        return ~Q(id__in=Subquery(
            RentDeclaration.filter(year=year).exclude(state=DeclarationState.NON_SAISI)
            .values("tenant_id")
        ))
    return Q(id__in=_declared(year, state))


def search_term(search: str | None) -> str | None:
    """The normalised text searched (None: no search), or BAD_USER_INPUT if out of bounds."""
    if search is None or not search.strip():
        return None
    if len(search.strip()) > MAX_SEARCH_LENGTH:
        raise invalid("search", f"La recherche compte {MAX_SEARCH_LENGTH} caractères au plus.")
    term = normalise(search)
    if len(term) < MIN_SEARCH_LENGTH:
        raise invalid("search", f"La recherche compte au moins {MIN_SEARCH_LENGTH} lettres "
                                "ou chiffres.")
    return term


async def list_tenants(
    ctx: Context,
    first: int,
    after: list[Any] | None,
    year: int,
    state: DeclarationState | None = None,
    search: str | None = None,
) -> Page[Tenant]:
    term = search_term(search)
    start = None if after is None else parse_cursor(Tenant, TENANT_ORDER, after)
    scope = await ctx.guard.scope(Act.READ)
    query = Tenant.filter(scope.housing_filter())
    if state is not None:
        query = query.filter(_state_filter(year, state))
    if term is not None:
        query = query.filter(search_text__contains=term)
    # The total (counters; a search's counted up to its cap) and each row's state are read by
    # the page's own statement (tenant_pages); only an empty page after a cursor asks again.
    counting = await counters.counting(ctx, year, state, query if term is not None else None)
    rows = [] if scope.organisation_id is None else await read_page(
        scope.organisation_id, scope.arms(), first + 1, start, year, state, term)
    total, exact = await counting.total(rows, resumed=after is not None)
    return Page(rows=rows[:first], has_next=len(rows) > first, total=total,
                keys=[list(_key(r)) for r in rows[:first]], total_exact=exact)


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
