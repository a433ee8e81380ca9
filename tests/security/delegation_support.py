"""A delegation world and an oracle of the delegation rule, read from the stored policy lines.

The world: one organisation with five groups (privés 13, 14, 971; conventionnés 14, 2A), its
administrateur, two responsables — R13 holding only privés 13 (the review's responsable, default
perimeter) and R14 holding conventionnés 14 with an explicit perimeter {conventionnés 14, privés 14}
set by the administrateur through the API — and ordinary users inside and outside those perimeters.

The oracle restates the rule from the `casbin_rule` rows alone, independently of the code under
test: a responsable's perimeter is its `grant` lines, else the pairs of the groups it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models import CasbinRule, HabilitationGroup, Organisation, User
from policies.enforcers import load_enforcer
from policies.vocabulary import Role, org_domain, user_subject
from resolvers.accounts.sessions import open_session
from tests.habilitations.operations import SET_HABILITATION_MANAGER as SET_MANAGER
from tests.support.factories import group, import_organisations, make_user, organisation_data

GROUPS = {
    "prive13": ("prive", "13"), "prive14": ("prive", "14"), "prive971": ("prive", "971"),
    "conv14": ("conventionne", "14"), "conv2A": ("conventionne", "2A"),
}
MANAGERS = {Role.ADMINISTRATEUR.value, Role.RESPONSABLE.value}



def new_user_input(email: str, group_ids: list[int]) -> dict:
    return {"input": {
        "lastName": "FANTOCHE", "firstName": "Paul", "email": email,
        "emailConfirmation": email, "groupIds": [str(g) for g in group_ids],
    }}


@dataclass
class DelegationWorld:
    organisation: Organisation
    groups: dict[str, HabilitationGroup]
    users: dict[str, User]
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return org_domain(self.organisation.id)

    def gid(self, *names: str) -> list[str]:
        return [str(self.groups[n].id) for n in names]

    def uid(self, name: str) -> str:
        return str(self.users[name].id)


async def token_of(api, user: User) -> str:
    token, _ = await open_session(
        api.services.settings, user=user, organisation_id=user.organisation_id, restricted=False
    )
    return token


async def build_world(api) -> DelegationWorld:
    housings = [(kind.upper(), zone, 1) for kind, zone in GROUPS.values()]
    await import_organisations(api, organisation_data("DELEGATION", housings))
    organisation = await Organisation.get(name="DELEGATION")
    groups = {name: await group(organisation, kind, zone) for name, (kind, zone) in GROUPS.items()}
    g = groups
    users = {
        "admin": await make_user(api, organisation, "D.ADMIN", roles=(Role.ADMINISTRATEUR,)),
        "r13": await make_user(api, organisation, "D.R13", roles=(Role.RESPONSABLE,),
                               groups=(g["prive13"],)),
        "r14": await make_user(api, organisation, "D.R14", roles=(Role.RESPONSABLE,),
                               groups=(g["conv14"],)),
        "u13": await make_user(api, organisation, "D.U13", groups=(g["prive13"],)),
        "u2a": await make_user(api, organisation, "D.U2A", groups=(g["conv2A"],)),
        "u14": await make_user(api, organisation, "D.U14", groups=(g["conv14"], g["prive14"])),
        "mixed": await make_user(api, organisation, "D.MIXED",
                                 groups=(g["prive13"], g["conv14"])),
        "bare": await make_user(api, organisation, "D.BARE"),
    }
    await Organisation.filter(id=organisation.id).update(administrator_id=users["admin"].id)
    world = DelegationWorld(organisation, groups, users)
    world.tokens = {name: await token_of(api, user) for name, user in users.items()}
    await api.ok(SET_MANAGER, {"u": world.uid("r14"), "on": True,
                               "g": world.gid("conv14", "prive14")}, world.tokens["admin"])
    return world


# --- the oracle -----------------------------------------------------------------------------

Line = tuple[str, str, str, str, str, str]


async def policy_lines(domain: str) -> frozenset[Line]:
    """Every stored line of the domain (p lines hold it in v1, g lines in v2)."""
    rows = await CasbinRule.filter(ptype="p", v1=domain) + await CasbinRule.filter(
        ptype="g", v2=domain
    )
    return frozenset((r.ptype, r.v0, r.v1, r.v2, r.v3, r.v4) for r in rows)


def memberships(lines: frozenset[Line], user_id: int) -> set[str]:
    return {line[2] for line in lines if line[0] == "g" and line[1] == user_subject(user_id)}


def group_ids_of(lines: frozenset[Line], user_id: int) -> set[int]:
    return {int(n[4:]) for n in memberships(lines, user_id) if n.startswith("grp:")}


def group_pairs(lines: frozenset[Line], group_ids) -> set[tuple[str, str]]:
    subjects = {f"grp:{gid}" for gid in group_ids}
    return {(line[3], line[4]) for line in lines if line[0] == "p" and line[1] in subjects}


def perimeter(lines: frozenset[Line], user_id: int) -> set[tuple[str, str]]:
    explicit = {
        (line[3], line[4]) for line in lines
        if line[0] == "p" and line[1] == user_subject(user_id) and line[5] == "grant"
    }
    return explicit or group_pairs(lines, group_ids_of(lines, user_id))


def is_manager(lines: frozenset[Line], user_id: int) -> bool:
    return bool(memberships(lines, user_id) & MANAGERS)


def delegate_may(
    lines: frozenset[Line], actor_id: int, target_id: int | None, grants: list[int]
) -> bool:
    """The rule as the issue states it, for a responsable that is not administrateur."""
    inside = perimeter(lines, actor_id)
    if target_id is not None:
        if target_id == actor_id or is_manager(lines, target_id):
            return False
        if not group_pairs(lines, group_ids_of(lines, target_id)) <= inside:
            return False
    return group_pairs(lines, grants) <= inside


async def casbin_rights(domain: str, user_id: int) -> set[tuple[str, str]]:
    """The (housing type, zone) pairs Casbin gives the user on tenants (read or declare)."""
    enforcer = await load_enforcer(domain)
    permissions = await enforcer.get_implicit_permissions_for_user(user_subject(user_id), domain)
    return {(p[2], p[3]) for p in permissions if p[4] in ("read", "declare", "*")}
