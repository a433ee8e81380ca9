"""Finding 5 of the security review: a responsable d'habilitation stays inside its perimeter.

Regressions for the two attacks found (a puppet account in a group the responsable does not hold;
`unlockUser` on the administrateur), the rule on each delegate mutation, a burst of concurrent
escalation attempts, and races between the administrateur and a delegate.
"""

from __future__ import annotations

import asyncio

from models import AuditEvent, HabilitationGroup, OutboxMail, User
from resolvers.shared.clock import today
from tests.accounts.operations import COMPLETE_FIRST_LOGIN, LOGIN, UNLOCK
from tests.habilitations.operations import CLOSE_USER, CREATE_USER
from tests.habilitations.operations import SET_HABILITATION_MANAGER as SET_MANAGER
from tests.habilitations.operations import SET_USER_GROUPS as SET_GROUPS
from tests.security.delegation_support import (
    build_world,
    casbin_rights,
    group_ids_of,
    new_user_input,
    policy_lines,
)
from tests.support.accounts_support import credentials_in, profile
from tests.support.factories import make_user

TENANTS = "query { tenants(first: 100) { edges { node { housing { type departement } } } } }"
ATTACKER = "puppet@attacker.example"


def _code(body: dict) -> str | None:
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else None


async def _forbidden(api, query: str, variables: dict, token: str) -> dict:
    error = await api.error(query, variables, token)
    assert error["extensions"]["code"] == "FORBIDDEN", error
    return error


async def test_a_responsable_creates_no_puppet_outside_its_perimeter(api, smtp):
    world = await build_world(api)
    r13 = world.tokens["r13"]
    # the review's attack: a user in conventionnés 2A, with a mailbox the responsable controls
    puppet_in_2a = new_user_input(ATTACKER, [world.groups["conv2A"].id])
    error = await _forbidden(api, CREATE_USER, puppet_in_2a, r13)
    assert "périmètre" in error["message"] and "2A" in error["message"]
    assert not await User.exists(email=ATTACKER)
    assert not await OutboxMail.exists(recipient=ATTACKER)
    # inside its perimeter it may create one, but not widen it afterwards
    data = await api.ok(CREATE_USER, new_user_input(ATTACKER, [world.groups["prive13"].id]), r13)
    puppet = data["createUser"]["id"]
    await _forbidden(api, SET_GROUPS, {"u": puppet, "g": world.gid("prive13", "conv2A")}, r13)
    # logged in as the puppet, one sees privés 13 and manages nothing
    [mail] = await smtp.mailbox.wait_for(1)
    identifier, password = credentials_in(mail.get_content())
    login = await api.ok(LOGIN, {"identifier": identifier, "password": password})
    done = await api.ok(COMPLETE_FIRST_LOGIN, profile(ATTACKER), login["login"]["token"])
    token = done["completeFirstLogin"]["token"]
    seen = await api.ok(TENANTS, token=token)
    places = {(e["node"]["housing"]["type"], e["node"]["housing"]["departement"])
              for e in seen["tenants"]["edges"]}
    assert places == {("PRIVE", "13")}
    await _forbidden(api, CREATE_USER, new_user_input("x@attacker.example", []), token)
    assert await casbin_rights(world.domain, int(puppet)) == {("prive", "13")}


async def test_a_responsable_unlocks_neither_the_administrator_nor_users_outside(api, settings):
    world = await build_world(api)
    for _ in range(settings.lockout_threshold):
        await api.error(LOGIN, {"identifier": "D.ADMIN", "password": "Mauvais-Mot-2026"})
    locked = await User.get(id=world.users["admin"].id)
    assert locked.locked_until is not None
    r13 = world.tokens["r13"]
    for target in ("admin", "r14", "r13", "u2a", "mixed"):
        await _forbidden(api, UNLOCK, {"id": world.uid(target)}, r13)
    after = await User.get(id=world.users["admin"].id)
    assert after.locked_until == locked.locked_until
    assert not await AuditEvent.exists(action="account_unlocked")
    # its own users it may unlock; the administrateur unlocks anyone
    await api.ok(UNLOCK, {"id": world.uid("u13")}, r13)
    await api.ok(UNLOCK, {"id": world.uid("mixed")}, world.tokens["admin"])
    assert await AuditEvent.filter(action="account_unlocked").count() == 2


async def test_each_delegate_mutation_stays_inside_the_perimeter(api):
    world = await build_world(api)
    r13, r14, admin = world.tokens["r13"], world.tokens["r14"], world.tokens["admin"]
    # r14 holds conventionnés 14; its explicit perimeter adds privés 14
    await api.ok(SET_GROUPS, {"u": world.uid("bare"), "g": world.gid("prive14")}, r14)
    await api.ok(SET_GROUPS, {"u": world.uid("u14"), "g": world.gid("conv14")}, r14)
    await _forbidden(api, CLOSE_USER, {"u": world.uid("mixed"), "d": str(today())}, r14)
    # withdrawing a group outside is as forbidden as granting one
    await _forbidden(api, SET_GROUPS, {"u": world.uid("mixed"), "g": world.gid("prive13")}, r13)
    await _forbidden(api, SET_GROUPS, {"u": world.uid("r13"), "g": world.gid("conv2A")}, r13)
    await _forbidden(api, CLOSE_USER, {"u": world.uid("admin"), "d": str(today())}, r13)
    await _forbidden(api, SET_MANAGER, {"u": world.uid("u13"), "on": True, "g": None}, r13)
    closed = await api.ok(CLOSE_USER, {"u": world.uid("u13"), "d": str(today())}, r13)
    assert closed["closeUser"]["status"] == "closed"
    # the administrateur shrinks r14's perimeter: privés 14 is no longer its to give or take
    await api.ok(SET_MANAGER, {"u": world.uid("r14"), "on": True, "g": world.gid("conv14")}, admin)
    await _forbidden(api, SET_GROUPS, {"u": world.uid("bare"), "g": []}, r14)
    event = await AuditEvent.filter(action="habilitation_manager_set").order_by("-id").first()
    assert event.before["perimeter"] == [world.groups["conv14"].id, world.groups["prive14"].id]
    assert event.after["perimeter"] == [world.groups["conv14"].id]
    # back to the default: the groups it holds
    await api.ok(SET_MANAGER, {"u": world.uid("r14"), "on": True, "g": None}, admin)
    event = await AuditEvent.filter(action="habilitation_manager_set").order_by("-id").first()
    assert "perimeter" not in event.after
    await api.ok(SET_GROUPS, {"u": world.uid("u14"), "g": []}, r14)


async def test_the_perimeter_argument_is_checked(api):
    world = await build_world(api)
    admin, r14 = world.tokens["admin"], world.uid("r14")
    empty = await api.error(SET_MANAGER, {"u": r14, "on": True, "g": []}, admin)
    assert empty["extensions"]["code"] == "BAD_USER_INPUT"
    off = await api.error(SET_MANAGER, {"u": r14, "on": False, "g": world.gid("conv14")}, admin)
    assert off["extensions"]["code"] == "BAD_USER_INPUT"
    unknown = await api.error(SET_MANAGER, {"u": r14, "on": True, "g": ["999999"]}, admin)
    assert unknown["extensions"]["code"] == "NOT_FOUND"
    # a group with no zone covers nothing: stored as no line, it would read as the default
    hollow = await HabilitationGroup.create(organisation=world.organisation, name="Vide",
                                            housing_type="prive", zones=[])
    nothing = await api.error(SET_MANAGER, {"u": r14, "on": True, "g": [str(hollow.id)]}, admin)
    assert nothing["extensions"]["code"] == "BAD_USER_INPUT"
    # dismissing a responsable removes its perimeter with its role
    await api.ok(SET_MANAGER, {"u": r14, "on": False, "g": None}, admin)
    lines = await policy_lines(world.domain)
    assert not [line for line in lines if line[1] == f"u:{r14}" and line[0] == "p"]


async def test_twenty_concurrent_escalation_attempts_are_all_refused(api):
    world = await build_world(api)
    r13 = world.tokens["r13"]
    everything = world.gid(*world.groups)
    attempts = [
        (CREATE_USER, new_user_input(f"p{i}@attacker.example", [world.groups["conv2A"].id]))
        for i in range(4)
    ] + [
        (SET_GROUPS, {"u": world.uid("u13"), "g": world.gid("prive13", "conv2A")}),
        (SET_GROUPS, {"u": world.uid("bare"), "g": world.gid("prive971")}),
        (SET_GROUPS, {"u": world.uid("u2a"), "g": []}),
        (SET_GROUPS, {"u": world.uid("mixed"), "g": world.gid("prive13")}),
        (SET_GROUPS, {"u": world.uid("r13"), "g": everything}),
        (SET_GROUPS, {"u": world.uid("r14"), "g": []}),
        (SET_GROUPS, {"u": world.uid("admin"), "g": everything}),
        (UNLOCK, {"id": world.uid("admin")}),
        (UNLOCK, {"id": world.uid("r14")}),
        (UNLOCK, {"id": world.uid("u2a")}),
        (CLOSE_USER, {"u": world.uid("admin"), "d": str(today())}),
        (CLOSE_USER, {"u": world.uid("r14"), "d": str(today())}),
        (CLOSE_USER, {"u": world.uid("u14"), "d": str(today())}),
        (SET_MANAGER, {"u": world.uid("u13"), "on": True, "g": everything}),
        (SET_MANAGER, {"u": world.uid("r13"), "on": True, "g": everything}),
        (SET_MANAGER, {"u": world.uid("r14"), "on": False, "g": None}),
    ]
    assert len(attempts) == 20
    lines = await policy_lines(world.domain)
    users = await User.filter(organisation_id=world.organisation.id).order_by("id").values()
    events, mails = await AuditEvent.all().count(), await OutboxMail.all().count()
    responses = await asyncio.gather(*(api.post(q, v, r13) for q, v in attempts))
    codes = [_code(r.json()) for r in responses]
    assert codes == ["FORBIDDEN"] * 20, codes
    assert await policy_lines(world.domain) == lines
    assert await User.filter(organisation_id=world.organisation.id).order_by("id").values() == users
    assert await AuditEvent.all().count() == events
    assert await OutboxMail.all().count() == mails


async def test_grants_racing_a_shrinking_perimeter_all_precede_it(api):
    """The administrateur takes privés 14 out of r14's perimeter while r14 grants it to 19
    users: every grant that went through was decided before the shrink committed."""
    world = await build_world(api)
    targets = [await make_user(api, world.organisation, f"D.NEW{i}") for i in range(19)]
    shrink = api.post(SET_MANAGER, {"u": world.uid("r14"), "on": True,
                                    "g": world.gid("conv14")}, world.tokens["admin"])
    grants = [api.post(SET_GROUPS, {"u": str(u.id), "g": world.gid("prive14")},
                       world.tokens["r14"]) for u in targets]
    responses = await asyncio.gather(*grants[:9], shrink, *grants[9:])
    codes = [_code(r.json()) for r in responses]
    assert set(codes) <= {None, "FORBIDDEN"}, codes
    assert codes[9] is None
    events = await AuditEvent.filter(action="habilitation_manager_set",
                                     target_id=world.uid("r14")).order_by("-id")
    shrink_id = events[0].id
    lines = await policy_lines(world.domain)
    granted = {u.id for u in targets if group_ids_of(lines, u.id)}
    by_r14 = await AuditEvent.filter(action="user_groups_set", actor_id=world.users["r14"].id)
    assert {int(e.target_id) for e in by_r14} == granted
    assert all(e.id < shrink_id for e in by_r14)
    assert len(granted) == codes.count(None) - 1


async def test_a_delegate_never_withdraws_what_the_administrator_grants_meanwhile(api):
    """Ten users of r14 are given conventionnés 2A by the administrateur while r14 resets their
    groups: r14's changes either come first or are refused, never undo the grant."""
    world = await build_world(api)
    conv14 = world.groups["conv14"]
    targets = [await make_user(api, world.organisation, f"D.RACE{i}", groups=(conv14,))
               for i in range(10)]
    calls = []
    for u in targets:
        calls.append(api.post(SET_GROUPS, {"u": str(u.id), "g": world.gid("conv14", "prive14")},
                              world.tokens["r14"]))
        calls.append(api.post(SET_GROUPS, {"u": str(u.id), "g": world.gid("conv14", "conv2A")},
                              world.tokens["admin"]))
    responses = await asyncio.gather(*calls)
    codes = [_code(r.json()) for r in responses]
    assert all(c is None for c in codes[1::2]), codes
    assert set(codes[::2]) <= {None, "FORBIDDEN"}, codes
    inside = {conv14.id, world.groups["prive14"].id}
    for event in await AuditEvent.filter(action="user_groups_set", actor_id=world.users["r14"].id):
        assert set(event.before["groups"]) <= inside and set(event.after["groups"]) <= inside
    lines = await policy_lines(world.domain)
    for u in targets:
        assert world.groups["conv2A"].id in group_ids_of(lines, u.id)


async def test_the_auditor_sees_a_perimeter_among_the_rules(api):
    from bailleurs.agency import create_agent

    world = await build_world(api)
    await create_agent(api.services.settings, "auditeur", "CAF.AUDIT", "Audit-Caf-Secret-2026")
    token = await api.login("CAF.AUDIT", "Audit-Caf-Secret-2026")
    data = await api.ok("""query($o: ID!) { policies(organisationId: $o) {
        rules { subjectKind subject housingType zone action } } }""",
                        {"o": str(world.organisation.id)}, token)
    perimeter = [r for r in data["policies"]["rules"] if r["subjectKind"] == "user"]
    assert perimeter == [
        {"subjectKind": "user", "subject": f"u:{world.uid('r14')}", "housingType": h,
         "zone": "14", "action": "grant"} for h in ("CONVENTIONNE", "PRIVE")
    ]
