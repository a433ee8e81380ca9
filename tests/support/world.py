"""The shared world of the `world` fixture (tests/conftest.py): two imported organisations with
users for every kind of grant and refusal and an auditor, and small helpers to use it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bailleurs.agency import create_agent
from models import HabilitationGroup, Organisation, Tenant, User
from models.enums import UserStatus
from policies.enforcers import load_enforcer
from policies.vocabulary import Role, org_domain, user_subject
from tests.declarations.operations import TENANTS
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
    tenants_of,
)


@dataclass
class World:
    org: Organisation
    other: Organisation
    groups: dict[str, HabilitationGroup]
    users: dict[str, User]
    tenants: list[Tenant]
    auditor_token: str
    tokens: dict[str, str] = field(default_factory=dict)


async def build_world(api) -> World:
    """Organisation A: conventionné 14 (3), privé 14 (2), conventionné 75 (2), privé 2A (1);
    organisation B: conventionné 14 (2). Users of A cover each kind of grant and refusal."""
    await import_organisations(
        api,
        organisation_data(
            "ORGANISME A",
            [
                ("CONVENTIONNE", "14", 3),
                ("PRIVE", "14", 2),
                ("CONVENTIONNE", "75", 2),
                ("PRIVE", "2A", 1),
            ],
        ),
        organisation_data("ORGANISME B", [("CONVENTIONNE", "14", 2)]),
    )
    org = await Organisation.get(name="ORGANISME A")
    other = await Organisation.get(name="ORGANISME B")
    groups = {
        "c14": await group(org, "conventionne", "14"),
        "p14": await group(org, "prive", "14"),
        "c75": await group(org, "conventionne", "75"),
        "p2a": await group(org, "prive", "2A"),
    }
    users = {
        "admin": await make_user(api, org, "A.ADMIN", roles=(Role.ADMINISTRATEUR,)),
        "agent": await make_user(api, org, "A.AGENT", groups=(groups["c14"],)),
        "mixed": await make_user(api, org, "A.MIXED", groups=(groups["p14"], groups["c75"])),
        "manager": await make_user(api, org, "A.RESP", roles=(Role.RESPONSABLE,)),
        "none": await make_user(api, org, "A.NONE"),
        "closed": await make_user(api, org, "A.CLOSED", groups=(groups["c14"],)),
        "b_admin": await make_user(api, other, "B.ADMIN", roles=(Role.ADMINISTRATEUR,)),
    }
    await User.filter(id=users["closed"].id).update(status=UserStatus.CLOSED)
    tenants = await tenants_of(org) + await tenants_of(other)
    auditor_token = await auditor(api, "CAF.AUDIT")
    return World(org, other, groups, users, tenants, auditor_token)


async def auditor(api, identifier: str) -> str:
    await create_agent(api.services.settings, "auditeur", identifier, PASSWORD)
    return await api.login(identifier, PASSWORD)


async def token_of(api, world: World, key: str) -> str:
    if key not in world.tokens:
        world.tokens[key] = await api.login(world.users[key].identifier, PASSWORD)
    return world.tokens[key]


async def visible_ids(api, token: str) -> set[str]:
    data = await api.ok(TENANTS, {"first": 100}, token)
    return {e["node"]["id"] for e in data["tenants"]["edges"]}


async def set_memberships(api, user: User, names: list[str]) -> None:
    """Replace a user's roles and groups straight in Casbin (as the factories do)."""
    domain = org_domain(user.organisation_id)
    enforcer = await load_enforcer(domain)
    sub = user_subject(user.id)
    await enforcer.remove_filtered_grouping_policy(0, sub, "", domain)
    if names:
        await enforcer.add_grouping_policies([[sub, name, domain] for name in names])
    api.services.registry.invalidate(domain)
