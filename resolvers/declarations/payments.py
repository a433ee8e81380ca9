"""« Consulter mes paiements »: read-only, scoped like the tenants they were paid for."""

from __future__ import annotations

from datetime import date
from typing import Any

from models import Payment
from policies.vocabulary import Act
from resolvers.shared import french
from resolvers.shared.context import Context
from resolvers.shared.errors import invalid
from resolvers.shared.pagination import Page, paginate

# Newest month of entitlement first (the landlord looks for the last payments); the oldest first
# on request.
NEWEST_FIRST = ("-month", "-id")
OLDEST_FIRST = ("month", "id")


async def list_payments(
    ctx: Context,
    first: int,
    after: list[Any] | None,
    tenant_id: int | None = None,
    from_month: date | None = None,
    to_month: date | None = None,
    newest_first: bool = True,
) -> Page[Payment]:
    from_month = from_month and from_month.replace(day=1)
    to_month = to_month and to_month.replace(day=1)
    if from_month and to_month and from_month > to_month:
        raise invalid("fromMonth", (
            f"Le mois de début ({french.month(from_month.year, from_month.month)}) est postérieur "
            f"au mois de fin ({french.month(to_month.year, to_month.month)}) : inversez-les."
        ))
    scope = await ctx.guard.scope(Act.READ)
    # On the scope columns the tenant row carries: one join less than through its housing.
    query = Payment.filter(scope.housing_filter("tenant__"))
    if tenant_id is not None:
        query = query.filter(tenant_id=tenant_id)
    if from_month is not None:
        query = query.filter(month__gte=from_month)
    if to_month is not None:
        query = query.filter(month__lte=to_month)
    order = NEWEST_FIRST if newest_first else OLDEST_FIRST
    return await paginate(query.select_related("tenant__housing"), order, first, after)
