"""Instants and intervals: an answer at an instant reflects the changes made up to it (included),
a bare date means the start of that day in Paris, an interval lists the exact periods, and past
answers count the tenants of then (imports are dated)."""

from __future__ import annotations

import importlib
from datetime import datetime
from types import SimpleNamespace

import pytest
from tortoise import Tortoise

from models import AuditEvent, GroupStatePeriod, TenantPlacement, UserStatePeriod
from resolvers.shared import clock
from tests.audit.history_world import (  # noqa: F401 (fixtures: settings, world)
    EXPLAIN,
    USER_ACCESS,
    WHO,
    at,
    lifted_throttle,
    stopped_world,
)


async def _who(world, **when) -> set[str]:
    variables = {"t": str(world.tenant.id), **when}
    data = await world.api.ok(WHO, variables, await world.auditor_token())
    return {w["user"]["identifier"] for w in data["whoCanAccess"]}


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def test_an_instant_sees_the_changes_made_up_to_it_and_a_date_is_its_paris_start(world):
    agent = world.users["agent"].identifier
    clock.set_now(at(9))
    await world.set_groups("agent", ["p14"])
    clock.set_now(at(15))
    await world.set_groups("agent", ["c14"])
    clock.set_now(at(20))
    assert agent in await _who(world, at=_iso(at(8, 30)))
    assert agent not in await _who(world, at="2031-03-10T10:00:00+01:00")  # 09:00 UTC: moved
    assert agent not in await _who(world, at=_iso(at(14, 59)))
    assert agent in await _who(world, at=_iso(at(15)))
    # a bare date is the start of that day in Paris: 23:00 UTC the day before, before anything
    assert await _who(world, at="2031-03-10") == set()
    assert agent in await _who(world, at="2031-03-11")
    # the former asOf (a Date) keeps its meaning: the end of that day
    legacy = """query($t: ID!) { whoCanAccess(tenantId: $t, asOf: "2031-03-10") {
      user { identifier } } }"""
    data = await world.api.ok(legacy, {"t": str(world.tenant.id)}, await world.auditor_token())
    assert agent in {w["user"]["identifier"] for w in data["whoCanAccess"]}


async def test_an_interval_gives_the_exact_periods(world):
    agent = world.users["agent"]
    for hour, groups in ((9, ["p14"]), (15, ["c14"]), (17, ["c14", "p14"])):
        clock.set_now(at(hour))
        await world.set_groups("agent", groups)
    clock.set_now(at(20))
    between = {"from": _iso(at(8)), "to": _iso(at(19))}
    token = await world.auditor_token()
    data = await world.api.ok(WHO, {"t": str(world.tenant.id), "between": between}, token)
    rows = {w["user"]["identifier"]: w for w in data["whoCanAccess"]}
    assert [(p["from"], p["to"]) for p in rows[agent.identifier]["periods"]] == [
        (_iso(at(8)), _iso(at(9))),
        (_iso(at(15)), None),  # still open at the interval's end
    ]
    explained = await world.api.ok(
        EXPLAIN, {"u": str(agent.id), "t": str(world.tenant.id), "between": between}, token
    )
    assert explained["explainAccess"]["allowed"] is True
    assert explained["explainAccess"]["periods"] == rows[agent.identifier]["periods"]
    # each tenant seen at some instant is counted once: c14 (h0) and p14 (h1)
    seen = await world.api.ok(USER_ACCESS, {"u": str(agent.id), "between": between}, token)
    assert seen["userAccess"]["total"] == 2
    # an interval of one instant answers as that instant
    one = {"from": _iso(at(10)), "to": _iso(at(10))}
    data = await world.api.ok(WHO, {"t": str(world.tenant.id), "between": one}, token)
    assert {w["user"]["identifier"] for w in data["whoCanAccess"]} == await _who(
        world, at=_iso(at(10)))


async def test_past_answers_count_the_tenants_of_then(world):
    agent, mixed = world.users["agent"], world.users["mixed"]
    clock.set_now(at(10))
    await world.requalify("h0", "CONVENTIONNE", "75")  # the watched tenant's housing: now 75
    clock.set_now(at(12))
    await world.move_tenant("h1")  # then it moves to privé 14
    clock.set_now(at(13))
    watched = {agent.identifier, mixed.identifier}
    assert await _who(world, at=_iso(at(9))) & watched == {agent.identifier}
    assert await _who(world, at=_iso(at(11))) & watched == {mixed.identifier}
    assert await _who(world, at=_iso(at(12))) & watched == {mixed.identifier}
    token = await world.auditor_token()

    async def total(user, moment):
        data = await world.api.ok(USER_ACCESS, {"u": str(user.id), "at": _iso(moment)}, token)
        return data["userAccess"]["total"]

    assert (await total(agent, at(9)), await total(agent, at(11))) == (1, 0)
    assert (await total(mixed, at(9)), await total(mixed, at(11)), await total(mixed, at(12))) == (
        2, 3, 3)
    # before its first import, the tenant was nobody's
    assert await _who(world, at=_iso(at(7))) == set()
    before = await world.api.ok(
        EXPLAIN, {"u": str(agent.id), "t": str(world.tenant.id), "at": _iso(at(7))}, token)
    assert before["explainAccess"]["reason"] == "TENANT_ABSENT"
    # the trail names each dated change of the imports
    placed = await AuditEvent.filter(action="tenants_placed", organisation_id=world.org.id)
    assert [(e.at, e.after["requalified"], e.after["moved"]) for e in placed[1:]] == [
        (at(10), [world.tenant.id], []), (at(12), [], [world.tenant.id])]


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"at": "2031-03-10T10:00:00", "between": None}, "BAD_USER_INPUT"),  # no offset
        ({"at": "2031-03-10", "between": {"from": "2031-03-10", "to": "2031-03-11"}},
         "BAD_USER_INPUT"),
        ({"at": None, "between": {"from": "2031-03-11", "to": "2031-03-10"}}, "BAD_USER_INPUT"),
    ],
)
async def test_ambiguous_or_reversed_times_are_refused(world, variables, code):
    body = await world.api.gql(
        WHO, {"t": str(world.tenant.id), **variables}, await world.auditor_token())
    assert body["errors"][0]["extensions"]["code"] == code, body
    assert "Traceback" not in str(body)


async def test_the_migration_backfill_rebuilds_the_periods_the_trail_keeps(world):
    clock.set_now(at(9))
    await world.set_groups("agent", ["p14"])
    await world.close("mixed", 0)
    await world.requalify("h2", "PRIVE", "75")

    async def rows():
        users = await UserStatePeriod.all().order_by("user_id", "valid_from").values(
            "user_id", "state", "valid_from", "valid_to")
        groups = await GroupStatePeriod.all().order_by("group_id", "valid_from").values(
            "group_id", "definition", "valid_from", "valid_to")
        return users, groups

    kept = await rows()
    assert len(kept[0]) > len(world.users) and kept[1]
    await UserStatePeriod.all().delete()
    await GroupStatePeriod.all().delete()
    await TenantPlacement.all().delete()
    migration = importlib.import_module("models.migrations.0013_validity_periods")
    await migration.backfill(None, SimpleNamespace(client=Tortoise.get_connection("default")))
    assert await rows() == kept
    # today's tenants are placed from their organisation's creation
    assert await TenantPlacement.filter(valid_to=None).count() == await world.tenant.__class__.all(
    ).count()


@pytest.mark.parametrize("kind", ["access", "policies"])
async def test_an_export_at_an_instant_is_the_export_made_then(world, kind):
    path = f"/exports/{kind}/{world.org.id}.csv"

    async def export(query: str = "") -> str:
        token = await world.auditor_token()
        response = await world.api.client.get(
            path + query, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        return response.text

    clock.set_now(at(8, 30))
    then = await export()
    clock.set_now(at(9))
    await world.set_groups("agent", ["p14"])
    await world.requalify("h1", "PRIVE", "75")
    clock.set_now(at(10))
    assert await export() != then
    assert await export(f"?at={at(8, 30).isoformat().replace('+', '%2B')}") == then
    refused = await world.api.client.get(
        path + "?at=2031-03-10T08:30:00",
        headers={"Authorization": f"Bearer {await world.auditor_token()}"})
    assert refused.status_code == 400 and "Traceback" not in refused.text
