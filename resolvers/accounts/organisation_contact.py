"""The organisation's contact address (where « identifiant perdu » answers go), changed by its
administrateur: checked like any address, written and audited in one transaction."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import Organisation, User
from resolvers.accounts.addresses import masked_email
from resolvers.accounts.person_checks import stored_email
from resolvers.audit import chain as audit_log
from resolvers.shared.context import Context
from resolvers.shared.errors import Invalid


async def change_organisation_email(ctx: Context, email: str) -> Organisation:
    address = stored_email(email)
    actor = await User.get(id=ctx.user_id).only("id", "identifier")
    async with in_transaction():
        organisation = await Organisation.filter(id=ctx.organisation_id).select_for_update().get()
        before = organisation.email
        if before is not None and before.lower() == address.lower():
            raise Invalid({"email": "C'est déjà l'adresse de contact de l'organisme."})
        await Organisation.filter(id=organisation.id).update(email=address)
        organisation.email = address
        await audit_log.record(
            "organisation_email_changed", actor_id=actor.id, actor_label=actor.identifier,
            organisation_id=organisation.id, target_type="organisation",
            target_id=organisation.id, before={"email": masked_email(before)},
            after={"email": masked_email(address)},
        )
    return organisation
