"""Property: over random groups, memberships and roles, every list equals exactly the objects
for which `can` is true, and both agree with stock Casbin's `enforce` on the model file.

Hypothesis runs in a worker thread and hands each example's coroutine to the test's event loop
(the app's database connections live there).
"""

from __future__ import annotations

import os

from hypothesis import strategies as st

from models import CasbinRule, Organisation
from policies.defaults import organisation_role_rules
from policies.enforcers import load_enforcer
from policies.guard import Guard
from policies.principal import Principal
from policies.vocabulary import ANY, Act, org_domain, user_subject
from resolvers.accounts.sessions import open_session
from tests.declarations.operations import TENANT, TENANTS
from tests.support.factories import import_organisations, make_user, organisation_data, tenants_of
from tests.support.properties import holds_for_examples

EXAMPLES = int(os.environ.get("SCOPE_EXAMPLES", "500"))
ZONES = ["14", "2A", "971", "75"]
TYPES = ["conventionne", "prive"]

group_def = st.tuples(
    st.sampled_from([*TYPES, ANY]),
    st.frozensets(st.sampled_from([*ZONES, ANY]), min_size=1, max_size=3),
    st.frozensets(
        st.sampled_from([Act.READ.value, Act.DECLARE.value, ANY]), min_size=1, max_size=2
    ),
)
member = st.tuples(
    st.frozensets(st.integers(0, 3), max_size=3),
    st.sampled_from([None, "administrateur", "responsable_habilitation"]),
)
world_strategy = st.fixed_dictionaries({
    "groups_a": st.lists(group_def, max_size=4),
    "members_a": st.lists(member, min_size=3, max_size=3),
    "groups_b": st.lists(group_def, max_size=2),
    "member_b": member,
    "probe": st.integers(0, 10_000),
})


async def _install(users, orgs, world) -> None:
    """Replace both organisations' policy lines by the example's, through Casbin."""
    for org, groups, members in ((orgs[0], world["groups_a"], world["members_a"]),
                                 (orgs[1], world["groups_b"], [world["member_b"]])):
        domain = org_domain(org.id)
        await CasbinRule.filter(ptype="p", v1=domain).delete()
        await CasbinRule.filter(ptype="g", v2=domain).delete()
        enforcer = await load_enforcer(domain)
        rules = organisation_role_rules(org.id)
        for i, (kind, zones, acts) in enumerate(groups):
            rules += [[f"grp:{9000 + i}", domain, kind, z, a]
                      for z in sorted(zones) for a in sorted(acts)]
        await enforcer.add_policies(rules)
        grouping = []
        for user, (memberships, role) in zip(users[org.id], members, strict=False):
            names = [f"grp:{9000 + i}" for i in sorted(memberships) if i < len(groups)]
            names += [role] if role else []
            grouping += [[user_subject(user.id), name, domain] for name in names]
        if grouping:
            await enforcer.add_grouping_policies(grouping)


def _place(tenant) -> tuple[int, str, str]:
    """What `Guard.can` decides on: organisation, housing type, département."""
    housing = tenant.housing
    return housing.organisation_id, housing.housing_type.value, housing.departement


async def _check(api, users, orgs, tenants, tokens, world) -> None:
    await _install(users, orgs, world)
    for org in orgs:
        api.services.registry.invalidate(org_domain(org.id))
    references = {org.id: await load_enforcer(org_domain(org.id)) for org in orgs}
    for org in orgs:
        for user in users[org.id]:
            principal = Principal(user_id=user.id, organisation_id=org.id)
            guard = Guard(principal, api.services.scopes)
            for act in (Act.READ, Act.DECLARE):
                expected = {
                    t.id for t in tenants
                    if t.housing.organisation_id == org.id and references[org.id].enforce(
                        user_subject(user.id), org_domain(org.id), t.housing.housing_type.value,
                        t.housing.departement, act.value)
                }
                can = {t.id for t in tenants if await guard.can(act, *_place(t))}
                assert can == expected, (user.identifier, act, world)
            body = await api.ok(TENANTS, token=tokens[user.id])
            listed = {int(e["node"]["id"]) for e in body["tenants"]["edges"]}
            readable = {t.id for t in tenants
                        if await Guard(principal, api.services.scopes).can(Act.READ, *_place(t))}
            assert listed == readable and body["tenants"]["totalCount"] == len(readable)
            probe = tenants[world["probe"] % len(tenants)]
            single = await api.gql(TENANT, {"id": str(probe.id)}, tokens[user.id])
            found = "errors" not in single
            assert found == (probe.id in readable)
            if not found:
                assert single["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_lists_equal_the_objects_can_allows(api):
    await import_organisations(
        api,
        organisation_data("PROP A", [(k.upper(), z, 1) for k in TYPES for z in ZONES]),
        organisation_data("PROP B", [("CONVENTIONNE", "14", 1), ("PRIVE", "2A", 1)]),
    )
    orgs = [await Organisation.get(name="PROP A"), await Organisation.get(name="PROP B")]
    users = {orgs[0].id: [await make_user(api, orgs[0], f"PA{i}") for i in range(3)],
             orgs[1].id: [await make_user(api, orgs[1], "PB0")]}
    tokens = {}
    for org_users in users.values():
        for user in org_users:
            tokens[user.id], _ = await open_session(
                api.services.settings, user=user, organisation_id=user.organisation_id,
                restricted=False,
            )
    tenants = await tenants_of(orgs[0]) + await tenants_of(orgs[1])

    await holds_for_examples(lambda world: _check(api, users, orgs, tenants, tokens, world),
                             world_strategy, EXAMPLES)
