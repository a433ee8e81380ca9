"""Identifiant perdu, mot de passe oublié: public, always true, sent to the addresses on file."""

from __future__ import annotations

import strawberry

from resolvers.accounts import recovery
from schema.info import Info
from schema.permissions import Public


@strawberry.type
class RecoveryMutation:
    @strawberry.mutation(
        description=(
            "Identifiant perdu : avec le N° utilisateur (14 caractères), l'identifiant et un "
            "nouveau mot de passe provisoire sont envoyés aux adresses de l'organisme (courriel "
            "et courrier). Répond toujours true."
        ),
        permission_classes=[Public],
    )
    async def request_lost_identifier(self, info: Info, user_number: str) -> bool:
        return await recovery.request_lost_identifier(info.context, user_number)

    @strawberry.mutation(
        description=(
            "Mot de passe oublié : un mot de passe provisoire est envoyé par courriel, à changer "
            "à la connexion suivante ; l'actuel reste valable tant que le provisoire n'a pas "
            "servi. Répond toujours true."
        ),
        permission_classes=[Public],
    )
    async def request_password_reset(self, info: Info, email: str) -> bool:
        return await recovery.request_password_reset(info.context, email)
