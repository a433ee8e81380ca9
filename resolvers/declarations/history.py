"""What was declared, newest first: rent declarations, change declarations and unpaid-rent
reports, per tenant or over the organisation, scoped like the tenants list (the caller's READ
scope, one SQL condition) and paged by keyset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from tortoise.models import Model
from tortoise.queryset import QuerySet

from models import ChangeDeclaration, Receipt, RentDeclaration, UnpaidRentReport
from models.enums import ChangeKind, DeclarationState
from policies.vocabulary import Act
from resolvers.shared import french
from resolvers.shared.clock import end_of
from resolvers.shared.context import Context
from resolvers.shared.errors import invalid
from resolvers.shared.pagination import Page, paginate

# Newest first: ids grow with time, so the primary key alone is the keyset of a history.
NEWEST_FIRST = ("-id",)
RENT_ORDER = ("-year", "-id")


@dataclass(frozen=True)
class Period:
    """Inclusive bounds on a date; either may be missing."""

    start: date | None = None
    end: date | None = None

    def check(self, start_field: str = "from", end_field: str = "to") -> Period:
        if self.start and self.end and self.start > self.end:
            raise invalid(
                start_field,
                f"La date de début ({french.day(self.start)}) est postérieure à la date de fin "
                f"({french.day(self.end)}) : inversez-les.",
            )
        return self

    def declared(self) -> dict[str, datetime]:
        """A filter on `created_at`: from the first day's start to the last day's end (UTC)."""
        found: dict[str, datetime] = {}
        if self.start:
            found["created_at__gte"] = datetime.combine(self.start, time.min, tzinfo=UTC)
        if self.end:
            found["created_at__lt"] = end_of(self.end)
        return found


async def _visible(ctx: Context, model: type[Model], tenant_id: int | None) -> QuerySet:
    scope = await ctx.guard.scope(Act.READ)
    query = model.filter(scope.housing_filter("tenant__housing__"))
    if tenant_id is not None:
        query = query.filter(tenant_id=tenant_id)
    return query.select_related("tenant__housing")


async def list_rent_declarations(
    ctx: Context, first: int, after: list[Any] | None, tenant_id: int | None = None,
    year: int | None = None, state: DeclarationState | None = None,
) -> Page[RentDeclaration]:
    query = await _visible(ctx, RentDeclaration, tenant_id)
    if year is not None:
        query = query.filter(year=year)
    if state is not None:
        query = query.filter(state=state)
    return await paginate(query, RENT_ORDER, first, after)


async def list_change_declarations(
    ctx: Context, first: int, after: list[Any] | None, tenant_id: int | None = None,
    kinds: list[ChangeKind] | None = None, period: Period = Period(),
) -> Page[ChangeDeclaration]:
    query = (await _visible(ctx, ChangeDeclaration, tenant_id)).filter(**period.check().declared())
    if kinds:
        query = query.filter(kind__in=kinds)
    return await paginate(query, NEWEST_FIRST, first, after)


async def list_unpaid_reports(
    ctx: Context, first: int, after: list[Any] | None, tenant_id: int | None = None,
    period: Period = Period(), constituted: bool | None = None,
) -> Page[UnpaidRentReport]:
    query = (await _visible(ctx, UnpaidRentReport, tenant_id)).filter(**period.check().declared())
    if constituted is not None:
        query = query.filter(constituted=constituted)
    return await paginate(query, NEWEST_FIRST, first, after)


async def receipts_of(kind: str, ids: list[int]) -> dict[int, Receipt]:
    """The stored receipts of a page's rows, in one query (their references, not their PDFs)."""
    if not ids:
        return {}
    rows = await Receipt.filter(kind=kind, target_id__in=ids).only("id", "target_id", "reference")
    return {r.target_id: r for r in rows}


async def previous_transmitted(
    rows: list[RentDeclaration],
) -> dict[int, RentDeclaration | None]:
    """For each declaration, its tenant's latest declaration transmitted for an earlier
    campaign (the « dernières informations connues »), read for a whole page in one query."""
    if not rows:
        return {}
    earlier = await RentDeclaration.filter(
        tenant_id__in={r.tenant_id for r in rows}, state=DeclarationState.TRANSMIS,
        year__lt=max(r.year for r in rows),
    ).order_by("-year")
    return {
        r.id: next((p for p in earlier if p.tenant_id == r.tenant_id and p.year < r.year), None)
        for r in rows
    }
