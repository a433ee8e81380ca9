"""« Consulter mes paiements »: read-only, scoped like the tenants they were paid for."""

from __future__ import annotations

from datetime import date
from typing import Any

from models import Payment
from policies.vocabulary import Act
from resolvers.shared.context import Context
from resolvers.shared.pagination import Page, paginate

PAYMENT_ORDER = ("month", "id")


async def list_payments(
    ctx: Context,
    first: int,
    after: list[Any] | None,
    tenant_id: int | None = None,
    from_month: date | None = None,
    to_month: date | None = None,
) -> Page[Payment]:
    scope = await ctx.guard.scope(Act.READ)
    # On the scope columns the tenant row carries: one join less than through its housing.
    query = Payment.filter(scope.housing_filter("tenant__"))
    if tenant_id is not None:
        query = query.filter(tenant_id=tenant_id)
    if from_month is not None:
        query = query.filter(month__gte=from_month.replace(day=1))
    if to_month is not None:
        query = query.filter(month__lte=to_month.replace(day=1))
    return await paginate(query.select_related("tenant__housing"), PAYMENT_ORDER, first, after)
