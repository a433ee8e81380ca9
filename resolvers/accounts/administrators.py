"""The agency replaces an organisation's administrator (the guide's « contactez la Caf »)."""

from __future__ import annotations

from typing import Any

from models import Organisation, User
from policies.vocabulary import Role, org_domain, parse_id, user_subject
from resolvers.accounts import mails as account_mails
from resolvers.accounts.sessions import user_may_work
from resolvers.audit import chain as audit_log
from resolvers.habilitations.administration import habilitation_state
from resolvers.habilitations.policy_changes import policy_change
from resolvers.shared.context import Context
from resolvers.shared.errors import Conflict, NotFound
from resolvers.shared.outbox import queue_mail, wake_sender


async def _load(organisation_id: int, user_id: int) -> tuple[Organisation, User]:
    organisation = await Organisation.get_or_none(id=organisation_id)
    if organisation is None:
        raise NotFound("Organisme introuvable.")
    user = await User.get_or_none(id=user_id, organisation_id=organisation_id)
    if user is None:
        raise NotFound("Utilisateur introuvable dans cet organisme.")
    if organisation.activated_at is None:
        raise Conflict(
            "Cet organisme n'a pas encore été activé : sa première connexion désignera "
            "son administrateur."
        )
    if not user_may_work(user):
        raise Conflict("Ce compte est clôturé ou hors de ses dates d'ouverture.")
    return organisation, user


async def replace_administrator(ctx: Context, organisation_id: int, user_id: int) -> User:
    organisation, user = await _load(organisation_id, user_id)
    actor = await User.get(id=ctx.user_id)
    domain = org_domain(organisation.id)
    role = Role.ADMINISTRATEUR.value
    record: dict[str, Any] = dict(
        actor_id=actor.id,
        actor_label=actor.identifier,
        organisation_id=organisation.id,
        target_type="user",
        delegation=[{"role": actor.agency_role.value, "domain": "caf"}],
    )
    async with policy_change(ctx.services, domain) as enforcer:
        holders = await enforcer.get_users_for_role_in_domain(role, domain)
        for subject in holders:
            if subject == user_subject(user.id):
                continue
            former = await User.get(id=parse_id(subject))
            before = await habilitation_state(enforcer, former)
            await enforcer.remove_grouping_policy(subject, role, domain)
            await audit_log.record(
                "administrator_replaced",
                target_id=former.id,
                before=before,
                after=await habilitation_state(enforcer, former),
                **record,
            )
        if user_subject(user.id) not in holders:
            before = await habilitation_state(enforcer, user)
            await enforcer.add_role_for_user_in_domain(user_subject(user.id), role, domain)
            await audit_log.record(
                "administrator_replaced",
                target_id=user.id,
                before=before,
                after=await habilitation_state(enforcer, user),
                **record,
            )
        await Organisation.filter(id=organisation.id).update(administrator_id=user.id)
        subject_line, body = account_mails.administrator_replaced(organisation, user)
        for address in sorted({a for a in (user.email, organisation.email) if a}):
            await queue_mail(address, subject_line, body)
    wake_sender(ctx.services)
    return user
