"""« Modifier un utilisateur », « Réactiver », « Mon profil » and the organisation's contact
address."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from resolvers.accounts import credentials, organisation_contact
from resolvers.habilitations import user_changes
from schema.accounts.sessions import Organisation, User
from schema.common import WorkMode, decode_id
from schema.info import Info
from schema.permissions import MayDelegate, MayManage, OwnAccount
from schema.request_cost import HASHING

UNSET: Any = strawberry.UNSET


@strawberry.input(
    description="Modification d'un utilisateur : seuls les champs donnés changent. Une date ou "
    "un téléphone à null est effacé ; une adresse mail ou un téléphone nouveaux doivent être "
    "confirmés."
)
class UpdateUserInput:
    last_name: str | None = strawberry.field(default=UNSET, description="Nom.")
    first_name: str | None = strawberry.field(default=UNSET, description="Prénom.")
    email: str | None = strawberry.field(default=UNSET, description="Nouvelle adresse mail.")
    email_confirmation: str | None = strawberry.field(
        default=UNSET, description="Confirmation de la nouvelle adresse mail."
    )
    phone: str | None = strawberry.field(
        default=UNSET, description="Nouveau téléphone (null ou vide : effacé)."
    )
    phone_confirmation: str | None = strawberry.field(
        default=UNSET, description="Confirmation du nouveau téléphone."
    )
    opening_date: date | None = strawberry.field(default=UNSET, description="Date d'ouverture.")
    closing_date: date | None = strawberry.field(
        default=UNSET,
        description="Date de clôture : aujourd'hui (clôture immédiate) ou plus tard ; null "
        "l'efface.",
    )
    work_mode: WorkMode | None = strawberry.field(
        default=UNSET, description="Sédentaire ou itinérant."
    )

    def changes(self) -> user_changes.UserChanges:
        keep = user_changes.KEEP
        clearable = {"phone", "opening_date", "closing_date"}
        values = {}
        for name in vars(user_changes.UserChanges()):
            value = getattr(self, name)
            unset = value is UNSET or (value is None and name not in clearable)
            values[name] = keep if unset else value
        return user_changes.UserChanges(**values)


@strawberry.type
class ProfileMutation:
    @strawberry.mutation(
        description="Modifier un utilisateur (nom, prénom, adresse mail, téléphone, dates, "
        "poste). Un responsable ne modifie que les utilisateurs de son périmètre ; l'ancienne "
        "adresse mail est prévenue d'un changement.",
        permission_classes=[MayManage],
    )
    async def update_user(
        self, info: Info, user_id: strawberry.ID, input: UpdateUserInput  # noqa: A002
    ) -> User:
        row = await user_changes.update_user(info.context, decode_id(user_id), input.changes())
        return User.from_row(row)

    @strawberry.mutation(
        description="Réactiver un utilisateur clôturé (ou dont la date de clôture est passée), "
        "avec ses groupes ; une nouvelle date de clôture peut être donnée (aujourd'hui ou "
        "plus tard). CONFLICT s'il n'est pas clôturé.",
        permission_classes=[MayManage],
    )
    async def reopen_user(
        self, info: Info, user_id: strawberry.ID, closing_date: date | None = None
    ) -> User:
        row = await user_changes.reopen_user(info.context, decode_id(user_id), closing_date)
        return User.from_row(row)

    @strawberry.mutation(
        description="Modifier sa propre adresse mail et/ou son téléphone, avec son mot de passe "
        "actuel (un mot de passe faux compte comme un échec de connexion) ; l'ancienne adresse "
        "est prévenue.",
        permission_classes=[OwnAccount], metadata=HASHING,
    )
    async def update_my_profile(
        self, info: Info, current_password: str, email: str | None = None,
        phone: str | None = None,
    ) -> User:
        row = await credentials.update_my_profile(info.context, current_password, email, phone)
        return User.from_row(row)

    @strawberry.mutation(
        description="Changer l'adresse mail de contact de l'organisme (tracé).",
        permission_classes=[MayDelegate],
    )
    async def update_organisation_email(self, info: Info, email: str) -> Organisation:
        row = await organisation_contact.change_organisation_email(info.context, email)
        return Organisation.from_row(row)
