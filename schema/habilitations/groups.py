"""Administration of habilitations: groups, users, delegation (administrateur, responsables)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from models.enums import WorkMode as WorkModeEnum
from resolvers.habilitations import administration as resolve
from resolvers.habilitations import user_filter
from schema.accounts.sessions import HabilitationGroup, User
from schema.common import (
    Connection,
    WorkMode,
    check_page_size,
    connection_of,
    decode_cursor,
    decode_id,
)
from schema.info import Info
from schema.permissions import Authenticated, MayDelegate, MayManage
from schema.request_cost import HASHING


@strawberry.input(
    description="Création d'un utilisateur partenaire (écran « Créer un utilisateur »)."
)
class CreateUserInput:
    last_name: str = strawberry.field(description="Nom.")
    first_name: str = strawberry.field(description="Prénom.")
    email: str = strawberry.field(description="Adresse mail.")
    email_confirmation: str = strawberry.field(description="Confirmation de l'adresse mail.")
    phone: str | None = strawberry.field(default=None, description="Téléphone.")
    phone_confirmation: str | None = strawberry.field(
        default=None, description="Confirmation du téléphone."
    )
    opening_date: date | None = strawberry.field(default=None, description="Date d'ouverture.")
    closing_date: date | None = strawberry.field(default=None, description="Date de clôture.")
    work_mode: WorkMode = strawberry.field(
        default=WorkModeEnum.SEDENTAIRE, description="Sédentaire ou itinérant."
    )
    group_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Groupes d'habilitation."
    )


UserState = user_filter.UserState  # marked as a GraphQL enum in place (see schema.common)
strawberry.enum(UserState, description="État d'un compte vu par ses gestionnaires.")


@strawberry.input(description="Filtre de « Mes utilisateurs » (les critères se cumulent).")
class UserFilter:
    search: str | None = strawberry.field(
        default=None, description="Nom, prénom, identifiant ou adresse mail (contient)."
    )
    group_id: strawberry.ID | None = strawberry.field(
        default=None, description="Membres de ce groupe."
    )
    status: UserState | None = strawberry.field(
        default=None,
        description="PENDING : première connexion à faire ; ACTIVE : peut travailler ; "
        "CLOSED : clôturé ou date de clôture passée ; SUSPENDED : suspendu par la Caf.",
    )

    def to_filter(self) -> user_filter.UserFilter:
        return user_filter.UserFilter(
            search=self.search,
            group_id=None if self.group_id is None else decode_id(self.group_id),
            state=self.status,
        )


PerimeterIds = Annotated[
    list[strawberry.ID] | None,
    strawberry.argument(
        description=(
            "Périmètre de délégation : les groupes que le responsable peut attribuer. "
            "Absent : les groupes qu'il détient."
        )
    ),
]


def _ids(values: list[strawberry.ID]) -> list[int]:
    return [decode_id(v) for v in values]


@strawberry.type
class HabilitationQuery:
    @strawberry.field(
        description="Les groupes d'habilitation de l'organisation de l'appelant.",
        permission_classes=[Authenticated],
    )
    async def habilitation_groups(self, info: Info) -> list[HabilitationGroup]:
        groups = await resolve.organisation_groups(info.context)
        return [HabilitationGroup.from_row(g) for g in groups]

    @strawberry.field(
        description=(
            "Les utilisateurs de l'organisation de l'appelant."
        ),
        permission_classes=[MayManage],
    )
    async def users(
        self, info: Info, first: int = 50, after: str | None = None,
        filter: UserFilter | None = None,  # noqa: A002
    ) -> Connection[User]:
        check_page_size(first, info.context.settings.max_page_size)
        cursor = decode_cursor(after) if after else None
        wanted = None if filter is None else filter.to_filter()
        page = await resolve.list_users(info.context, first, cursor, wanted)
        return connection_of(page, [User.from_row(r) for r in page.rows])


@strawberry.type
class HabilitationMutation:
    @strawberry.mutation(
        description=(
            "Créer un utilisateur ; il reçoit par courriel son identifiant "
            "et un mot de passe provisoire."
        ),
        permission_classes=[MayManage], metadata=HASHING,
    )
    async def create_user(self, info: Info, input: CreateUserInput) -> User:  # noqa: A002
        data = resolve.NewUser(
            last_name=input.last_name, first_name=input.first_name, email=input.email,
            email_confirmation=input.email_confirmation, phone=input.phone,
            phone_confirmation=input.phone_confirmation, opening_date=input.opening_date,
            closing_date=input.closing_date, work_mode=WorkModeEnum(input.work_mode),
            group_ids=_ids(input.group_ids),
        )
        return User.from_row(await resolve.create_user(info.context, data))

    @strawberry.mutation(
        description="Remplacer les groupes d'habilitation d'un utilisateur.",
        permission_classes=[MayManage],
    )
    async def set_user_groups(
        self, info: Info, user_id: strawberry.ID, group_ids: list[strawberry.ID]
    ) -> User:
        user = await resolve.set_user_groups(info.context, decode_id(user_id), _ids(group_ids))
        return User.from_row(user)

    @strawberry.mutation(
        description=(
            "Désigner (ou retirer) un responsable d'habilitation. "
            "Le responsable n'attribue et ne retire que les groupes de son périmètre, et ne gère "
            "que les utilisateurs dont tous les groupes y sont."
        ),
        permission_classes=[MayDelegate],
    )
    async def set_habilitation_manager(
        self,
        info: Info,
        user_id: strawberry.ID,
        enabled: bool,
        group_ids: PerimeterIds = None,
    ) -> User:
        groups = None if group_ids is None else _ids(group_ids)
        user = await resolve.set_habilitation_manager(
            info.context, decode_id(user_id), enabled, groups
        )
        return User.from_row(user)

    @strawberry.mutation(
        description=(
            "Clôturer l'accès d'un utilisateur à une date : aujourd'hui (effet immédiat, ses "
            "sessions prennent fin) ou plus tard. Une date passée, ou antérieure à la date "
            "d'ouverture de l'utilisateur, est refusée (BAD_USER_INPUT)."
        ),
        permission_classes=[MayManage],
    )
    async def close_user(
        self, info: Info, user_id: strawberry.ID, closing_date: date
    ) -> User:
        user = await resolve.close_user(info.context, decode_id(user_id), closing_date)
        return User.from_row(user)
