"""« Modifier un utilisateur », « Réactiver » and the filtered « Mes utilisateurs », through
GraphQL over HTTP: who may (the delegation rule), what is checked, what is audited and told."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from models import AuditEvent, OutboxMail, User
from models.enums import UserStatus
from policies.vocabulary import Role
from resolvers.shared.clock import today
from tests.accounts.operations import ME
from tests.habilitations.operations import FILTERED_USERS as USERS
from tests.habilitations.operations import REOPEN_USER as REOPEN
from tests.habilitations.operations import UPDATE_USER as UPDATE
from tests.security.delegation_support import build_world, token_of
from tests.support.factories import PASSWORD, make_user


@pytest.fixture
async def world(api):
    return await build_world(api)


def day(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


async def test_the_administrateur_updates_a_user_and_the_old_address_is_told(api, world, smtp):
    # given
    target = world.users["u13"]
    old = target.email
    # when
    data = await api.ok(UPDATE, {"u": world.uid("u13"), "input": {
        "lastName": "  NOUVEAU ", "firstName": "Zoé", "email": "zoe@exemple.fr",
        "emailConfirmation": "ZOE@exemple.fr", "phone": "0231000001",
        "phoneConfirmation": "0231000001", "workMode": "ITINERANT", "closingDate": day(30)}},
        world.tokens["admin"])
    # then: the record, the audit (masked), and the notice to the replaced address
    assert data["updateUser"] == {
        "id": world.uid("u13"), "lastName": "NOUVEAU", "firstName": "Zoé",
        "email": "zoe@exemple.fr", "phone": "0231000001", "openingDate": None,
        "closingDate": day(30), "workMode": "ITINERANT", "status": "active"}
    event = await AuditEvent.get(action="user_updated")
    assert event.before["email"] == f"{old[0]}***@example.test"
    assert event.after["email"] == "z***@exemple.fr" and event.after["phone"] == "…01"
    assert event.after["groups"] == [world.groups["prive13"].id]
    await smtp.mailbox.wait_for(1)
    [notice] = smtp.mailbox.to(old)
    assert "z***@exemple.fr" in notice.get_content()
    assert not await OutboxMail.filter(recipient="zoe@exemple.fr").exists()


async def test_confirmations_and_dates_are_checked_and_nothing_changes(api, world):
    admin = world.tokens["admin"]
    error = await api.error(UPDATE, {"u": world.uid("u13"), "input": {
        "email": "a@exemple.fr", "emailConfirmation": "b@exemple.fr",
        "phone": "0231000001", "phoneConfirmation": "0231000002",
        "openingDate": day(10), "closingDate": day(5)}}, admin)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fields"]) == {"emailConfirmation", "phoneConfirmation",
                                                  "closingDate"}
    for bad in ({"email": "a@b@c", "emailConfirmation": "a@b@c"},
                {"phone": "12", "phoneConfirmation": "12"}, {"lastName": ""},
                {"closingDate": day(-1)}, {}):
        error = await api.error(UPDATE, {"u": world.uid("u13"), "input": bad}, admin)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", bad
    taken = world.users["u2a"].email
    error = await api.error(UPDATE, {"u": world.uid("u13"), "input": {
        "email": taken, "emailConfirmation": taken}}, admin)
    assert error["extensions"]["code"] == "CONFLICT"
    row = await User.get(id=world.users["u13"].id)
    assert (row.email, row.phone, row.closing_date) == (world.users["u13"].email, None, None)
    assert not await AuditEvent.filter(action="user_updated").exists()


async def test_a_responsable_updates_only_users_of_its_perimeter(api, world):
    r13 = world.tokens["r13"]
    done = await api.ok(UPDATE, {"u": world.uid("u13"), "input": {"firstName": "Léo"}}, r13)
    assert done["updateUser"]["firstName"] == "Léo"
    for name in ("u2a", "mixed", "admin", "r14", "r13"):
        error = await api.error(UPDATE, {"u": world.uid(name), "input": {"firstName": "X"}}, r13)
        assert error["extensions"]["code"] == "FORBIDDEN", name
    assert (await api.error(UPDATE, {"u": world.uid("u13"), "input": {"firstName": "X"}},
                            world.tokens["u13"]))["extensions"]["code"] == "FORBIDDEN"
    assert (await User.get(id=world.users["mixed"].id)).first_name == "Test"
    # nobody changes its own record here, the administrateur included: « Mon profil » asks for
    # the current password
    error = await api.error(UPDATE, {"u": world.uid("admin"), "input": {
        "email": "pirate@exemple.fr", "emailConfirmation": "pirate@exemple.fr"}},
        world.tokens["admin"])
    assert error["extensions"]["code"] == "FORBIDDEN" and "Mon profil" in error["message"]


async def test_closing_today_ends_sessions_and_reopening_gives_the_account_back(api, world):
    admin = world.tokens["admin"]
    token = await api.login("D.U14", PASSWORD)
    closed = await api.ok(UPDATE, {"u": world.uid("u14"), "input": {"closingDate": day(0)}}, admin)
    assert closed["updateUser"]["status"] == "closed"
    assert (await api.error(ME, token=token))["extensions"]["code"] == "UNAUTHENTICATED"
    # the administrateur cannot be closed this way either (by a second administrateur)
    second = await make_user(api, world.organisation, "D.ADMIN2", roles=(Role.ADMINISTRATEUR,))
    error = await api.error(UPDATE, {"u": world.uid("admin"), "input": {"closingDate": day(0)}},
                            await token_of(api, second))
    assert error["extensions"]["code"] == "CONFLICT"
    # reopened with a new closing date, its groups as they were
    reopened = (await api.ok(REOPEN, {"u": world.uid("u14"), "d": day(60)}, admin))["reopenUser"]
    assert reopened["status"] == "active" and reopened["closingDate"] == day(60)
    assert {int(g["id"]) for g in reopened["groups"]} == {
        world.groups["conv14"].id, world.groups["prive14"].id}
    assert await api.login("D.U14", PASSWORD)
    event = await AuditEvent.get(action="user_reopened")
    assert event.before["status"] == "closed" and event.after["status"] == "active"
    error = await api.error(REOPEN, {"u": world.uid("u14")}, admin)
    assert error["extensions"]["code"] == "CONFLICT"
    # a responsable reopens only inside its perimeter
    await User.filter(id=world.users["u2a"].id).update(status=UserStatus.CLOSED)
    error = await api.error(REOPEN, {"u": world.uid("u2a")}, world.tokens["r13"])
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_parallel_reopenings_are_recorded_once(api, world):
    admin = world.tokens["admin"]
    await User.filter(id=world.users["bare"].id).update(status=UserStatus.CLOSED)
    bodies = await asyncio.gather(*(api.gql(REOPEN, {"u": world.uid("bare")}, admin)
                                    for _ in range(20)))
    assert sum("errors" not in b for b in bodies) == 1
    assert await AuditEvent.filter(action="user_reopened").count() == 1


async def test_users_are_filtered_by_text_group_and_state_page_by_page(api, world):
    admin = world.tokens["admin"]
    await User.filter(id=world.users["u2a"].id).update(status=UserStatus.CLOSED)
    await User.filter(id=world.users["bare"].id).update(closing_date=today() - timedelta(days=1))

    async def identifiers(filter_: dict, first: int = 50) -> list[str]:
        found, after = [], None
        while True:
            page = (await api.ok(USERS, {"first": first, "after": after, "filter": filter_},
                                 admin))["users"]
            found += [e["node"]["identifier"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                assert page["totalCount"] == len(found)
                return found
            after = page["pageInfo"]["endCursor"]

    assert await identifiers({"search": "d.r1"}) == ["D.R13", "D.R14"]
    assert await identifiers({"groupId": str(world.groups["prive13"].id)}, first=1) == [
        "D.MIXED", "D.R13", "D.U13"]
    assert await identifiers({"status": "CLOSED"}) == ["D.BARE", "D.U2A"]
    assert len(await identifiers({"status": "ACTIVE"}, first=2)) == 6
    assert await identifiers({"status": "ACTIVE", "search": "u1"}) == ["D.U13", "D.U14"]
    assert await identifiers({"status": "PENDING"}) == []
    error = await api.error(USERS, {"first": 5, "filter": {"groupId": "999999"}}, admin)
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await api.error(USERS, {"first": 5, "filter": {"search": "x" * 101}}, admin)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
