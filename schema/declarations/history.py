"""The history of what was declared, as Relay connections, newest first: over the organisation
(root fields) and per tenant (fields of `Tenant`). Lists are scoped like `tenants` (the caller's
READ rights, in SQL) and each node is checked again by its type's read rule."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from models.enums import DeclarationState
from resolvers.declarations import history, unpaid
from resolvers.declarations.receipts import CHANGE, UNPAID
from resolvers.declarations.tenants import get_tenant
from resolvers.shared.context import Context
from resolvers.shared.pagination import Page
from schema.common import Connection, check_page_size, connection_of, decode_cursor, decode_id
from schema.declarations.changes import (
    ChangeDeclaration,
    ChangeKind,
    UnpaidRentReport,
    change_node,
    unpaid_node,
)
from schema.declarations.rent import RentDeclaration, declaration_nodes
from schema.declarations.tenant_nodes import tenant_nodes
from schema.info import Info
from schema.permissions import Authenticated
from schema.read_rules import PAGE, readable_by

FROM = "Déclarés à partir de ce jour inclus (nul : depuis le premier)."
TO = "Déclarés jusqu'à ce jour inclus (nul : jusqu'au dernier) ; avant « from » : BAD_USER_INPUT."
TENANT = "Un seul locataire (nul : tous ; NOT_FOUND s'il est hors habilitation)."


@strawberry.input(description="Filtre de l'historique des déclarations de loyer.")
class RentDeclarationFilter:
    tenant_id: strawberry.ID | None = strawberry.field(default=None, description=TENANT)
    year: int | None = strawberry.field(
        default=None, description="Une seule campagne (nul : toutes)."
    )
    state: DeclarationState | None = strawberry.field(
        default=None, description="Un seul état (nul : tous)."
    )


@strawberry.input(description="Filtre de l'historique des changements déclarés.")
class ChangeDeclarationFilter:
    tenant_id: strawberry.ID | None = strawberry.field(default=None, description=TENANT)
    kinds: list[ChangeKind] | None = strawberry.field(
        default=None, description="Seulement ces natures de changement (nul ou vide : toutes)."
    )
    from_: date | None = strawberry.field(default=None, name="from", description=FROM)
    to: date | None = strawberry.field(default=None, description=TO)


@strawberry.input(description="Filtre de l'historique des signalements d'impayé.")
class UnpaidRentReportFilter:
    tenant_id: strawberry.ID | None = strawberry.field(default=None, description=TENANT)
    from_: date | None = strawberry.field(default=None, name="from", description=FROM)
    to: date | None = strawberry.field(default=None, description=TO)
    constituted: bool | None = strawberry.field(
        default=None, description="Seulement les impayés constitués (vrai) ou non (faux)."
    )


async def _tenant_id(ctx: Context, given: strawberry.ID | None) -> int | None:
    # A tenant out of scope is NOT_FOUND, as a missing one (as for payments).
    return None if given is None else (await get_tenant(ctx, decode_id(given))).id


def _paging(ctx: Context, first: int, after: str | None):
    check_page_size(first, ctx.settings.max_page_size)
    return decode_cursor(after) if after else None


def _named(cls, page: Page, nodes: list) -> Any:
    """The generic connection, as the named subclass the field declares."""
    found = connection_of(page, nodes)
    return cls(edges=found.edges, page_info=found.page_info, total_count=found.total_count)


async def rent_connection(ctx: Context, page: Page) -> RentDeclarationConnection:
    return _named(RentDeclarationConnection, page, await declaration_nodes(ctx, page.rows))


async def change_connection(ctx: Context, page: Page) -> ChangeDeclarationConnection:
    tenants = await tenant_nodes(ctx, [r.tenant for r in page.rows])
    stored = await history.receipts_of(CHANGE, [r.id for r in page.rows])
    nodes = [change_node(ctx, r, t, stored.get(r.id))
             for r, t in zip(page.rows, tenants, strict=True)]
    return _named(ChangeDeclarationConnection, page, nodes)


def _assessment(ctx: Context, row) -> unpaid.Assessment:
    """What was concluded when the report was made (stored amounts, the day of the report)."""
    s = ctx.settings
    return unpaid.assess(row.amount_owed_cents, row.months, row.unpaid_since, row.rent_cents,
                         row.charges_cents, row.benefit_cents, s.unpaid_threshold_months,
                         s.unpaid_report_months, row.created_at.date())


async def unpaid_connection(ctx: Context, page: Page) -> UnpaidRentReportConnection:
    tenants = await tenant_nodes(ctx, [r.tenant for r in page.rows])
    stored = await history.receipts_of(UNPAID, [r.id for r in page.rows])
    nodes = [unpaid_node(ctx, r, t, stored.get(r.id), _assessment(ctx, r))
             for r, t in zip(page.rows, tenants, strict=True)]
    return _named(UnpaidRentReportConnection, page, nodes)


# Named subclasses (the names Strawberry would give the generic ones): `Tenant` refers to them
# lazily, by name, which a generic alias cannot be.
PAGE_OF = "Une page d'une liste, au sens des connexions Relay."


@readable_by(PAGE)
@strawberry.type(description=PAGE_OF)
class RentDeclarationConnection(Connection[RentDeclaration]):
    pass


@readable_by(PAGE)
@strawberry.type(description=PAGE_OF)
class ChangeDeclarationConnection(Connection[ChangeDeclaration]):
    pass


@readable_by(PAGE)
@strawberry.type(description=PAGE_OF)
class UnpaidRentReportConnection(Connection[UnpaidRentReport]):
    pass


def _of(tenant) -> int:
    return int(tenant.id)


async def tenant_rent_declarations(ctx: Context, tenant, first: int, after: str | None,
                                   year: int | None) -> RentDeclarationConnection:
    page = await history.list_rent_declarations(
        ctx, first, _paging(ctx, first, after), _of(tenant), year)
    return await rent_connection(ctx, page)


async def tenant_change_declarations(ctx: Context, tenant, first: int, after: str | None,
                                     kinds) -> ChangeDeclarationConnection:
    page = await history.list_change_declarations(
        ctx, first, _paging(ctx, first, after), _of(tenant), kinds)
    return await change_connection(ctx, page)


async def tenant_unpaid_reports(ctx: Context, tenant, first: int,
                                after: str | None) -> UnpaidRentReportConnection:
    page = await history.list_unpaid_reports(ctx, first, _paging(ctx, first, after), _of(tenant))
    return await unpaid_connection(ctx, page)


@strawberry.type
class HistoryQuery:
    @strawberry.field(
        description="L'historique des déclarations de loyer des locataires visibles, de la "
        "campagne la plus récente à la plus ancienne.",
        permission_classes=[Authenticated],
    )
    async def rent_declarations(
        self, info: Info, first: int = 50, after: str | None = None,
        filter: RentDeclarationFilter | None = None,  # noqa: A002
    ) -> RentDeclarationConnection:
        ctx, f = info.context, filter or RentDeclarationFilter()
        start = _paging(ctx, first, after)
        page = await history.list_rent_declarations(
            ctx, first, start, await _tenant_id(ctx, f.tenant_id), f.year, f.state)
        return await rent_connection(ctx, page)

    @strawberry.field(
        description="L'historique des changements déclarés pour les locataires visibles, le "
        "plus récent d'abord.",
        permission_classes=[Authenticated],
    )
    async def change_declarations(
        self, info: Info, first: int = 50, after: str | None = None,
        filter: ChangeDeclarationFilter | None = None,  # noqa: A002
    ) -> ChangeDeclarationConnection:
        ctx, f = info.context, filter or ChangeDeclarationFilter()
        start = _paging(ctx, first, after)
        page = await history.list_change_declarations(
            ctx, first, start, await _tenant_id(ctx, f.tenant_id), f.kinds,
            history.Period(f.from_, f.to))
        return await change_connection(ctx, page)

    @strawberry.field(
        description="L'historique des signalements d'impayé pour les locataires visibles, le "
        "plus récent d'abord.",
        permission_classes=[Authenticated],
    )
    async def unpaid_rent_reports(
        self, info: Info, first: int = 50, after: str | None = None,
        filter: UnpaidRentReportFilter | None = None,  # noqa: A002
    ) -> UnpaidRentReportConnection:
        ctx, f = info.context, filter or UnpaidRentReportFilter()
        start = _paging(ctx, first, after)
        page = await history.list_unpaid_reports(
            ctx, first, start, await _tenant_id(ctx, f.tenant_id),
            history.Period(f.from_, f.to), f.constituted)
        return await unpaid_connection(ctx, page)
