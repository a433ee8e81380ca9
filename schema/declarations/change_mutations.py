"""« Déclarer un changement », one typed mutation per change the agency asks for. Each input
carries only its own questions (so a client cannot send a motive with a departure); all go
through the same domain function as `declareChange`, which stays for existing clients."""

from __future__ import annotations

from datetime import date

import strawberry

from models.enums import ChangeKind
from resolvers.declarations import changes
from schema.common import decode_id
from schema.declarations.changes import ChangeDeclaration, EndOfManagementReason, change_node
from schema.declarations.tenant_nodes import tenant_node
from schema.declarations.tenants import DECLARABLE
from schema.info import Info
from schema.permissions import Authenticated

COMMENT = "Précisions libres (1 000 caractères au plus ; nul : aucune)."
AUDITED = " Tracé au journal d'audit, avec un accusé de réception (reference, receiptUrl). "


@strawberry.input(description="Le départ d'un locataire (à déclarer dans le mois).")
class TenantDepartureInput:
    tenant_id: strawberry.ID = strawberry.field(description="Le locataire qui part.")
    departure_date: date = strawberry.field(
        description="Date du départ : pas après aujourd'hui ni avant l'entrée dans le logement. "
        "Déclaré plus d'un mois après (31 jours par défaut), il est accepté et marqué en retard. "
        "L'historique du logement (réponses de l'auditeur à un instant) date le départ du DÉBUT "
        "de ce jour à Paris (Europe/Paris) ; le bailleur garde l'accès au dossier du locataire."
    )
    departure_month_rent_paid_in_full: bool = strawberry.field(
        description="Le loyer du mois de départ a-t-il été payé en entier ? Oui : l'aide de ce "
        "mois reste due au bailleur ; non : elle ne l'est pas."
    )
    new_address: str | None = strawberry.field(
        default=None,
        description="Nouvelle adresse du locataire, si connue (300 caractères au plus) ; nulle : "
        "inconnue.",
    )
    comment: str | None = strawberry.field(default=None, description=COMMENT)


@strawberry.input(description="La fin de la gestion du logement par le bailleur.")
class EndOfManagementInput:
    tenant_id: strawberry.ID = strawberry.field(description="Le locataire du logement concerné.")
    end_date: date = strawberry.field(
        description="Date de fin de gestion (pas après aujourd'hui ni avant l'entrée du locataire)."
    )
    reason: EndOfManagementReason = strawberry.field(
        description="Motif : vente du logement, décès, fin du mandat de gestion."
    )
    comment: str | None = strawberry.field(default=None, description=COMMENT)


@strawberry.input(description="Un changement du nombre de colocataires.")
class CoTenantChangeInput:
    tenant_id: strawberry.ID = strawberry.field(description="Le locataire concerné.")
    change_date: date = strawberry.field(
        description="Date du changement (pas après aujourd'hui ni avant l'entrée)."
    )
    co_tenant_count: int = strawberry.field(
        description="Nouveau nombre de colocataires, de 0 (fin de la colocation) au maximum "
        "(20 par défaut) ; différent du dernier connu de la Caf."
    )
    comment: str | None = strawberry.field(default=None, description=COMMENT)


@strawberry.input(description="Un logement non décent.")
class NonDecentHousingInput:
    tenant_id: strawberry.ID = strawberry.field(description="Le locataire du logement concerné.")
    noticed_on: date = strawberry.field(
        description="Date du constat de non-décence (pas après aujourd'hui ni avant l'entrée)."
    )
    comment: str | None = strawberry.field(
        default=None, description="Ce qui rend le logement non décent, travaux prévus. " + COMMENT
    )


async def _declared(info: Info, req: changes.ChangeRequest) -> ChangeDeclaration:
    ctx = info.context
    row, receipt = await changes.declare_change(ctx, req)
    return change_node(ctx, row, await tenant_node(ctx, row.tenant), receipt)


@strawberry.type
class TypedChangeMutation:
    @strawberry.mutation(
        description="Déclare le départ d'un locataire, une seule fois (un second départ du même "
        "locataire : CONFLICT, à corriger auprès de la Caf) ; dit si l'aide du mois de départ "
        "reste due." + AUDITED + DECLARABLE,
        permission_classes=[Authenticated],
    )
    async def declare_tenant_departure(
        self, info: Info, input: TenantDepartureInput  # noqa: A002
    ) -> ChangeDeclaration:
        return await _declared(info, changes.ChangeRequest(
            tenant_id=decode_id(input.tenant_id), kind=ChangeKind.DEPART,
            event_date=input.departure_date, date_field="departureDate", comment=input.comment,
            new_address=input.new_address.strip() if input.new_address is not None else None,
            departure_month_paid=input.departure_month_rent_paid_in_full,
        ))

    @strawberry.mutation(
        description="Déclare la fin de gestion du logement (vente, décès, fin de mandat)."
        + AUDITED + DECLARABLE,
        permission_classes=[Authenticated],
    )
    async def declare_end_of_management(
        self, info: Info, input: EndOfManagementInput  # noqa: A002
    ) -> ChangeDeclaration:
        return await _declared(info, changes.ChangeRequest(
            tenant_id=decode_id(input.tenant_id), kind=ChangeKind.FIN_GESTION,
            event_date=input.end_date, date_field="endDate", reason=input.reason.value,
            comment=input.comment,
        ))

    @strawberry.mutation(
        description="Déclare un nouveau nombre de colocataires." + AUDITED + DECLARABLE,
        permission_classes=[Authenticated],
    )
    async def declare_co_tenant_change(
        self, info: Info, input: CoTenantChangeInput  # noqa: A002
    ) -> ChangeDeclaration:
        return await _declared(info, changes.ChangeRequest(
            tenant_id=decode_id(input.tenant_id), kind=ChangeKind.COLOCATAIRES,
            event_date=input.change_date, date_field="changeDate",
            co_tenant_count=input.co_tenant_count,
            comment=input.comment,
        ))

    @strawberry.mutation(
        description="Déclare un logement non décent ; la réponse dit jusqu'à quand la Caf "
        "conserve l'aide (benefitHeldUntil : 18 mois par défaut), versée si les travaux sont "
        "faits à temps, perdue sinon." + AUDITED + DECLARABLE,
        permission_classes=[Authenticated],
    )
    async def declare_non_decent_housing(
        self, info: Info, input: NonDecentHousingInput  # noqa: A002
    ) -> ChangeDeclaration:
        return await _declared(info, changes.ChangeRequest(
            tenant_id=decode_id(input.tenant_id), kind=ChangeKind.NON_DECENCE,
            event_date=input.noticed_on, date_field="noticedOn", comment=input.comment,
        ))
