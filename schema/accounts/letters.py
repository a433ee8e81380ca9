"""Activation letters on the agency side: requests waiting for a reissue, and the reissue."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers.accounts import letters
from resolvers.shared.clock import now
from schema.accounts.sessions import Organisation
from schema.common import Connection, check_page_size, connection_of, decode_cursor, decode_id
from schema.info import Info
from schema.permissions import MayReplaceAdmin
from schema.read_rules import AGENT, readable_by
from schema.request_cost import HASHING


@readable_by(AGENT)
@strawberry.type(
    description="Organisme pas encore activé dont une demande « Identifiant perdu » n'a pas pu "
    "partir par courrier (pas d'adresse postale) : il attend une réédition par la Caf."
)
class LetterRequest:
    organisation: Organisation = strawberry.field(description="L'organisme.")
    requested_at: datetime = strawberry.field(description="Dernière demande.")


@readable_by(AGENT)
@strawberry.type(description="Courriers d'activation réédités par la Caf.")
class ReissuedLetters:
    organisation: Organisation = strawberry.field(description="L'organisme.")
    identifier: str = strawberry.field(description="Identifiant (inchangé) du premier courrier.")
    initial_password: str | None = strawberry.field(
        description="Nouveau mot de passe, à imprimer et poster ; null quand les courriers sont "
        "partis par courrier à l'adresse postale de l'organisme."
    )
    sent_by_post: bool = strawberry.field(
        description="Les deux courriers sont partis à l'adresse postale de l'organisme."
    )


@strawberry.type
class LettersQuery:
    @strawberry.field(
        description="Demandes « Identifiant perdu » en attente d'une réédition des courriers.",
        permission_classes=[MayReplaceAdmin],
    )
    async def pending_letter_reissues(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> Connection[LetterRequest]:
        check_page_size(first, info.context.settings.max_page_size)
        page = await letters.pending_reissues(first, decode_cursor(after) if after else None)
        nodes = [
            LetterRequest(
                organisation=Organisation.from_row(r), requested_at=r.letters_requested_at or now()
            )
            for r in page.rows
        ]
        return connection_of(page, nodes)


ReplaceFormer = Annotated[
    bool,
    strawberry.argument(
        description="false (par défaut) : les courriers précédents fonctionnent jusqu'à la "
        "première connexion avec les nouveaux, qui les remplace alors ; true (courriers perdus "
        "ou volés) : ils cessent aussitôt de fonctionner."
    ),
]


@strawberry.type
class LettersMutation:
    @strawberry.mutation(
        description="Réédite les courriers d'activation d'un organisme pas encore activé "
        "(tracé). Les courriers précédents fonctionnent jusqu'à la première connexion avec "
        "les nouveaux (avec replaceFormer: true, ils cessent aussitôt : seule cette action de "
        "la Caf les retire ; une demande « Identifiant perdu » ajoute un mot de passe sans "
        "retirer l'ancien). Les courriers "
        "partent à l'adresse postale de l'organisme s'il en a une ; sinon le mot de passe est "
        "rendu pour être imprimé. CONFLICT si l'organisme a déjà un administrateur.",
        permission_classes=[MayReplaceAdmin], metadata=HASHING,
    )
    async def reissue_activation_letters(
        self, info: Info, organisation_id: strawberry.ID, replace_former: ReplaceFormer = False
    ) -> ReissuedLetters:
        done = await letters.reissue_letters(
            info.context, decode_id(organisation_id, "organisationId"),
            replace_former=replace_former,
        )
        return ReissuedLetters(
            organisation=Organisation.from_row(done.organisation), identifier=done.identifier,
            initial_password=done.password, sent_by_post=done.posted,
        )
