"""Payments of housing benefit to the landlord (read-only)."""

from __future__ import annotations

from datetime import date

import strawberry

from models import Payment as PaymentRow
from resolvers.declarations import payments as resolve
from resolvers.declarations.tenants import get_tenant
from resolvers.shared import french
from schema.common import (
    Connection,
    check_page_size,
    connection_of,
    decode_cursor,
    decode_id,
)
from schema.declarations.tenant_nodes import tenant_nodes
from schema.declarations.tenants import Tenant
from schema.info import Info
from schema.permissions import Authenticated
from schema.read_rules import OF_TENANT, readable_by


@readable_by(OF_TENANT)
@strawberry.type(description="Un versement d'aide au logement au bailleur.")
class Payment:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque.")
    tenant: Tenant = strawberry.field(description="Le locataire au titre duquel l'aide est versée.")
    month: date = strawberry.field(description="Mois de droit (premier jour du mois).")
    month_label: str = strawberry.field(description="Mois de droit (« 06/2026 »).")
    paid_on: date = strawberry.field(description="Date du versement.")
    amount_cents: int = strawberry.field(description="Montant versé, en centimes.")
    amount: str = strawberry.field(description="Montant versé (« 210,00 € »).")

    @classmethod
    def from_row(cls, row: PaymentRow, tenant: Tenant) -> Payment:
        return cls(
            id=strawberry.ID(str(row.id)),
            tenant=tenant,
            month=row.month,
            month_label=french.month(row.month.year, row.month.month),
            paid_on=row.paid_on,
            amount_cents=row.amount_cents,
            amount=french.euros(row.amount_cents),
        )


@strawberry.input(description="Filtre des paiements.")
class PaymentFilter:
    tenant_id: strawberry.ID | None = strawberry.field(
        default=None, description="Un seul locataire."
    )
    from_month: date | None = strawberry.field(
        default=None, description="À partir de ce mois de droit (n'importe quel jour du mois)."
    )
    to_month: date | None = strawberry.field(
        default=None, description="Jusqu'à ce mois de droit inclus (n'importe quel jour du mois)."
    )


@strawberry.type
class PaymentQuery:
    @strawberry.field(
        description=(
            "Les paiements reçus pour les locataires visibles par l'appelant, par mois de droit."
        ),
        permission_classes=[Authenticated],
    )
    async def payments(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        filter: PaymentFilter | None = None,  # noqa: A002
    ) -> Connection[Payment]:
        ctx = info.context
        check_page_size(first, ctx.settings.max_page_size)
        f = filter or PaymentFilter()
        tenant_id = None
        if f.tenant_id is not None:  # a tenant out of scope is NOT_FOUND, as a missing one
            tenant_id = (await get_tenant(ctx, decode_id(f.tenant_id))).id
        page = await resolve.list_payments(
            ctx,
            first,
            decode_cursor(after) if after else None,
            tenant_id=tenant_id,
            from_month=f.from_month,
            to_month=f.to_month,
        )
        tenants = await tenant_nodes(ctx, [row.tenant for row in page.rows])
        nodes = [Payment.from_row(r, t) for r, t in zip(page.rows, tenants, strict=True)]
        return connection_of(page, nodes)
