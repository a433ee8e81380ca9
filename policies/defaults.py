"""Default policy data: what each built-in role and each habilitation group is granted."""

from __future__ import annotations

from collections.abc import Iterable

from policies.vocabulary import (
    AGENCY_DOMAIN,
    ANY,
    Act,
    Role,
    group_subject,
    org_domain,
    user_subject,
)

# Rights of the built-in roles, as (housing type, zone, action).
ROLE_RIGHTS: dict[Role, tuple[tuple[str, str, Act], ...]] = {
    # The administrator holds the organisation's account: every tenant, and user management.
    Role.ADMINISTRATEUR: (
        (ANY, ANY, Act.READ),
        (ANY, ANY, Act.DECLARE),
        (ANY, ANY, Act.MANAGE),
        (ANY, ANY, Act.DELEGATE),
    ),
    # A responsable manages users; which tenants they see still comes from their groups.
    Role.RESPONSABLE: ((ANY, ANY, Act.MANAGE),),
}
AGENCY_RIGHTS: dict[Role, tuple[Act, ...]] = {
    Role.AUDITEUR: (Act.AUDIT,),
    Role.AGENT_CAF: (Act.REPLACE_ADMIN,),
}
# What membership of a habilitation group gives on its (housing type, zones).
GROUP_ACTIONS: tuple[Act, ...] = (Act.READ, Act.DECLARE)


def organisation_role_rules(organisation_id: int) -> list[list[str]]:
    dom = org_domain(organisation_id)
    return [[role, dom, h, z, a] for role, rights in ROLE_RIGHTS.items() for h, z, a in rights]


def agency_role_rules() -> list[list[str]]:
    return [
        [role, AGENCY_DOMAIN, ANY, ANY, act]
        for role, acts in AGENCY_RIGHTS.items()
        for act in acts
    ]


def group_rules(
    organisation_id: int, group_id: int, housing_type: str, zones: Iterable[str]
) -> list[list[str]]:
    dom, sub = org_domain(organisation_id), group_subject(group_id)
    return [[sub, dom, housing_type, z, a] for z in sorted(set(zones)) for a in GROUP_ACTIONS]


def perimeter_rules(
    organisation_id: int, user_id: int, pairs: Iterable[tuple[str, str]]
) -> list[list[str]]:
    """A responsable's explicit perimeter: the (housing type, zone) pairs it may grant."""
    dom, sub = org_domain(organisation_id), user_subject(user_id)
    return [[sub, dom, h, z, Act.GRANT.value] for h, z in sorted(set(pairs))]
