"""Habilitation groups beyond the pre-created ones: the administrateur creates, changes and deletes
them through GraphQL; the enforcer, the stored lines and the audit trail follow in one
transaction; bursts of parallel changes keep names unique and deleted groups empty."""

from __future__ import annotations

import asyncio

import pytest

from models import AuditEvent, CasbinRule, HabilitationGroup, Organisation
from policies.vocabulary import Role
from tests.habilitations.operations import CREATE_GROUP as CREATE
from tests.habilitations.operations import DELETE_GROUP as DELETE
from tests.habilitations.operations import PREVIEW_GROUP_CHANGE as PREVIEW
from tests.habilitations.operations import SET_USER_GROUPS as SET_GROUPS
from tests.habilitations.operations import UPDATE_GROUP as UPDATE
from tests.security.delegation_support import token_of
from tests.support.accounts_support import agency_token
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
)

TENANTS = """query { tenants(first: 100) {
  totalCount edges { node { housing { departement type } } } } }"""
SIMULATE = """query($input: SimulateHabilitationChangeInput!) {
  simulateHabilitationChange(input: $input) { user { identifier } before after gained lost } }"""
NORMANDIE = {"name": "Normandie – privé", "housingType": "PRIVE", "zones": ["14", "50", "61"]}


async def normandie(api):
    """An organisation with private housing in 14, 50, 61 and 2A (2 tenants each), and social
    housing in 14; its administrateur, a responsable and a user without group."""
    housings = [("PRIVE", d, 2) for d in ("14", "50", "61", "2A")] + [("CONVENTIONNE", "14", 2)]
    await import_organisations(api, organisation_data("NORMANDIE", housings))
    org = await Organisation.get(name="NORMANDIE")
    admin = await make_user(api, org, "N.ADMIN", roles=(Role.ADMINISTRATEUR,))
    manager = await make_user(api, org, "N.RESP", roles=(Role.RESPONSABLE,),
                              groups=(await group(org, "prive", "14"),))
    member = await make_user(api, org, "N.MEMBRE")
    tokens = {u.identifier: await token_of(api, u) for u in (admin, manager, member)}
    return org, {"admin": admin, "manager": manager, "member": member}, tokens


async def lines_of(group_id: int) -> set[tuple[str, str, str]]:
    rows = await CasbinRule.filter(ptype="p", v0=f"grp:{group_id}")
    return {(r.v2, r.v3, r.v4) for r in rows}


async def test_the_administrateur_creates_a_group_its_members_see_its_zones(api):
    # given
    org, users, tokens = await normandie(api)
    admin = tokens["N.ADMIN"]
    # when: the group is created and given to a user
    created = (await api.ok(CREATE, {"input": NORMANDIE}, admin))["createHabilitationGroup"]
    await api.ok(SET_GROUPS, {"u": str(users["member"].id), "g": [created["id"]]}, admin)
    # then: its definition, its Casbin lines, its audit event, and what the member sees
    assert created["name"] == "Normandie – privé" and created["zones"] == ["14", "50", "61"]
    gid = int(created["id"])
    assert await lines_of(gid) == {("prive", z, a) for z in ("14", "50", "61")
                                   for a in ("read", "declare")}
    event = await AuditEvent.get(action="habilitation_group_created")
    assert (event.target_type, event.target_id, event.before) == ("group", str(gid), None)
    assert event.after == {"name": "Normandie – privé", "housing_type": "prive",
                           "zones": ["14", "50", "61"]}
    seen = (await api.ok(TENANTS, token=tokens["N.MEMBRE"]))["tenants"]
    assert seen["totalCount"] == 6
    assert {e["node"]["housing"]["departement"] for e in seen["edges"]} == {"14", "50", "61"}


async def test_changing_a_group_changes_its_members_rights_at_once(api):
    org, users, tokens = await normandie(api)
    admin = tokens["N.ADMIN"]
    gid = (await api.ok(CREATE, {"input": NORMANDIE}, admin))["createHabilitationGroup"]["id"]
    await api.ok(SET_GROUPS, {"u": str(users["member"].id), "g": [gid]}, admin)
    member_token = tokens["N.MEMBRE"]
    assert (await api.ok(TENANTS, token=member_token))["tenants"]["totalCount"] == 6
    # when: renamed, narrowed to 14, then turned to social housing
    changed = await api.ok(UPDATE, {"g": gid, "input": {"name": "Calvados", "zones": ["14"]}},
                           admin)
    assert changed["updateHabilitationGroup"] == {
        "id": gid, "name": "Calvados", "housingType": "PRIVE", "zones": ["14"]}
    assert (await api.ok(TENANTS, token=member_token))["tenants"]["totalCount"] == 2
    await api.ok(UPDATE, {"g": gid, "input": {"housingType": "CONVENTIONNE"}}, admin)
    seen = (await api.ok(TENANTS, token=member_token))["tenants"]
    assert {e["node"]["housing"]["type"] for e in seen["edges"]} == {"CONVENTIONNE"}
    assert await lines_of(int(gid)) == {("conventionne", "14", "read"),
                                        ("conventionne", "14", "declare")}
    # then: each change audited with before and after
    events = await AuditEvent.filter(action="habilitation_group_changed").order_by("id")
    assert [e.after["zones"] for e in events] == [["14"], ["14"]]
    assert events[0].before["name"] == "Normandie – privé" and events[1].before["name"] == (
        "Calvados")
    assert events[1].after["housing_type"] == "conventionne"


async def test_bad_definitions_are_refused_in_french_and_change_nothing(api):
    org, users, tokens = await normandie(api)
    admin = tokens["N.ADMIN"]
    error = await api.error(CREATE, {"input": {**NORMANDIE, "zones": ["14", "75"]}}, admin)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "75" in error["extensions"]["fields"]["zones"]
    error = await api.error(CREATE, {"input": {**NORMANDIE, "name": "  ", "zones": []}}, admin)
    assert set(error["extensions"]["fields"]) == {"name", "zones"}
    taken = (await group(org, "prive", "14")).name
    error = await api.error(CREATE, {"input": {**NORMANDIE, "name": taken}}, admin)
    assert error["extensions"]["code"] == "CONFLICT" and "déjà ce nom" in error["message"]
    assert not await HabilitationGroup.filter(name="Normandie – privé").exists()
    assert not await AuditEvent.filter(action__startswith="habilitation_group").exists()


async def test_only_the_administrateur_manages_groups(api):
    org, users, tokens = await normandie(api)
    own = await group(org, "prive", "14")
    for name in ("N.RESP", "N.MEMBRE"):
        for query, variables in ((CREATE, {"input": NORMANDIE}),
                                 (UPDATE, {"g": str(own.id), "input": {"zones": ["14", "50"]}}),
                                 (DELETE, {"g": str(own.id)})):
            error = await api.error(query, variables, tokens[name])
            assert error["extensions"]["code"] == "FORBIDDEN", (name, query)
    assert own.zones == (await HabilitationGroup.get(id=own.id)).zones
    # another organisation's administrateur does not even find the group
    await import_organisations(api, organisation_data("AILLEURS", [("PRIVE", "14", 1)]))
    other = await make_user(api, await Organisation.get(name="AILLEURS"), "A.ADMIN",
                            roles=(Role.ADMINISTRATEUR,))
    other_token = await api.login(other.identifier, PASSWORD)
    for query, variables in ((UPDATE, {"g": str(own.id), "input": {"name": "X"}}),
                             (DELETE, {"g": str(own.id)})):
        assert (await api.error(query, variables, other_token))["extensions"]["code"] == (
            "NOT_FOUND")


async def test_a_group_with_members_is_not_deleted_an_empty_one_is(api):
    org, users, tokens = await normandie(api)
    admin = tokens["N.ADMIN"]
    gid = (await api.ok(CREATE, {"input": NORMANDIE}, admin))["createHabilitationGroup"]["id"]
    await api.ok(SET_GROUPS, {"u": str(users["member"].id), "g": [gid]}, admin)
    error = await api.error(DELETE, {"g": gid}, admin)
    assert error["extensions"]["code"] == "CONFLICT" and "1 membre" in error["message"]
    await api.ok(SET_GROUPS, {"u": str(users["member"].id), "g": []}, admin)
    assert (await api.ok(DELETE, {"g": gid}, admin))["deleteHabilitationGroup"] is True
    assert not await HabilitationGroup.exists(id=int(gid))
    assert await lines_of(int(gid)) == set()
    event = await AuditEvent.get(action="habilitation_group_deleted")
    assert event.after is None and event.before["name"] == "Normandie – privé"


async def test_the_administrateur_previews_a_change_and_the_auditor_simulates_it(api):
    org, users, tokens = await normandie(api)
    admin = tokens["N.ADMIN"]
    gid = (await api.ok(CREATE, {"input": NORMANDIE}, admin))["createHabilitationGroup"]["id"]
    await api.ok(SET_GROUPS, {"u": str(users["member"].id), "g": [gid]}, admin)
    # when: the preview of a narrowing, then of a change of housing type
    narrow = await api.ok(PREVIEW, {"g": gid, "input": {"zones": ["14"]}}, admin)
    to_social = await api.ok(PREVIEW, {"g": gid, "input": {"housingType": "CONVENTIONNE"}},
                             admin)
    # then: who loses what, and nothing changed
    assert narrow["previewHabilitationGroupChange"] == [
        {"user": {"identifier": "N.MEMBRE"}, "before": 6, "after": 2, "gained": 0, "lost": 4}]
    assert to_social["previewHabilitationGroupChange"] == [
        {"user": {"identifier": "N.MEMBRE"}, "before": 6, "after": 2, "gained": 2, "lost": 6}]
    assert await lines_of(int(gid)) == {("prive", z, a) for z in ("14", "50", "61")
                                        for a in ("read", "declare")}
    auditor = await agency_token(api, "auditeur")
    simulated = await api.ok(SIMULATE, {"input": {"groupId": gid, "housingType": "CONVENTIONNE"}},
                             auditor)
    assert simulated["simulateHabilitationChange"] == to_social["previewHabilitationGroupChange"]
    # a responsable may not preview; another organisation's group is not found
    error = await api.error(PREVIEW, {"g": gid, "input": {"zones": ["14"]}}, tokens["N.RESP"])
    assert error["extensions"]["code"] == "FORBIDDEN"
    await import_organisations(api, organisation_data("AUTRE", [("PRIVE", "14", 1)]))
    foreign = await group(await Organisation.get(name="AUTRE"), "prive", "14")
    error = await api.error(PREVIEW, {"g": str(foreign.id), "input": {"zones": ["14"]}}, admin)
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_twenty_parallel_creations_with_one_name_make_one_group(api):
    org, users, tokens = await normandie(api)
    admin = tokens["N.ADMIN"]
    bodies = await asyncio.gather(*(api.gql(CREATE, {"input": NORMANDIE}, admin)
                                    for _ in range(20)))
    won = [b for b in bodies if "errors" not in b]
    assert len(won) == 1
    assert {b["errors"][0]["extensions"]["code"] for b in bodies if "errors" in b} == {"CONFLICT"}
    assert await HabilitationGroup.filter(name="Normandie – privé").count() == 1
    assert await AuditEvent.filter(action="habilitation_group_created").count() == 1
    gid = int(won[0]["data"]["createHabilitationGroup"]["id"])
    assert await CasbinRule.filter(ptype="p", v0__startswith="grp:").exclude(
        v0__in=[f"grp:{g.id}" for g in await HabilitationGroup.filter(organisation=org)]
    ).count() == 0
    assert len(await lines_of(gid)) == 6


async def test_twenty_parallel_renames_to_one_name_leave_one_winner(api):
    org, users, tokens = await normandie(api)
    admin = tokens["N.ADMIN"]
    ids = []
    for i in range(20):
        created = await api.ok(CREATE, {"input": {**NORMANDIE, "name": f"G{i}"}}, admin)
        ids.append(created["createHabilitationGroup"]["id"])
    bodies = await asyncio.gather(*(
        api.gql(UPDATE, {"g": gid, "input": {"name": "Le même nom"}}, admin) for gid in ids))
    assert sum("errors" not in b for b in bodies) == 1
    assert {b["errors"][0]["extensions"]["code"] for b in bodies if "errors" in b} == {"CONFLICT"}
    assert await HabilitationGroup.filter(name="Le même nom").count() == 1
    assert await AuditEvent.filter(action="habilitation_group_changed").count() == 1


@pytest.mark.parametrize("round_", range(2))
async def test_deleting_a_group_while_members_are_added_never_leaves_members(api, round_):
    # given: an empty group, and ten users without group
    org, users, tokens = await normandie(api)
    admin = tokens["N.ADMIN"]
    gid = (await api.ok(CREATE, {"input": NORMANDIE}, admin))["createHabilitationGroup"]["id"]
    people = [await make_user(api, org, f"N.P{i}") for i in range(10)]
    # when: ten deletions and ten additions race
    deletions = [api.gql(DELETE, {"g": gid}, admin) for _ in range(10)]
    additions = [api.gql(SET_GROUPS, {"u": str(p.id), "g": [gid]}, admin) for p in people]
    mixed = [c for pair in zip(deletions, additions, strict=True) for c in pair]
    if round_:
        mixed.reverse()
    bodies = await asyncio.gather(*mixed)
    # then: either the group exists with its members, or it is gone and nobody is in it
    memberships = await CasbinRule.filter(ptype="g", v1=f"grp:{gid}").count()
    exists = await HabilitationGroup.exists(id=int(gid))
    deleted = [b for b in bodies if (b.get("data") or {}).get("deleteHabilitationGroup")]
    if exists:
        assert not deleted and memberships >= 1
    else:
        assert len(deleted) == 1 and memberships == 0
        assert await lines_of(int(gid)) == set()
    codes = {b["errors"][0]["extensions"]["code"] for b in bodies if "errors" in b}
    assert codes <= {"CONFLICT", "NOT_FOUND"}, bodies
