"""The July rent declaration: the wizard's mutations, its récapitulatif and its receipt link."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from models import RentDeclaration as DeclarationRow
from resolvers.declarations import rent as resolve
from resolvers.declarations.rent_rules import ANSWERS
from resolvers.declarations.rent_summary import last_known
from schema.common import DeclarationState, decode_id
from schema.declarations.tenant_nodes import tenant_node
from schema.declarations.tenants import DECLARABLE, Tenant
from schema.info import Info
from schema.permissions import Authenticated
from schema.read_rules import OF_TENANT, PART_OF_PARENT, readable_by


@readable_by(PART_OF_PARENT)
@strawberry.type(description="Une réponse du récapitulatif.")
class DeclarationAnswer:
    field: str = strawberry.field(description="Champ de saisie concerné (vide si sans objet).")
    label: str = strawberry.field(description="Question, en français.")
    value: str = strawberry.field(description="Réponse mise en forme (montants « 328,75 € »).")


@readable_by(PART_OF_PARENT)
@strawberry.type(description="Une des cinq rubriques de la saisie.")
class DeclarationSection:
    number: int = strawberry.field(description="Numéro de la rubrique (1 à 5).")
    title: str = strawberry.field(description="Intitulé de la rubrique.")
    answers: list[DeclarationAnswer] = strawberry.field(description="Réponses de la rubrique.")


@readable_by(PART_OF_PARENT)
@strawberry.type(description="Réponse manquante ou incohérente.")
class FieldProblem:
    field: str = strawberry.field(description="Champ de saisie concerné.")
    message: str = strawberry.field(description="Ce qui manque ou ne va pas.")


@readable_by(PART_OF_PARENT)
@strawberry.type(
    description="Le récapitulatif de la déclaration, tel qu'il s'affiche avant validation."
)
class DeclarationSummary:
    month: str = strawberry.field(description="Mois déclaré (« 07/2026 »).")
    sections: list[DeclarationSection] = strawberry.field(description="Les cinq rubriques.")
    lines: list[str] = strawberry.field(description="Le récapitulatif en lignes de texte.")
    complete: bool = strawberry.field(description="Vrai si la déclaration peut être validée.")
    problems: list[FieldProblem] = strawberry.field(description="Ce qui empêche la validation.")
    notices: list[str] = strawberry.field(description="Avertissements à montrer au déclarant.")
    amount_needs_confirmation: bool = strawberry.field(
        description="Le loyer sort des montants habituels et doit être confirmé à la validation."
    )


@readable_by(PART_OF_PARENT)
@strawberry.type(description="Dernières informations connues de la Caf sur le locataire.")
class LastKnownInformation:
    tenant_name: str = strawberry.field(description="Prénom et nom du locataire.")
    allocataire_number: str = strawberry.field(description="Numéro allocataire.")
    last_rent_month: str = strawberry.field(
        description="Mois du dernier loyer connu (« 07/2025 »)."
    )
    last_rent_cents: int | None = strawberry.field(
        description="Dernier loyer connu hors charges, en centimes."
    )
    last_rent: str = strawberry.field(description="Dernier loyer connu, mis en forme.")
    occupied_since: date | None = strawberry.field(description="Logement occupé depuis le.")
    colocation: bool = strawberry.field(description="Colocation connue.")
    address: str = strawberry.field(description="Adresse du logement.")


@readable_by(OF_TENANT)
@strawberry.type(description="Déclaration du loyer de juillet d'un locataire pour une campagne.")
class RentDeclaration:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque.")
    year: int = strawberry.field(description="Année de la campagne.")
    state: DeclarationState = strawberry.field(description="Non saisi, brouillon ou transmis.")
    tenant: Tenant = strawberry.field(description="Le locataire concerné.")
    last_known: LastKnownInformation = strawberry.field(
        description="Dernières informations connues."
    )
    summary: DeclarationSummary = strawberry.field(description="Le récapitulatif.")
    reference: str | None = strawberry.field(description="Numéro de référence, une fois transmise.")
    transmitted_at: datetime | None = strawberry.field(description="Date et heure de transmission.")
    receipt_url: str | None = strawberry.field(
        description="Chemin du reçu PDF (même jeton), une fois la déclaration transmise."
    )

    @classmethod
    def from_row(cls, row: DeclarationRow, ctx, tenant: Tenant) -> RentDeclaration:
        s = resolve.summary_of(ctx, row)
        return cls(
            id=strawberry.ID(str(row.id)),
            year=row.year,
            state=row.state,
            tenant=tenant,
            last_known=LastKnownInformation(
                **vars(last_known(row.tenant, row.year, ctx.settings.campaign_month))
            ),
            summary=DeclarationSummary(
                month=s.month,
                sections=[
                    DeclarationSection(
                        number=x.number,
                        title=x.title,
                        answers=[DeclarationAnswer(**vars(a)) for a in x.answers],
                    )
                    for x in s.sections
                ],
                lines=s.lines,
                complete=s.complete,
                problems=[FieldProblem(field=k, message=v) for k, v in s.problems.items()],
                notices=s.notices,
                amount_needs_confirmation=s.amount_unusual and not row.amount_confirmed,
            ),
            reference=row.reference,
            transmitted_at=row.transmitted_at,
            receipt_url=resolve.receipt_url(row),
        )


async def declaration_node(ctx, row: DeclarationRow) -> RentDeclaration:
    return RentDeclaration.from_row(row, ctx, await tenant_node(ctx, row.tenant))


@strawberry.input(
    description="Une étape de la saisie : seules les réponses fournies changent ; null efface."
)
class RentDeclarationInput:
    still_manager: bool | None = strawberry.field(
        default=strawberry.UNSET, description="1. Toujours gestionnaire du logement ?"
    )
    management_end_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="1. Date de fin de gestion."
    )
    tenant_still_present: bool | None = strawberry.field(
        default=strawberry.UNSET, description="2. Locataire toujours présent ?"
    )
    departure_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="2. Date de départ du locataire."
    )
    new_address: str | None = strawberry.field(
        default=strawberry.UNSET, description="2. Nouvelle adresse du locataire, si connue."
    )
    colocation: bool | None = strawberry.field(
        default=strawberry.UNSET, description="3. Colocation ?"
    )
    co_tenant_count: int | None = strawberry.field(
        default=strawberry.UNSET, description="3. Nombre de colocataires."
    )
    rent_cents: int | None = strawberry.field(
        default=strawberry.UNSET, description="4. Loyer de juillet hors charges, en centimes."
    )
    charges_cents: int | None = strawberry.field(
        default=strawberry.UNSET, description="4. Charges de juillet, en centimes."
    )
    unpaid_amount_cents: int | None = strawberry.field(
        default=strawberry.UNSET, description="5. Montant de l'impayé, en centimes."
    )
    unpaid_since: date | None = strawberry.field(
        default=strawberry.UNSET, description="5. Impayé depuis le."
    )

    def given(self) -> dict:
        return {
            name: getattr(self, name)
            for name in ANSWERS
            if getattr(self, name) is not strawberry.UNSET
        }


@strawberry.type
class DeclarationQuery:
    @strawberry.field(
        description="Une déclaration de loyer ; NOT_FOUND si inexistante ou hors habilitation.",
        permission_classes=[Authenticated],
    )
    async def rent_declaration(self, info: Info, id: strawberry.ID) -> RentDeclaration:  # noqa: A002
        row = await resolve.get_declaration(info.context, decode_id(id))
        return await declaration_node(info.context, row)


@strawberry.type
class DeclarationMutation:
    @strawberry.mutation(
        description=f"Ouvre la déclaration du loyer de juillet d'un locataire. {DECLARABLE}",
        permission_classes=[Authenticated],
    )
    async def start_rent_declaration(
        self, info: Info, tenant_id: strawberry.ID, year: int | None = None
    ) -> RentDeclaration:
        row = await resolve.start_rent_declaration(info.context, decode_id(tenant_id), year)
        return await declaration_node(info.context, row)

    @strawberry.mutation(
        description=f"Enregistre une étape de la saisie (CONFLICT si déjà transmise). {DECLARABLE}",
        permission_classes=[Authenticated],
    )
    async def save_rent_declaration(
        self,
        info: Info,
        id: strawberry.ID,
        input: RentDeclarationInput,  # noqa: A002
    ) -> RentDeclaration:
        row = await resolve.save_rent_declaration(info.context, decode_id(id), input.given())
        return await declaration_node(info.context, row)

    @strawberry.mutation(
        description=(
            "Valide et transmet la déclaration à la Caf, une seule fois. BAD_USER_INPUT "
            "nomme chaque réponse manquante ; un loyer inhabituel demande confirmAmount: true. "
            + DECLARABLE
        ),
        permission_classes=[Authenticated],
    )
    async def validate_rent_declaration(
        self,
        info: Info,
        id: strawberry.ID,
        confirm_amount: bool = False,  # noqa: A002
    ) -> RentDeclaration:
        row = await resolve.validate_rent_declaration(info.context, decode_id(id), confirm_amount)
        return await declaration_node(info.context, row)
