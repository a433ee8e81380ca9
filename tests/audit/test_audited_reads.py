"""Auditors' reads of the trail and their simulations are recorded: one event per request and
distinct filter set (paging does not double the trail), none for a refused read, exact under
parallel bursts, and the chain still verifies."""

from __future__ import annotations

import asyncio

from models import AuditEvent
from tests.audit.operations import EVENTS, SIMULATE, VERIFY
from tests.habilitations.operations import PREVIEW_GROUP_CHANGE
from tests.support.world import token_of


async def _count(action: str) -> int:
    return await AuditEvent.filter(action=action).count()


async def test_each_page_of_the_trail_read_is_one_event_with_its_filters(api, world):
    # given
    wanted = {"organisationId": str(world.org.id), "targetType": "user"}
    before = await _count("audit_events_read")
    # when: ten pages read, one request each
    after = None
    for _ in range(10):
        data = await api.ok(EVENTS, {"first": 1, "after": after, "filter": wanted},
                            world.auditor_token)
        after = data["auditEvents"]["pageInfo"]["endCursor"]
    # then: ten events, each naming the filters asked (not the cursor), the auditor the actor
    events = await AuditEvent.filter(action="audit_events_read").order_by("id")
    assert len(events) - before == 10
    last = events[-1]
    assert last.after == {"filter": {"organisation_id": world.org.id, "target_type": "user"}}
    assert last.organisation_id == world.org.id and last.actor_label == "CAF.AUDIT"


async def test_aliases_with_the_same_filters_record_once_and_different_ones_each(api, world):
    query = """query($org: ID!) {
      a: auditEvents(first: 1) { totalCount }
      b: auditEvents(first: 5) { totalCount }
      c: auditEvents(first: 1, filter: {organisationId: $org}) { totalCount } }"""
    before = await _count("audit_events_read")
    await api.ok(query, {"org": str(world.org.id)}, world.auditor_token)
    assert await _count("audit_events_read") - before == 2


async def test_a_refused_read_records_nothing(api, world):
    before = await _count("audit_events_read")
    body = await api.gql(EVENTS, {"first": 100_000}, world.auditor_token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    admin = await token_of(api, world, "admin")
    body = await api.gql(EVENTS, {"first": 1}, admin)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _count("audit_events_read") == before


async def test_twenty_parallel_reads_write_twenty_events_and_the_chain_holds(api, world):
    before = {a: await _count(a) for a in ("audit_events_read", "habilitation_change_simulated")}
    simulated = {"input": {"userId": str(world.users["agent"].id),
                           "groupIds": [str(world.groups["p14"].id)]}}
    # when: 10 pages of the trail and 10 simulations, all at once
    await asyncio.gather(
        *[api.ok(EVENTS, {"first": 2}, world.auditor_token) for _ in range(10)],
        *[api.ok(SIMULATE, simulated, world.auditor_token) for _ in range(10)],
    )
    # then
    assert await _count("audit_events_read") - before["audit_events_read"] == 10
    assert await _count("habilitation_change_simulated") - before[
        "habilitation_change_simulated"] == 10
    verified = await api.ok(VERIFY, None, world.auditor_token)
    assert verified["verifyAuditChain"]["ok"] is True
    full = await api.ok("{ verifyAuditChain(full: true) { ok } }", None, world.auditor_token)
    assert full["verifyAuditChain"]["ok"] is True


async def test_a_simulation_records_the_change_simulated(api, world):
    agent, p14 = world.users["agent"], world.groups["p14"]
    variables = {"input": {"userId": str(agent.id), "groupIds": [str(p14.id)]}}
    await api.ok(SIMULATE, variables, world.auditor_token)
    [event] = await AuditEvent.filter(action="habilitation_change_simulated")
    assert event.organisation_id == world.org.id
    assert event.target_type == "organisation" and event.target_id == str(world.org.id)
    assert event.after == {"action": "read", "userId": agent.id, "groupIds": [p14.id]}
    # a simulation refused (an unknown zone) records nothing
    refused = {"input": {"groupId": str(p14.id), "zones": ["XX"]}}
    body = await api.gql(SIMULATE, refused, world.auditor_token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await _count("habilitation_change_simulated") == 1


async def test_the_group_preview_is_the_administrators_not_an_auditors(api, world):
    # an auditor cannot call it: nothing of an auditor's to record
    variables = {"g": str(world.groups["c14"].id), "input": {"zones": ["75"]}}
    body = await api.gql(PREVIEW_GROUP_CHANGE, variables, world.auditor_token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
