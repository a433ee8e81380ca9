"""Agency-side accounts (agent_caf, auditeur), created from the command line."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bailleurs.settings import Settings
from models import User
from models.enums import AgencyRole, UserStatus
from policies.defaults import agency_role_rules
from policies.enforcers import load_enforcer
from policies.vocabulary import AGENCY_DOMAIN, user_subject
from resolvers.accounts.passwords import check_strength, hash_password
from resolvers.audit import chain as audit_log
from resolvers.shared.clock import now
from resolvers.shared.errors import Invalid


async def create_agent(settings: Settings, role: str, identifier: str, password: str) -> str:
    try:
        check_strength(settings, password, "BAILLEURS_AGENT_PASSWORD")
    except Invalid as exc:
        return "Mot de passe refusé : " + exc.message
    if await User.exists(identifier=identifier):
        return f"L'identifiant {identifier} existe déjà."
    moment = now()
    async with in_transaction():
        user = await User.create(
            identifier=identifier, agency_role=AgencyRole(role), status=UserStatus.ACTIVE,
            password_hash=hash_password(settings, password), must_change_password=False,
            profile_completed_at=moment, usage_rules_accepted_at=moment, terms_accepted_at=moment,
            last_name="CAF", first_name=role,
        )
        enforcer = await load_enforcer(AGENCY_DOMAIN)
        missing = [r for r in agency_role_rules() if not enforcer.has_policy(*r)]
        if missing:
            await enforcer.add_policies(missing)
        await enforcer.add_role_for_user_in_domain(user_subject(user.id), role, AGENCY_DOMAIN)
        await audit_log.record(
            "agent_created", actor_id=None, actor_label="cli", organisation_id=None,
            target_type="user", target_id=user.id, after={"role": role, "identifier": identifier},
        )
    return f"Compte {role} créé : {identifier}"
