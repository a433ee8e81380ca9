"""The auditor's questions, answered on a prepared organisation and checked against what users
really see through `tenants`."""

from __future__ import annotations

from tests.audit.operations import EXPLAIN, POLICIES, SIMULATE, USER_ACCESS, WHO
from tests.declarations.operations import TENANTS
from tests.habilitations.operations import SET_USER_GROUPS
from tests.support.world import token_of, visible_ids


async def test_policies_list_every_rule_and_membership_in_both_forms(api, world):
    # when
    data = (await api.ok(POLICIES, {"org": str(world.org.id)}, world.auditor_token))["policies"]
    # then
    assert data["organisationName"] == "ORGANISME A"
    assert "[matchers]" in data["model"]
    c14 = world.groups["c14"]
    rule = next(r for r in data["rules"] if r["groupId"] == str(c14.id) and r["action"] == "read")
    assert rule == {
        "subjectKind": "group",
        "subject": c14.name,
        "groupId": str(c14.id),
        "housingType": "CONVENTIONNE",
        "zone": "14",
        "action": "read",
        "casbin": f"p, grp:{c14.id}, org:{world.org.id}, conventionne, 14, read",
    }
    members = {(m["user"]["identifier"], m["subject"]) for m in data["memberships"]}
    assert ("A.AGENT", c14.name) in members and ("A.ADMIN", "Administrateur") in members
    assert not any(m["user"]["identifier"] == "B.ADMIN" for m in data["memberships"])
    assert len(data["casbinLines"]) == len(data["rules"]) + len(data["memberships"])


async def test_explanations_agree_with_what_each_user_sees(api, world):
    # given: what every user who can log in really sees
    for key in ("admin", "agent", "mixed", "manager", "none"):
        seen = await visible_ids(api, await token_of(api, world, key))
        for tenant in world.tenants:
            # when
            data = await api.ok(
                EXPLAIN,
                {"user": str(world.users[key].id), "tenant": str(tenant.id), "action": "READ"},
                world.auditor_token,
            )
            # then
            assert data["explainAccess"]["allowed"] == (str(tenant.id) in seen), (key, tenant.id)


async def test_a_group_grant_is_explained_by_its_path(api, world):
    tenant = next(
        t
        for t in world.tenants
        if t.housing.organisation_id == world.org.id
        and t.housing.departement == "14"
        and t.housing.housing_type == "conventionne"
    )
    data = await api.ok(
        EXPLAIN,
        {"user": str(world.users["agent"].id), "tenant": str(tenant.id), "action": "DECLARE"},
        world.auditor_token,
    )
    e = data["explainAccess"]
    assert e["allowed"] and e["reason"] is None
    assert [s["kind"] for s in e["path"]] == ["organisation", "group", "rule"]
    assert e["path"][1]["label"] == f"Groupe « {world.groups['c14'].name} »"
    assert e["path"][2]["casbin"].endswith("conventionne, 14, declare")


REFUSALS = [
    ("agent", "prive", "14", "A", "WRONG_HOUSING_TYPE"),
    ("agent", "conventionne", "75", "A", "WRONG_ZONE"),
    ("agent", "prive", "2A", "A", "NO_MATCHING_RULE"),
    ("none", "conventionne", "14", "A", "NO_GROUP"),
    ("manager", "conventionne", "14", "A", "NO_GROUP"),
    ("closed", "conventionne", "14", "A", "ACCOUNT_CLOSED"),
    ("admin", "conventionne", "14", "B", "OTHER_ORGANISATION"),
]


async def test_each_refusal_names_its_nearest_reason(api, world):
    for key, kind, dept, org, reason in REFUSALS:
        org_id = world.org.id if org == "A" else world.other.id
        tenant = next(
            t
            for t in world.tenants
            if t.housing.organisation_id == org_id
            and t.housing.housing_type == kind
            and t.housing.departement == dept
        )
        data = await api.ok(
            EXPLAIN,
            {"user": str(world.users[key].id), "tenant": str(tenant.id), "action": "READ"},
            world.auditor_token,
        )
        e = data["explainAccess"]
        assert (e["allowed"], e["reason"], e["path"]) == (False, reason, []), key


async def test_who_can_access_lists_exactly_the_users_who_see_the_tenant(api, world):
    keys = ("admin", "agent", "mixed", "manager", "none", "b_admin")
    seen = {k: await visible_ids(api, await token_of(api, world, k)) for k in keys}
    for tenant in world.tenants:
        data = await api.ok(WHO, {"tenant": str(tenant.id)}, world.auditor_token)
        who = {w["user"]["identifier"] for w in data["whoCanAccess"]}
        expected = {world.users[k].identifier for k in keys if str(tenant.id) in seen[k]}
        assert who == expected


async def test_user_access_counts_match_the_tenants_list(api, world):
    for key in ("admin", "agent", "mixed", "none"):
        token = await token_of(api, world, key)
        total = (await api.ok(TENANTS, {"first": 1}, token))["tenants"]["totalCount"]
        data = (await api.ok(USER_ACCESS, {"user": str(world.users[key].id)}, world.auditor_token))[
            "userAccess"
        ]
        assert data["total"] == total == sum(c["count"] for c in data["byHousing"])
    mixed = await api.ok(USER_ACCESS, {"user": str(world.users["mixed"].id)}, world.auditor_token)
    assert mixed["userAccess"]["byHousing"] == [
        {"housingType": "CONVENTIONNE", "zone": "75", "count": 2},
        {"housingType": "PRIVE", "zone": "14", "count": 2},
    ]


async def test_simulation_counts_gains_and_losses_without_writing(api, world):
    # given
    agent = world.users["agent"]
    before_lines = await api.ok(POLICIES, {"org": str(world.org.id)}, world.auditor_token)
    # when: the agent would move from conventionné 14 to privé 14 + privé 2A
    data = await api.ok(
        SIMULATE,
        {
            "input": {
                "userId": str(agent.id),
                "groupIds": [str(world.groups["p14"].id), str(world.groups["p2a"].id)],
            }
        },
        world.auditor_token,
    )
    # then
    assert data["simulateHabilitationChange"] == [
        {"user": {"identifier": "A.AGENT"}, "before": 3, "after": 3, "gained": 3, "lost": 3}
    ]
    assert await api.ok(POLICIES, {"org": str(world.org.id)}, world.auditor_token) == before_lines
    assert len(await visible_ids(api, await token_of(api, world, "agent"))) == 3


async def test_simulating_a_zone_change_lists_every_member(api, world):
    data = await api.ok(
        SIMULATE,
        {"input": {"groupId": str(world.groups["c14"].id), "zones": ["14", "75"]}},
        world.auditor_token,
    )
    rows = {r["user"]["identifier"]: r for r in data["simulateHabilitationChange"]}
    assert rows["A.AGENT"] == {
        "user": {"identifier": "A.AGENT"},
        "before": 3,
        "after": 5,
        "gained": 2,
        "lost": 0,
    }
    # a closed account sees nothing before or after
    assert rows["A.CLOSED"]["before"] == rows["A.CLOSED"]["after"] == 0


async def test_a_simulation_predicts_what_the_change_really_does(api, world):
    # given
    agent = world.users["agent"]
    new_groups = [str(world.groups["c75"].id), str(world.groups["p2a"].id)]
    before = await visible_ids(api, await token_of(api, world, "agent"))
    data = await api.ok(
        SIMULATE, {"input": {"userId": str(agent.id), "groupIds": new_groups}}, world.auditor_token
    )
    [predicted] = data["simulateHabilitationChange"]
    # when: the administrator makes the change
    admin = await token_of(api, world, "admin")
    await api.ok(SET_USER_GROUPS, {"u": str(agent.id), "g": new_groups}, admin)
    # then
    after = await visible_ids(api, await token_of(api, world, "agent"))
    assert (predicted["before"], predicted["after"]) == (len(before), len(after))
    assert (predicted["gained"], predicted["lost"]) == (len(after - before), len(before - after))


async def test_simulating_unknown_zones_is_refused_field_by_field(api, world):
    # Found by the fuzzer: an empty zone gave INTERNAL_SERVER_ERROR.
    for zones in ([""], ["14", "99"], ["2a"]):
        error = await api.error(
            SIMULATE,
            {"input": {"groupId": str(world.groups["c14"].id), "zones": zones, "action": "READ"}},
            world.auditor_token,
        )
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (zones, error)
        assert "zones" in error["extensions"]["fields"], error
