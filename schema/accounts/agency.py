"""The agency's side: its partners listed and read (auditeur, agent_caf), accounts suspended and
reinstated (agent_caf)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import User as UserRow
from resolvers.accounts import agency_view, suspension
from schema.accounts.sessions import User
from schema.common import (
    Connection,
    HousingType,
    check_page_size,
    connection_of,
    decode_cursor,
    decode_id,
)
from schema.info import Info
from schema.permissions import AgencyStaff, MayReplaceAdmin
from schema.read_rules import AGENCY_STAFF, readable_by


@readable_by(AGENCY_STAFF)
@strawberry.type(description="L'administrateur d'un organisme, tel que la Caf le voit.")
class PartnerAdministrator:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque.")
    identifier: str = strawberry.field(description="Identifiant de connexion.")
    last_name: str = strawberry.field(description="Nom.")
    first_name: str = strawberry.field(description="Prénom.")
    email: str | None = strawberry.field(description="Adresse mail.")

    @classmethod
    def from_row(cls, row: UserRow) -> PartnerAdministrator:
        return cls(id=strawberry.ID(str(row.id)), identifier=row.identifier,
                   last_name=row.last_name, first_name=row.first_name, email=row.email)


@readable_by(AGENCY_STAFF)
@strawberry.type(description="Nombre de locataires d'un organisme sur une zone.")
class ZoneTenants:
    housing_type: HousingType = strawberry.field(description="Type de logement.")
    departement: str = strawberry.field(description="Département.")
    tenants: int = strawberry.field(description="Nombre de locataires.")


@readable_by(AGENCY_STAFF)
@strawberry.type(description="Un organisme partenaire, tel que la Caf le voit.")
class PartnerOrganisation:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque.")
    name: str = strawberry.field(description="Raison sociale.")
    user_number: str = strawberry.field(description="N° utilisateur (14 caractères).")
    convention_name: str = strawberry.field(description="Convention.")
    convention_state: str = strawberry.field(description="État de la convention.")
    email: str | None = strawberry.field(description="Adresse mail de contact.")
    activated: bool = strawberry.field(description="Première connexion faite (activé).")
    activated_at: datetime | None = strawberry.field(description="Date d'activation.")
    administrator: PartnerAdministrator | None = strawberry.field(
        description="Son administrateur (aucun avant l'activation)."
    )
    user_count: int = strawberry.field(description="Nombre d'utilisateurs (tous états).")
    tenant_count: int = strawberry.field(description="Nombre de locataires.")
    tenants_by_zone: list[ZoneTenants] = strawberry.field(
        description="Locataires par type de logement et département."
    )

    @classmethod
    def from_facts(cls, facts: agency_view.OrganisationFacts) -> PartnerOrganisation:
        row = facts.row
        admin = facts.administrator
        return cls(
            id=strawberry.ID(str(row.id)), name=row.name, user_number=row.user_number,
            convention_name=row.convention_name, convention_state=row.convention_state,
            email=row.email, activated=row.activated_at is not None,
            activated_at=row.activated_at,
            administrator=PartnerAdministrator.from_row(admin) if admin else None,
            user_count=facts.users, tenant_count=sum(z.tenants for z in facts.zones),
            tenants_by_zone=[ZoneTenants(housing_type=HousingType(z.housing_type),
                                         departement=z.departement, tenants=z.tenants)
                             for z in facts.zones],
        )


@strawberry.input(description="Filtre des organismes (les critères se cumulent).")
class OrganisationFilter:
    search: str | None = strawberry.field(
        default=None,
        description="Raison sociale (sans tenir compte des accents ni de la casse) ou "
        "N° utilisateur exact.",
    )
    activated: bool | None = strawberry.field(default=None, description="Activé ou non.")
    departement: str | None = strawberry.field(
        default=None, description="Gère des logements dans ce département."
    )


@strawberry.type
class AgencyQuery:
    @strawberry.field(
        description="Les organismes partenaires, par raison sociale.",
        permission_classes=[AgencyStaff],
    )
    async def organisations(
        self, info: Info, first: int = 50, after: str | None = None,
        filter: OrganisationFilter | None = None,  # noqa: A002
    ) -> Connection[PartnerOrganisation]:
        check_page_size(first, info.context.settings.max_page_size)
        wanted = agency_view.OrganisationFilter(**vars(filter or OrganisationFilter()))
        page, facts = await agency_view.list_organisations(
            first, decode_cursor(after) if after else None, wanted
        )
        return connection_of(page, [PartnerOrganisation.from_facts(f) for f in facts])

    @strawberry.field(description="Un organisme partenaire.", permission_classes=[AgencyStaff])
    async def organisation(self, info: Info, id: strawberry.ID) -> PartnerOrganisation:  # noqa: A002
        facts = await agency_view.get_organisation(decode_id(id))
        return PartnerOrganisation.from_facts(facts)


@strawberry.type
class AgencyMutation:
    @strawberry.mutation(
        description="Suspendre le compte d'un utilisateur partenaire (tracé) : ses sessions "
        "prennent fin aussitôt et il ne peut plus se connecter (son mot de passe y est refusé "
        "comme un mot de passe faux) jusqu'à son rétablissement. CONFLICT s'il l'est déjà.",
        permission_classes=[MayReplaceAdmin],
    )
    async def suspend_user(self, info: Info, user_id: strawberry.ID) -> User:
        row = await suspension.suspend_user(info.context, decode_id(user_id, "userId"))
        return User.from_row(row)

    @strawberry.mutation(
        description="Rétablir un compte suspendu (tracé), tel qu'il était. CONFLICT s'il n'est "
        "pas suspendu.",
        permission_classes=[MayReplaceAdmin],
    )
    async def reinstate_user(self, info: Info, user_id: strawberry.ID) -> User:
        row = await suspension.reinstate_user(info.context, decode_id(user_id, "userId"))
        return User.from_row(row)
