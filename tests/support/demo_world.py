"""A prepared world for the hardening tests: the demo data (LES OLIVIERS with its administrator
and a group member; HABITAT DU SUD; the agency's auditeur and agent) plus a responsable
d'habilitation in LES OLIVIERS and an administrator and a declaration in HABITAT DU SUD, so that
both organisations own users, groups, tenants and declarations."""

from __future__ import annotations

from dataclasses import dataclass, field

from bailleurs.demo import load_demo
from models import HabilitationGroup, Housing, Organisation, RentDeclaration, Tenant, User
from models.enums import DeclarationState
from policies.vocabulary import Role
from resolvers.accounts.sessions import open_session
from tests.support.factories import group, make_user

# role name -> identifier of the user playing it (None: anonymous)
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "landlord_user": "OLIVIERS.AGENT",
    "responsable_habilitation": "OLIVIERS.RESP",
    "administrateur": "OLIVIERS.ADMIN",
    "auditeur": "CAF.AUDIT",
    "agent_caf": "CAF.AGENT",
}
# Models whose ids the API hands out, by GraphQL type name.
MODELS = {
    "Organisation": Organisation, "User": User, "HabilitationGroup": HabilitationGroup,
    "Housing": Housing, "Tenant": Tenant, "RentDeclaration": RentDeclaration,
}


@dataclass
class DemoWorld:
    olivier: Organisation
    sud: Organisation
    # GraphQL type name -> ids of rows owned by each organisation
    ids_by_org: dict[int, dict[str, list[str]]] = field(default_factory=dict)

    def all_ids(self) -> list[str]:
        return sorted({i for kinds in self.ids_by_org.values() for ids in kinds.values()
                       for i in ids}, key=int)


async def _owned_ids(organisation: Organisation) -> dict[str, list[str]]:
    org = organisation.id
    queries = {
        "Organisation": Organisation.filter(id=org),
        "User": User.filter(organisation_id=org),
        "HabilitationGroup": HabilitationGroup.filter(organisation_id=org),
        "Housing": Housing.filter(organisation_id=org),
        "Tenant": Tenant.filter(housing__organisation_id=org),
        "RentDeclaration": RentDeclaration.filter(tenant__housing__organisation_id=org),
    }
    return {kind: [str(i) for i in await q.values_list("id", flat=True)]
            for kind, q in queries.items()}


async def prepare_world(api) -> DemoWorld:
    settings = api.services.settings
    await load_demo(settings)
    olivier = await Organisation.get(user_number="OLIVIERS140001")
    sud = await Organisation.get(user_number="HABSUD00000971")
    await make_user(api, olivier, "OLIVIERS.RESP", roles=(Role.RESPONSABLE,),
                    groups=(await group(olivier, "prive", "14"),))
    sud_admin = await make_user(api, sud, "SUD.ADMIN", roles=(Role.ADMINISTRATEUR,))
    await make_user(api, sud, "SUD.AGENT", groups=(await group(sud, "conventionne", "2A"),))
    tenant = await Tenant.get(allocataire_number="3301001")
    await RentDeclaration.create(
        tenant=tenant, year=settings.campaign_year, state=DeclarationState.BROUILLON,
        rent_cents=61000, created_by=sud_admin,
    )
    world = DemoWorld(olivier=olivier, sud=sud)
    for organisation in (olivier, sud):
        world.ids_by_org[organisation.id] = await _owned_ids(organisation)
    return world


async def token_for(api, identifier: str | None) -> str | None:
    """A fresh full session for the user (no password round trip: fuzzing may change them)."""
    if identifier is None:
        return None
    user = await User.get(identifier=identifier)
    token, _ = await open_session(api.services.settings, user=user,
                                  organisation_id=user.organisation_id, restricted=False)
    return token
