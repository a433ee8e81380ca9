"""« Gestion des habilitations »: groups created, changed and deleted by the administrateur, and
the preview of such a change."""

from __future__ import annotations

import strawberry

from models.enums import HousingType as HousingTypeEnum
from policies.vocabulary import Act
from resolvers.audit import simulate
from resolvers.habilitations import group_admin
from resolvers.shared.errors import NotFound
from schema.accounts.sessions import HabilitationGroup, User
from schema.common import Action, HousingType, decode_id
from schema.info import Info
from schema.permissions import MayDelegate
from schema.read_rules import MEMBER_OR_AGENT, readable_by


@readable_by(MEMBER_OR_AGENT)
@strawberry.type(description="Effet prévu d'un changement de groupe sur un utilisateur.")
class GroupChangeEffect:
    user: User = strawberry.field(description="L'utilisateur touché.")
    before: int = strawberry.field(description="Locataires accessibles aujourd'hui.")
    after: int = strawberry.field(description="Locataires accessibles après le changement.")
    gained: int = strawberry.field(description="Locataires gagnés.")
    lost: int = strawberry.field(description="Locataires perdus.")
    organisation_id: strawberry.Private[int]


@strawberry.input(description="Définition d'un groupe d'habilitation.")
class HabilitationGroupInput:
    name: str = strawberry.field(description="Nom, unique dans l'organisme.")
    housing_type: HousingType = strawberry.field(description="Type de logement couvert.")
    zones: list[str] = strawberry.field(
        description="Départements couverts, parmi ceux où l'organisme gère des logements."
    )


@strawberry.input(description="Modification d'un groupe : seuls les champs donnés changent.")
class UpdateHabilitationGroupInput:
    name: str | None = strawberry.field(default=None, description="Nouveau nom.")
    housing_type: HousingType | None = strawberry.field(
        default=None, description="Nouveau type de logement."
    )
    zones: list[str] | None = strawberry.field(
        default=None, description="Nouveaux départements (remplacent les actuels)."
    )


@strawberry.type
class GroupAdminQuery:
    @strawberry.field(
        description="Simulation, sans rien enregistrer, d'un changement d'un groupe de "
        "l'organisme (type de logement, zones) : qui gagne ou perd l'accès à combien de "
        "locataires.",
        permission_classes=[MayDelegate],
    )
    async def preview_habilitation_group_change(
        self, info: Info, group_id: strawberry.ID, input: UpdateHabilitationGroupInput,  # noqa: A002
        action: Action = Action.READ,
    ) -> list[GroupChangeEffect]:
        gid = decode_id(group_id)
        if not await group_admin.group_exists(info.context, gid):
            raise NotFound("Groupe d'habilitation introuvable.")
        changes = await simulate.simulate_change(
            info.context, Act(action.value), group_id=gid, zones=input.zones,
            housing_type=None if input.housing_type is None else input.housing_type.value,
        )
        return [
            GroupChangeEffect(user=User.from_row(c.user), before=c.before, after=c.after,
                              gained=c.gained, lost=c.lost,
                              organisation_id=info.context.organisation_id)
            for c in changes
        ]


@strawberry.type
class GroupAdminMutation:
    @strawberry.mutation(
        description="Créer un groupe d'habilitation (un type de logement sur des départements "
        "de l'organisme). CONFLICT si le nom est déjà pris.",
        permission_classes=[MayDelegate],
    )
    async def create_habilitation_group(
        self, info: Info, input: HabilitationGroupInput  # noqa: A002
    ) -> HabilitationGroup:
        data = group_admin.GroupDefinition(
            input.name, HousingTypeEnum(input.housing_type), list(input.zones)
        )
        return HabilitationGroup.from_row(await group_admin.create_group(info.context, data))

    @strawberry.mutation(
        description="Renommer un groupe ou changer son type de logement et ses départements ; "
        "les droits de ses membres suivent aussitôt.",
        permission_classes=[MayDelegate],
    )
    async def update_habilitation_group(
        self, info: Info, group_id: strawberry.ID,
        input: UpdateHabilitationGroupInput,  # noqa: A002
    ) -> HabilitationGroup:
        row = await group_admin.change_group(
            info.context, decode_id(group_id), input.name,
            None if input.housing_type is None else HousingTypeEnum(input.housing_type),
            input.zones,
        )
        return HabilitationGroup.from_row(row)

    @strawberry.mutation(
        description="Supprimer un groupe sans membre (CONFLICT s'il en a encore).",
        permission_classes=[MayDelegate],
    )
    async def delete_habilitation_group(self, info: Info, group_id: strawberry.ID) -> bool:
        return await group_admin.delete_group(info.context, decode_id(group_id))
