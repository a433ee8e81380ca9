"""Account administration around habilitations: unlocking, replacing an administrator."""

from __future__ import annotations

import strawberry

from resolvers.accounts import administrators, lockout
from schema.accounts.sessions import User
from schema.common import decode_id
from schema.info import Info
from schema.permissions import MayManage, MayReplaceAdmin


@strawberry.type
class AccountAdminMutation:
    @strawberry.mutation(
        description=(
            "Déverrouille un utilisateur de l'organisme verrouillé après des échecs de connexion."
        ),
        permission_classes=[MayManage],
    )
    async def unlock_user(self, info: Info, user_id: strawberry.ID) -> User:
        row = await lockout.unlock_user(info.context, decode_id(user_id, "userId"))
        return User.from_row(row)

    @strawberry.mutation(
        description=(
            "Remplace l'administrateur d'un organisme par un de ses utilisateurs."
        ),
        permission_classes=[MayReplaceAdmin],
    )
    async def replace_administrator(
        self, info: Info, organisation_id: strawberry.ID, user_id: strawberry.ID
    ) -> User:
        row = await administrators.replace_administrator(
            info.context, decode_id(organisation_id, "organisationId"), decode_id(user_id, "userId")
        )
        return User.from_row(row)
