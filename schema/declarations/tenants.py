"""Tenants and their housing, as the guide's "Déclarer les loyers" list shows them."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import Housing as HousingRow
from models import Tenant as TenantRow
from resolvers.declarations import tenants as resolve
from resolvers.declarations.counters import SEARCH_COUNT_CAP, row_state
from resolvers.declarations.tenants import MAX_SEARCH_LENGTH
from schema.common import (
    Connection,
    DeclarationState,
    HousingType,
    check_page_size,
    connection_of,
    decode_cursor,
    decode_id,
)
from schema.info import Info
from schema.permissions import Authenticated
from schema.read_rules import HOUSING, PAGE, SIGNED_IN, TENANT, readable_by

if TYPE_CHECKING:  # the history's types depend on Tenant: resolved lazily
    from schema.declarations.changes import ChangeKind
    from schema.declarations.history import (
        ChangeDeclarationConnection,
        RentDeclarationConnection,
        UnpaidRentReportConnection,
    )

HISTORY = "schema.declarations.history"


@readable_by(HOUSING)
@strawberry.type(description="Logement géré par l'organisation.")
class Housing:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque.")
    address: str = strawberry.field(description="Adresse (numéro et voie).")
    postal_code: str = strawberry.field(description="Code postal.")
    commune: str = strawberry.field(description="Commune.")
    departement: str = strawberry.field(description="Code du département (zone).")
    type: HousingType = strawberry.field(description="Conventionné ou privé.")
    organisation_id: strawberry.Private[int]

    @property
    def housing_place(self) -> tuple[int, str, str]:
        """What habilitations decide on: organisation, housing type, département."""
        return self.organisation_id, self.type.value, self.departement

    @classmethod
    def from_row(cls, row: HousingRow) -> Housing:
        return cls(
            id=strawberry.ID(str(row.id)),
            address=row.address,
            postal_code=row.postal_code,
            commune=row.commune,
            departement=row.departement,
            type=row.housing_type,
            organisation_id=row.organisation_id,
        )


@readable_by(TENANT)
@strawberry.type(
    description="Locataire allocataire dont l'aide au logement est versée au bailleur."
)
class Tenant:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque.")
    allocataire_number: str = strawberry.field(description="Numéro allocataire.")
    last_name: str = strawberry.field(description="Nom.")
    first_name: str = strawberry.field(description="Prénom.")
    occupied_since: date | None = strawberry.field(description="Logement occupé depuis le.")
    colocation: bool = strawberry.field(description="Colocation.")
    last_rent_cents: int | None = strawberry.field(
        description="Dernier loyer de juillet connu, hors charges, en centimes."
    )
    housing: Housing = strawberry.field(description="Le logement occupé.")
    # A plain value read with the page (one query for all rows): an async resolver per row
    # costs more in GraphQL execution than the query itself.
    declaration_state: DeclarationState = strawberry.field(
        description="État de la déclaration de loyer de la campagne en cours."
    )
    campaign_year: strawberry.Private[int]

    @property
    def housing_place(self) -> tuple[int, str, str]:
        return self.housing.housing_place

    @strawberry.field(
        description="Ses déclarations de loyer, de la campagne la plus récente à la plus "
        "ancienne (selon les habilitations de lecture de l'appelant)."
    )
    async def rent_declarations(
        self, info: Info, first: int = 10, after: str | None = None, year: int | None = None
    ) -> Annotated[RentDeclarationConnection, strawberry.lazy(HISTORY)]:
        from schema.declarations import history

        return await history.tenant_rent_declarations(info.context, self, first, after, year)

    @strawberry.field(
        description="Les changements déclarés pour lui, le plus récent d'abord (kinds : "
        "seulement ces natures)."
    )
    async def change_declarations(
        self, info: Info, first: int = 10, after: str | None = None,
        kinds: list[Annotated[ChangeKind, strawberry.lazy("schema.declarations.changes")]]
        | None = None,
    ) -> Annotated[ChangeDeclarationConnection, strawberry.lazy(HISTORY)]:
        from schema.declarations import history

        return await history.tenant_change_declarations(info.context, self, first, after, kinds)

    @strawberry.field(description="Les impayés signalés pour lui, le plus récent d'abord.")
    async def unpaid_rent_reports(
        self, info: Info, first: int = 10, after: str | None = None
    ) -> Annotated[UnpaidRentReportConnection, strawberry.lazy(HISTORY)]:
        from schema.declarations import history

        return await history.tenant_unpaid_reports(info.context, self, first, after)

    @classmethod
    def from_row(
        cls, row: TenantRow, year: int, state: DeclarationState = DeclarationState.NON_SAISI
    ) -> Tenant:
        return cls(
            id=strawberry.ID(str(row.id)),
            allocataire_number=row.allocataire_number,
            last_name=row.last_name,
            first_name=row.first_name,
            occupied_since=row.occupied_since,
            colocation=row.colocation,
            last_rent_cents=row.last_rent_cents,
            housing=Housing.from_row(row.housing),
            declaration_state=state,
            campaign_year=year,
        )


@strawberry.input(description="Filtre de la liste des locataires.")
class TenantFilter:
    declaration_state: DeclarationState | None = strawberry.field(
        default=None, description="Seulement les locataires dans cet état."
    )
    search: str | None = strawberry.field(
        default=None,
        description=(
            "Nom, prénom, numéro allocataire, code postal ou commune "
            f"({MAX_SEARCH_LENGTH} caractères au plus)."
        ),
    )
    year: int | None = strawberry.field(
        default=None, description="Année de campagne (par défaut la campagne en cours)."
    )


@readable_by(SIGNED_IN)
@strawberry.type(description="Avancement de la campagne de déclaration des loyers.")
class RentCampaign:
    year: int = strawberry.field(description="Année de la campagne (loyer de juillet).")
    total: int = strawberry.field(description="Locataires visibles par l'appelant.")
    transmitted: int = strawberry.field(description="Déclarations transmises.")
    remaining: int = strawberry.field(description="Loyers restant à saisir.")
    message: str = strawberry.field(description="« il reste N loyers à saisir sur M ».")


CAP = f"{SEARCH_COUNT_CAP:,}".replace(",", " ")


@readable_by(PAGE)
@strawberry.type(
    name="TenantConnection", description="Une page d'une liste, au sens des connexions Relay."
)
class TenantConnection(Connection[Tenant]):
    total_count: int = strawberry.field(
        description=(
            "Nombre total de locataires de la liste (sur toutes les pages), lu sur des compteurs "
            f"tenus à jour à chaque écriture. Avec une recherche, le décompte s'arrête à {CAP} : "
            f"au-delà, il vaut {CAP} et « totalCountExact » est faux."
        )
    )
    total_count_exact: bool = strawberry.field(
        description=(
            "Vrai quand « totalCount » est le nombre exact ; faux quand une recherche trouve "
            f"plus de {CAP} locataires (« totalCount » est alors un minimum)."
        )
    )


def tenant_connection(page, year: int) -> TenantConnection:
    """The page's rows with the states their statement read (see resolvers…counters)."""
    nodes = [Tenant.from_row(r, year, row_state(r)) for r in page.rows]
    plain = connection_of(page, nodes)
    return TenantConnection(
        edges=plain.edges, page_info=plain.page_info, total_count=page.total,
        total_count_exact=page.total_exact,
    )


# What the declaring mutations add to their permission class: a condition on the tenant.
DECLARABLE = "Seulement pour un locataire sur lequel l'appelant peut déclarer (sinon NOT_FOUND)."


@strawberry.type
class TenantQuery:
    @strawberry.field(
        description="Les locataires visibles par l'appelant (selon ses habilitations).",
        permission_classes=[Authenticated],
    )
    async def tenants(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        filter: TenantFilter | None = None,  # noqa: A002
    ) -> TenantConnection:
        ctx = info.context
        check_page_size(first, ctx.settings.max_page_size)
        f = filter or TenantFilter()
        year = f.year or ctx.settings.campaign_year
        page = await resolve.list_tenants(
            ctx,
            first,
            decode_cursor(after) if after else None,
            year,
            state=f.declaration_state,
            search=f.search,
        )
        return tenant_connection(page, year)

    @strawberry.field(
        description="Un locataire ; NOT_FOUND s'il n'existe pas ou est hors habilitation.",
        permission_classes=[Authenticated],
    )
    async def tenant(self, info: Info, id: strawberry.ID) -> Tenant:  # noqa: A002
        row = await resolve.get_tenant(info.context, decode_id(id))
        year = info.context.settings.campaign_year
        states = await resolve.declaration_states([row.id], year)
        return Tenant.from_row(row, year, states.get(row.id, DeclarationState.NON_SAISI))

    @strawberry.field(
        description="« Il reste N loyers à saisir sur M » sur les locataires visibles.",
        permission_classes=[Authenticated],
    )
    async def rent_campaign(self, info: Info, year: int | None = None) -> RentCampaign:
        year = year or info.context.settings.campaign_year
        total, transmitted = await resolve.campaign_counts(info.context, year)
        remaining = total - transmitted
        noun = "loyer" if remaining < 2 else "loyers"
        return RentCampaign(
            year=year,
            total=total,
            transmitted=transmitted,
            remaining=remaining,
            message=f"il reste {remaining} {noun} à saisir sur {total}",
        )
