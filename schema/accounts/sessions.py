"""Accounts: login life cycle, the caller, users and organisations."""

from __future__ import annotations

from datetime import date

import strawberry

from models import Organisation as OrganisationRow
from models import User as UserRow
from resolvers.accounts import credentials
from resolvers.accounts import login as resolve
from resolvers.accounts.required_actions import RequiredAction as RequiredActionEnum
from resolvers.habilitations.memberships import roles_and_group_ids
from resolvers.shared.errors import NotFound
from resolvers.shared.loaders import GroupByIdLoader, OrganisationByIdLoader
from schema.common import HousingType, WorkMode
from schema.info import Info
from schema.permissions import (
    Authenticated,
    FirstLoginSession,
    OwnAccount,
    PendingFirstLogin,
    Public,
)
from schema.read_rules import ANYONE, MEMBER_OR_AGENT, SELF_OR_MANAGER, readable_by
from schema.request_cost import HASHING

RequiredAction = RequiredActionEnum  # marked as a GraphQL enum in place (see schema.common)
strawberry.enum(RequiredAction, description="Étape obligatoire restante.")


@readable_by(ANYONE)
@strawberry.type(description="Résultat d'une connexion.")
class LoginResult:
    token: str = strawberry.field(description="Jeton de session (en-tête Authorization: Bearer).")
    csrf_token: str = strawberry.field(
        description="À renvoyer dans l'en-tête X-CSRF-Token quand la session passe par le cookie."
    )
    required_actions: list[RequiredAction] = strawberry.field(
        description="Ce qui reste à faire avant d'accéder au service."
    )


def login_result(outcome: resolve.LoginOutcome) -> LoginResult:
    return LoginResult(
        token=outcome.token,
        csrf_token=outcome.csrf_token,
        required_actions=outcome.required_actions,
    )


@readable_by(MEMBER_OR_AGENT)
@strawberry.type(description="Organisme partenaire et sa convention.")
class Organisation:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque.")
    name: str = strawberry.field(description="Raison sociale.")
    user_number: str = strawberry.field(description="N° utilisateur (14 caractères).")
    convention_name: str = strawberry.field(description="Convention sélectionnée.")
    convention_state: str = strawberry.field(description="État de la convention.")
    email: str | None = strawberry.field(
        default=None, description="Adresse mail de contact de l'organisme."
    )

    @property
    def organisation_id(self) -> int:
        return int(self.id)

    @classmethod
    def from_row(cls, row: OrganisationRow) -> Organisation:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            user_number=row.user_number,
            convention_name=row.convention_name,
            convention_state=row.convention_state,
            email=row.email,
        )


@readable_by(MEMBER_OR_AGENT)
@strawberry.type(description="Groupe d'habilitation : un type de logement sur des zones.")
class HabilitationGroup:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque.")
    name: str = strawberry.field(description="Nom du groupe.")
    housing_type: HousingType = strawberry.field(description="Type de logement couvert.")
    zones: list[str] = strawberry.field(description="Départements couverts.")
    organisation_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row) -> HabilitationGroup:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            housing_type=row.housing_type,
            zones=list(row.zones),
            organisation_id=row.organisation_id,
        )


@readable_by(SELF_OR_MANAGER)
@strawberry.type(description="Utilisateur partenaire (ou compte de la Caf).")
class User:
    id: strawberry.ID = strawberry.field(description="Identifiant opaque.")
    identifier: str = strawberry.field(description="Identifiant de connexion.")
    last_name: str = strawberry.field(description="Nom.")
    first_name: str = strawberry.field(description="Prénom.")
    email: str | None = strawberry.field(description="Adresse mail.")
    phone: str | None = strawberry.field(description="Téléphone.")
    opening_date: date | None = strawberry.field(description="Date d'ouverture.")
    closing_date: date | None = strawberry.field(description="Date de clôture.")
    work_mode: WorkMode = strawberry.field(description="Sédentaire ou itinérant.")
    status: str = strawberry.field(description="pending, active ou closed.")
    suspended: bool = strawberry.field(
        default=False,
        description="Suspendu par la Caf : aucune session ni connexion tant qu'il n'est pas "
        "rétabli.",
    )
    organisation_id: strawberry.Private[int | None]

    @strawberry.field(description="Rôles : administrateur, responsable_habilitation, auditeur…")
    async def roles(self, info: Info) -> list[str]:
        roles, _ = await roles_and_group_ids(info.context, int(self.id), self.organisation_id)
        return roles

    @strawberry.field(description="Groupes d'habilitation de l'utilisateur.")
    async def groups(self, info: Info) -> list[HabilitationGroup]:
        _, ids = await roles_and_group_ids(info.context, int(self.id), self.organisation_id)
        rows = await info.context.loader(GroupByIdLoader).load_many(ids)
        return [HabilitationGroup.from_row(r) for r in rows if r is not None]

    @strawberry.field(description="L'organisation de l'utilisateur (aucune pour la Caf).")
    async def organisation(self, info: Info) -> Organisation | None:
        if self.organisation_id is None:
            return None
        row = await info.context.loader(OrganisationByIdLoader).load(self.organisation_id)
        return Organisation.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            id=strawberry.ID(str(row.id)),
            identifier=row.identifier,
            last_name=row.last_name,
            first_name=row.first_name,
            email=row.email,
            phone=row.phone,
            opening_date=row.opening_date,
            closing_date=row.closing_date,
            work_mode=row.work_mode,
            status=row.status.value,
            suspended=row.suspended_at is not None,
            organisation_id=row.organisation_id,
        )


@strawberry.input(description="Première connexion : informations, mot de passe, acceptations.")
class CompleteFirstLoginInput:
    last_name: str = strawberry.field(description="Nom.")
    first_name: str = strawberry.field(description="Prénom.")
    email: str = strawberry.field(description="Adresse mail.")
    phone: str | None = strawberry.field(default=None, description="Téléphone.")
    new_password: str = strawberry.field(description="Mot de passe personnalisé.")
    accept_usage_rules: bool = strawberry.field(description="J'accepte les règles d'usage.")
    accept_terms: bool = strawberry.field(description="J'accepte les conditions d'utilisation.")


@strawberry.type
class AccountQuery:
    @strawberry.field(
        description="Le compte de la session en cours.", permission_classes=[Authenticated]
    )
    async def me(self, info: Info) -> User:
        row = await UserRow.get_or_none(id=info.context.user_id)
        if row is None:
            raise NotFound()
        return User.from_row(row)


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Connexion avec l'identifiant et le mot de passe.",
        permission_classes=[Public], metadata=HASHING,
    )
    async def login(self, info: Info, identifier: str, password: str) -> LoginResult:
        return login_result(await resolve.login(info.context, identifier, password))

    @strawberry.mutation(
        description=(
            "Première connexion : la première personne qui la termine pour les identifiants "
            "de l'organisation en devient l'administrateur. Une seule fois, tant qu'il reste "
            "des étapes à faire ; une session ordinaire reçoit FORBIDDEN et rien ne change."
        ),
        permission_classes=[PendingFirstLogin], metadata=HASHING,
    )
    async def complete_first_login(
        self, info: Info, input: CompleteFirstLoginInput  # noqa: A002
    ) -> LoginResult:
        data = resolve.FirstLoginInput(**vars(input))
        return login_result(await resolve.complete_first_login(info.context, data))

    @strawberry.mutation(
        description=(
            "Changement de mot de passe : toutes les sessions de l'utilisateur prennent fin, "
            "une nouvelle est ouverte (possible aussi avec un mot de passe provisoire à "
            "changer). Refusé s'il reprend l'actuel ou l'un des 5 précédents ; l'adresse mail "
            "du compte est prévenue."
        ),
        permission_classes=[FirstLoginSession], metadata=HASHING,
    )
    async def change_password(
        self, info: Info, current_password: str, new_password: str
    ) -> LoginResult:
        outcome = await resolve.change_password(info.context, current_password, new_password)
        return login_result(outcome)

    @strawberry.mutation(
        description=(
            "Changement de sa propre adresse mail, avec le mot de passe actuel : une adresse "
            "seule, sans nom ; l'ancienne adresse est prévenue."
        ),
        permission_classes=[OwnAccount], metadata=HASHING,
    )
    async def change_email(
        self, info: Info, current_password: str, new_email: str
    ) -> User:
        return User.from_row(
            await credentials.change_email(info.context, current_password, new_email)
        )

    @strawberry.mutation(
        description="Déconnexion : la session prend fin.", permission_classes=[FirstLoginSession]
    )
    async def logout(self, info: Info) -> bool:
        return await resolve.logout(info.context)
