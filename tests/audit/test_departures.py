"""A tenant's declared departure is dated in its placements, in the departure's transaction.

Requests still read a departed tenant (its landlord keeps the file: the year's rent declaration,
receipts), so as-of answers keep the access and report the departure from its instant (the start
of its effective day in Europe/Paris) on; `between` periods do not stop there.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from models import TenantPlacement
from resolvers.shared import clock
from tests.audit.history_world import (  # noqa: F401 (fixtures: settings, world)
    DAY,
    EXPLAIN,
    USER_ACCESS,
    WHO,
    lifted_throttle,
    stopped_world,
)
from tests.audit.operations import VERIFY
from tests.declarations.operations import DEPARTURE, TENANT
from tests.support.factories import import_organisations, organisation_data

LEFT = datetime(2031, 3, 10, 23, 0, tzinfo=UTC)  # 2031-03-11 at its start in Paris


def _departure(world, day: str = "2031-03-11") -> dict:
    return {"input": {"tenantId": str(world.tenant.id), "departureDate": day,
                      "departureMonthRentPaidInFull": True}}


async def _explain(world, **when) -> dict:
    variables = {"u": str(world.users["agent"].id), "t": str(world.tenant.id), **when}
    data = await world.api.ok(EXPLAIN, variables, await world.auditor_token())
    return data["explainAccess"]


async def test_a_departure_is_dated_and_access_stays_as_requests_get_it(world):
    # given: two days later, the administrator declares the departure of the day before
    clock.set_now(DAY + timedelta(days=2, hours=10))
    admin = await world.login(world.users["admin"].identifier)
    await world.api.ok(DEPARTURE, _departure(world), admin)
    # then: the agent's requests still read the departed tenant...
    agent = await world.login(world.users["agent"].identifier)
    read = await world.api.ok(TENANT, {"id": str(world.tenant.id)}, agent)
    assert read["tenant"] is not None
    # ...so the answers keep the access, and date the departure from its Paris day's start
    before = await _explain(world, at=(LEFT - timedelta(microseconds=1)).isoformat())
    after = await _explain(world, at=LEFT.isoformat())
    now = await _explain(world)
    assert (before["allowed"], before["tenantLeftAt"]) == (True, None)
    assert (after["allowed"], after["reason"]) == (True, None)
    assert after["tenantLeftAt"] == now["tenantLeftAt"] == LEFT.isoformat()
    # `between` across the departure: one unbroken period, the departure reported
    between = {"from": DAY.replace(hour=8).isoformat(), "to": (LEFT + timedelta(hours=5))
               .isoformat()}
    data = await world.api.ok(WHO, {"t": str(world.tenant.id), "between": between},
                              await world.auditor_token())
    agent_row = next(w for w in data["whoCanAccess"]
                     if w["user"]["identifier"] == world.users["agent"].identifier)
    assert agent_row["periods"] == [{"from": between["from"], "to": None}]
    assert agent_row["tenantLeftAt"] == LEFT.isoformat()
    # the placement in force then ends at the departure; the departed one follows
    rows = await TenantPlacement.filter(tenant_id=world.tenant.id).order_by("valid_from")
    assert [(r.valid_to, r.departed_at) for r in rows] == [(LEFT, None), (None, LEFT)]
    assert rows[0].housing_id == rows[1].housing_id


async def test_an_import_keeps_the_departure_unless_the_tenant_moves(world):
    clock.set_now(DAY + timedelta(days=2))
    admin = await world.login(world.users["admin"].identifier)
    await world.api.ok(DEPARTURE, _departure(world), admin)
    clock.set_now(DAY + timedelta(days=3))
    await world.requalify("h0", "CONVENTIONNE", "75")  # its housing changes zone: still left
    assert (await _explain(world))["tenantLeftAt"] == LEFT.isoformat()
    clock.set_now(DAY + timedelta(days=4))
    await world.move_tenant("h1")  # an import places it elsewhere: it lives there
    assert (await _explain(world))["tenantLeftAt"] is None
    assert (await _explain(world, at=(DAY + timedelta(days=3, hours=1)).isoformat()))[
        "tenantLeftAt"] == LEFT.isoformat()


async def test_a_move_to_another_organisation_ends_its_placement_in_the_first(world):
    # given: at 10:00 an import places the watched tenant in another organisation's housing
    clock.set_now(DAY.replace(hour=10))
    other = organisation_data(f"AUTRE {world.org.id}", [("CONVENTIONNE", "14", 0)])
    number = world.tenant.allocataire_number
    other["housings"][0]["tenants"] = [
        t for h in world.data["housings"] for t in h["tenants"] if t["allocataireNumber"] == number]
    await import_organisations(world.api, other)
    clock.set_now(DAY.replace(hour=12))
    # then: the first organisation's agent had it until 10:00, not after
    before = await _explain(world, at=DAY.replace(hour=9).isoformat())
    after = await _explain(world, at=DAY.replace(hour=11).isoformat())
    assert before["allowed"] is True and after["allowed"] is False
    token = await world.auditor_token()
    totals = [
        (await world.api.ok(USER_ACCESS, {"u": str(world.users["agent"].id), "at": moment},
                            token))["userAccess"]["total"]
        for moment in (DAY.replace(hour=9).isoformat(), DAY.replace(hour=11).isoformat())
    ]
    assert totals == [1, 0]
    # and its live reads agree: the agent no longer reads it
    agent = await world.login(world.users["agent"].identifier)
    body = await world.api.gql(TENANT, {"id": str(world.tenant.id)}, agent)
    assert not (body.get("data") or {}).get("tenant")
    rows = await TenantPlacement.filter(tenant_id=world.tenant.id).order_by("valid_from")
    assert [(r.organisation_id == world.org.id, r.valid_to) for r in rows] == [
        (True, DAY.replace(hour=10)), (False, None)]


async def test_parallel_departures_date_the_tenant_once(world):
    # given: 20 departures of the same tenant sent at once
    clock.set_now(DAY + timedelta(days=2))
    admin = await world.login(world.users["admin"].identifier)
    bodies = await asyncio.gather(*[
        world.api.gql(DEPARTURE, _departure(world), admin) for _ in range(20)])
    # then: one is recorded, the others are conflicts, and the placements split once
    codes = sorted(
        "OK" if (b.get("data") or {}).get("declareTenantDeparture") else
        b["errors"][0]["extensions"]["code"] for b in bodies)
    assert codes == ["CONFLICT"] * 19 + ["OK"]
    rows = await TenantPlacement.filter(tenant_id=world.tenant.id).order_by("valid_from")
    assert [(r.valid_from, r.valid_to, r.departed_at) for r in rows] == [
        (DAY.replace(hour=8), LEFT, None), (LEFT, None, LEFT)]
    verified = await world.api.ok(VERIFY, None, await world.auditor_token())
    assert verified["verifyAuditChain"]["ok"] is True


async def test_a_departure_declared_after_a_move_concerns_the_housing_left(world):
    # given: the tenant moved to h1 by an import before its departure's effective day ends
    clock.set_now(LEFT + timedelta(hours=2))
    await world.move_tenant("h1")
    clock.set_now(DAY + timedelta(days=3))
    admin = await world.login(world.users["admin"].identifier)
    await world.api.ok(DEPARTURE, _departure(world), admin)
    # then: its stay in h0 is not the departure's; from the move on in h1, it is
    assert (await _explain(world, at=(LEFT + timedelta(hours=1)).isoformat()))[
        "tenantLeftAt"] is None
    assert (await _explain(world, at=(LEFT + timedelta(hours=3)).isoformat()))[
        "tenantLeftAt"] == LEFT.isoformat()


async def test_the_migration_dates_the_departures_already_declared(world):
    import importlib
    from types import SimpleNamespace

    from tortoise import Tortoise

    # given: a departure declared, then its placements as they were before migration 0015
    clock.set_now(DAY + timedelta(days=2))
    admin = await world.login(world.users["admin"].identifier)
    await world.api.ok(DEPARTURE, _departure(world), admin)
    await TenantPlacement.filter(tenant_id=world.tenant.id, departed_at__not_isnull=True).delete()
    await TenantPlacement.filter(tenant_id=world.tenant.id).update(valid_to=None)
    # when
    migration = importlib.import_module("models.migrations.0015_tenant_departures")
    client = Tortoise.get_connection("default")
    await migration.date_departures(None, SimpleNamespace(client=client))
    # then: the same periods as the departure writes
    rows = await TenantPlacement.filter(tenant_id=world.tenant.id).order_by("valid_from")
    assert [(r.valid_from, r.valid_to, r.departed_at) for r in rows] == [
        (DAY.replace(hour=8), LEFT, None), (LEFT, None, LEFT)]
    assert (await _explain(world, at=LEFT.isoformat()))["tenantLeftAt"] == LEFT.isoformat()
