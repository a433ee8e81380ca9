"""Administration of habilitations: groups, users, delegation (administrateur, responsables)."""

from __future__ import annotations

from datetime import date

import strawberry

from models.enums import WorkMode as WorkModeEnum
from resolvers.habilitations import administration as resolve
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
        self, info: Info, first: int = 50, after: str | None = None
    ) -> Connection[User]:
        check_page_size(first, info.context.settings.max_page_size)
        cursor = decode_cursor(after) if after else None
        page = await resolve.list_users(info.context, first, cursor)
        return connection_of(page, [User.from_row(r) for r in page.rows])


@strawberry.type
class HabilitationMutation:
    @strawberry.mutation(
        description=(
            "Créer un utilisateur ; il reçoit par courriel son identifiant "
            "et un mot de passe provisoire."
        ),
        permission_classes=[MayManage],
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
            "Désigner (ou retirer) un responsable d'habilitation."
        ),
        permission_classes=[MayDelegate],
    )
    async def set_habilitation_manager(
        self, info: Info, user_id: strawberry.ID, enabled: bool
    ) -> User:
        user = await resolve.set_habilitation_manager(info.context, decode_id(user_id), enabled)
        return User.from_row(user)

    @strawberry.mutation(
        description="Clôturer l'accès d'un utilisateur à une date (aujourd'hui ou plus tard).",
        permission_classes=[MayManage],
    )
    async def close_user(
        self, info: Info, user_id: strawberry.ID, closing_date: date
    ) -> User:
        user = await resolve.close_user(info.context, decode_id(user_id), closing_date)
        return User.from_row(user)
