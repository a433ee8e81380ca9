"""« Déclarer un changement » and « Signaler un impayé »."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from models.enums import ChangeKind as ChangeKindEnum
from resolvers.declarations import changes, unpaid
from schema.common import decode_id
from schema.declarations.repayment import RepaymentFollowUp, report_follow_up
from schema.declarations.tenant_nodes import tenant_node
from schema.declarations.tenants import DECLARABLE, Tenant
from schema.info import Info
from schema.permissions import Authenticated
from schema.read_rules import OF_TENANT, readable_by

ChangeKind = ChangeKindEnum  # marked as a GraphQL enum in place (see schema.common)
strawberry.enum(
    ChangeKind,
    description=(
        "Départ du locataire, fin de gestion, nombre de colocataires, non-décence du logement."
    ),
)


@strawberry.enum(description="Motif d'une fin de gestion.")
class EndOfManagementReason(Enum):
    VENTE = "vente"
    DECES = "deces"
    FIN_MANDAT = "fin_mandat"


@strawberry.input(description="Un changement à déclarer pour un locataire.")
class DeclareChangeInput:
    tenant_id: strawberry.ID = strawberry.field(description="Le locataire concerné.")
    kind: ChangeKind = strawberry.field(description="La nature du changement.")
    event_date: date = strawberry.field(description="Date du départ, de la fin de gestion, etc.")
    reason: EndOfManagementReason | None = strawberry.field(
        default=None, description="Motif, pour une fin de gestion seulement."
    )
    co_tenant_count: int | None = strawberry.field(
        default=None, description="Nouveau nombre de colocataires, pour ce changement seulement."
    )
    comment: str | None = strawberry.field(default=None, description="Précisions libres.")


@readable_by(OF_TENANT)
@strawberry.type(description="Un changement déclaré à la Caf.")
class ChangeDeclaration:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque.")
    tenant: Tenant = strawberry.field(description="Le locataire concerné.")
    kind: ChangeKind = strawberry.field(description="La nature du changement.")
    event_date: date = strawberry.field(description="Date du changement.")
    reason: EndOfManagementReason | None = strawberry.field(description="Motif de fin de gestion.")
    co_tenant_count: int | None = strawberry.field(description="Nouveau nombre de colocataires.")
    comment: str | None = strawberry.field(description="Précisions libres.")
    late: bool = strawberry.field(description="Départ déclaré après le délai d'un mois.")
    new_address: str | None = strawberry.field(
        description="Départ : nouvelle adresse du locataire (nulle si inconnue ou autre "
        "changement)."
    )
    departure_month_rent_paid_in_full: bool | None = strawberry.field(
        description="Départ : le loyer du mois de départ a-t-il été payé en entier ? (nul si "
        "non renseigné — déclaration faite par declareChange — ou autre changement)."
    )
    departure_month_benefit_due: bool | None = strawberry.field(
        description="Départ : l'aide du mois de départ reste-t-elle due au bailleur ? Vrai si le "
        "loyer de ce mois a été payé en entier, faux sinon, nul si non renseigné."
    )
    benefit_held_until: date | None = strawberry.field(
        description="Non-décence : date jusqu'à laquelle la Caf conserve l'aide (18 mois par "
        "défaut après le constat), versée au bailleur si les travaux sont faits à temps, perdue "
        "sinon. Nulle pour les autres changements."
    )
    notices: list[str] = strawberry.field(description="Ce que le bailleur doit savoir.")
    declared_at: datetime = strawberry.field(description="Date et heure de la déclaration.")
    reference: str | None = strawberry.field(
        description="Référence imprimée sur l'accusé de réception (nulle pour une déclaration "
        "antérieure aux accusés)."
    )
    receipt_url: str | None = strawberry.field(
        description="L'accusé de réception PDF, rendu à la déclaration et servi tel quel."
    )


@strawberry.input(description="Un impayé de loyer à signaler.")
class ReportUnpaidRentInput:
    tenant_id: strawberry.ID = strawberry.field(description="Le locataire concerné.")
    amount_owed_cents: int = strawberry.field(
        description="Montant dû, en centimes, supérieur à 0 (0 est refusé : sans dette, rien "
        "à signaler)."
    )
    months: int = strawberry.field(
        description="Nombre de mois impayés, de 1 au nombre de mois écoulés depuis unpaidSince."
    )
    unpaid_since: date = strawberry.field(
        description="Impayé depuis le (première échéance impayée ; pas après aujourd'hui)."
    )
    rent_cents: int | None = strawberry.field(
        default=None, description="Loyer mensuel hors charges, en centimes, supérieur à 0 ; nul : "
        "celui de la dernière déclaration transmise, à défaut le dernier connu de la Caf."
    )
    charges_cents: int | None = strawberry.field(
        default=None,
        description="Charges mensuelles, en centimes : 0 s'il n'y en a pas ; nul : celles de la "
        "dernière déclaration transmise (demandées s'il n'y en a pas)."
    )
    benefit_paid_to_landlord: bool = strawberry.field(
        default=True,
        description="L'aide est-elle versée au bailleur (tiers payant) ? Oui (par défaut) : "
        "le seuil déduit l'aide connue du locataire ; non : 2 × (loyer + charges)."
    )


@readable_by(OF_TENANT)
@strawberry.type(description="Un signalement d'impayé et ce que le service en conclut.")
class UnpaidRentReport:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque.")
    tenant: Tenant = strawberry.field(description="Le locataire concerné.")
    amount_owed_cents: int = strawberry.field(description="Montant dû, en centimes.")
    months: int = strawberry.field(description="Nombre de mois impayés.")
    unpaid_since: date = strawberry.field(description="Impayé depuis le.")
    threshold_cents: int = strawberry.field(
        description="Seuil de constitution : 2 × (loyer + charges − aide versée au bailleur)."
    )
    constituted: bool = strawberry.field(description="L'impayé est-il constitué ?")
    constituted_on: date | None = strawberry.field(description="Date estimée de constitution.")
    report_deadline: date | None = strawberry.field(description="Date limite de signalement.")
    late: bool = strawberry.field(description="Le délai de signalement est-il dépassé ?")
    message: str = strawberry.field(description="L'explication, en français.")
    reference: str | None = strawberry.field(
        description="Référence imprimée sur l'accusé de réception (nul pour un signalement "
        "antérieur aux accusés)."
    )
    receipt_url: str | None = strawberry.field(
        description="L'accusé de réception PDF, rendu au signalement et servi tel quel."
    )

    @strawberry.field(
        description="Le plan d'apurement que la Caf demande après le signalement : état, date "
        "limite, plan transmis et rappels."
    )
    async def repayment(self, info: Info) -> RepaymentFollowUp:
        return await report_follow_up(info, self.id, self.tenant)


def change_node(ctx, row, tenant: Tenant, receipt) -> ChangeDeclaration:
    s = ctx.settings
    return ChangeDeclaration(
        id=strawberry.ID(str(row.id)),
        tenant=tenant,
        kind=row.kind,
        event_date=row.event_date,
        reason=EndOfManagementReason(row.reason) if row.reason else None,
        co_tenant_count=row.co_tenant_count,
        comment=row.comment,
        late=row.late,
        new_address=row.new_address,
        departure_month_rent_paid_in_full=row.departure_month_paid,
        departure_month_benefit_due=changes.departure_month_benefit_due(row),
        benefit_held_until=changes.benefit_held_until(row, s.non_decency_hold_months),
        notices=changes.notices(row, s.departure_notice_days, s.non_decency_hold_months),
        declared_at=row.created_at,
        reference=receipt.reference if receipt else None,
        receipt_url=f"/receipts/changes/{row.id}.pdf" if receipt else None,
    )


def unpaid_node(ctx, row, tenant: Tenant, receipt, a: unpaid.Assessment) -> UnpaidRentReport:
    s = ctx.settings
    return UnpaidRentReport(
        id=strawberry.ID(str(row.id)),
        tenant=tenant,
        amount_owed_cents=row.amount_owed_cents,
        months=row.months,
        unpaid_since=row.unpaid_since,
        threshold_cents=a.threshold_cents,
        constituted=a.constituted,
        constituted_on=a.constituted_on,
        report_deadline=a.deadline,
        late=a.late,
        message=unpaid.explain_unpaid_rent(
            row, a, s.unpaid_threshold_months, s.unpaid_report_months
        ),
        reference=receipt.reference if receipt else None,
        receipt_url=f"/receipts/unpaid/{row.id}.pdf" if receipt else None,
    )


@strawberry.type
class ChangeMutation:
    @strawberry.mutation(
        description="Déclare un changement (départ, fin de gestion, colocataires, non-décence). "
        + DECLARABLE,
        permission_classes=[Authenticated],
    )
    async def declare_change(
        self, info: Info, input: DeclareChangeInput
    ) -> ChangeDeclaration:  # noqa: A002
        ctx = info.context
        row, receipt = await changes.declare_change(
            ctx,
            changes.ChangeRequest(
                tenant_id=decode_id(input.tenant_id),
                kind=input.kind,
                event_date=input.event_date,
                reason=input.reason.value if input.reason else None,
                co_tenant_count=input.co_tenant_count,
                comment=input.comment,
            ),
        )
        return change_node(ctx, row, await tenant_node(ctx, row.tenant), receipt)

    @strawberry.mutation(
        description="Signale un impayé ; dit s'il est constitué et jusqu'à quand le signaler. "
        + DECLARABLE,
        permission_classes=[Authenticated],
    )
    async def report_unpaid_rent(
        self, info: Info, input: ReportUnpaidRentInput
    ) -> UnpaidRentReport:  # noqa: A002
        ctx = info.context
        row, a, receipt = await unpaid.report_unpaid_rent(
            ctx,
            unpaid.UnpaidRequest(
                tenant_id=decode_id(input.tenant_id),
                amount_owed_cents=input.amount_owed_cents,
                months=input.months,
                unpaid_since=input.unpaid_since,
                rent_cents=input.rent_cents,
                charges_cents=input.charges_cents,
                benefit_paid_to_landlord=input.benefit_paid_to_landlord,
            ),
        )
        return unpaid_node(ctx, row, await tenant_node(ctx, row.tenant), receipt, a)
