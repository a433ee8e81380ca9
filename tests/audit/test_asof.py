"""As-of answers: the habilitations of a past day, rebuilt from the audit trail alone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from tortoise.transactions import in_transaction

from models import User
from policies.vocabulary import group_subject
from resolvers.audit import chain as audit_log
from tests.audit.operations import EVENTS, EXPLAIN, USER_ACCESS, WHO
from tests.habilitations.operations import CLOSE_USER, SET_USER_GROUPS
from tests.support.factories import PASSWORD, today
from tests.support.world import build_world, set_memberships, token_of, visible_ids

DAY0 = today() - timedelta(days=10)  # import, the agent is created in conventionné 14
DAY1 = today() - timedelta(days=5)  # the agent moves to privé 14 + conventionné 75


def _at(day) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


async def _change(api, monkeypatch, day, action, user: User, groups: list, **state) -> None:
    """A habilitation change as the admin mutations make it: Casbin and a full-state event."""
    monkeypatch.setattr(audit_log, "now", lambda: _at(day))
    async with in_transaction():
        await set_memberships(api, user, [group_subject(g.id) for g in groups])
        await audit_log.record(
            action,
            actor_id=None,
            actor_label="test",
            organisation_id=user.organisation_id,
            target_type="user",
            target_id=user.id,
            before=None,
            after={
                "roles": [],
                "groups": sorted(g.id for g in groups),
                "status": "active",
                "closing_date": None,
                **state,
            },
        )
    monkeypatch.undo()


@pytest.fixture
async def history(api, monkeypatch):
    """The shared world imported on day 0; the agent moved and A.MIXED closed on day 1."""
    monkeypatch.setattr(audit_log, "now", lambda: _at(DAY0))
    world = await build_world(api)
    monkeypatch.undo()
    agent, mixed = world.users["agent"], world.users["mixed"]
    # they completed their first login on day 0
    await User.filter(id__in=[agent.id, mixed.id]).update(
        profile_completed_at=_at(DAY0),
        usage_rules_accepted_at=_at(DAY0),
        terms_accepted_at=_at(DAY0),
    )
    g = world.groups
    await _change(api, monkeypatch, DAY0, "user_created", agent, [g["c14"]])
    await _change(api, monkeypatch, DAY0, "user_created", mixed, [g["p14"], g["c75"]])
    await _change(api, monkeypatch, DAY1, "user_groups_set", agent, [g["p14"], g["c75"]])
    await _change(
        api,
        monkeypatch,
        DAY1,
        "user_closed",
        mixed,
        [g["p14"], g["c75"]],
        status="closed",
        closing_date=DAY1.isoformat(),
    )
    await User.filter(id=mixed.id).update(status="closed", closing_date=DAY1)
    return world


def _tenant(world, kind: str, dept: str):
    return next(
        t
        for t in world.tenants
        if t.housing.organisation_id == world.org.id
        and t.housing.housing_type == kind
        and t.housing.departement == dept
    )


async def test_user_access_before_and_after_a_group_change(api, history):
    agent = str(history.users["agent"].id)

    async def counts(day):
        data = await api.ok(
            USER_ACCESS, {"user": agent, "asOf": day and day.isoformat()}, history.auditor_token
        )
        return {(c["housingType"], c["zone"]): c["count"] for c in data["userAccess"]["byHousing"]}

    assert await counts(DAY0 - timedelta(days=1)) == {}  # the account did not exist yet
    assert await counts(DAY0) == {("CONVENTIONNE", "14"): 3}
    assert await counts(DAY1 - timedelta(days=1)) == {("CONVENTIONNE", "14"): 3}
    after = {("PRIVE", "14"): 2, ("CONVENTIONNE", "75"): 2}
    assert await counts(DAY1) == after
    assert await counts(None) == after == await counts(today())


async def test_who_could_access_a_tenant_on_each_day(api, history):
    c14, p14 = _tenant(history, "conventionne", "14"), _tenant(history, "prive", "14")

    async def who(tenant, day):
        data = await api.ok(
            WHO, {"tenant": str(tenant.id), "asOf": day.isoformat()}, history.auditor_token
        )
        return {w["user"]["identifier"] for w in data["whoCanAccess"]}

    assert await who(c14, DAY0) == {"A.AGENT"}
    assert await who(p14, DAY0) == {"A.MIXED"}
    assert await who(c14, DAY1) == set()
    assert await who(p14, DAY1 - timedelta(days=1)) == {"A.MIXED"}
    # closed on day 1 (closing date that day): gone from the end of that day
    assert await who(p14, DAY1) == {"A.AGENT"}


async def test_explanation_as_of_a_past_day(api, history):
    c14 = _tenant(history, "conventionne", "14")
    variables = {"user": str(history.users["agent"].id), "tenant": str(c14.id), "action": "READ"}
    then = await api.ok(EXPLAIN, {**variables, "asOf": DAY0.isoformat()}, history.auditor_token)
    now = await api.ok(EXPLAIN, {**variables, "asOf": None}, history.auditor_token)
    assert then["explainAccess"]["allowed"] is True
    assert history.groups["c14"].name in then["explainAccess"]["path"][1]["label"]
    assert (now["explainAccess"]["allowed"], now["explainAccess"]["reason"]) == (
        False,
        "WRONG_HOUSING_TYPE",
    )


async def test_as_of_answers_follow_the_admin_mutations(api, monkeypatch):
    # given: organisation A, imported ten days ago; three days ago its administrator put the
    # agent in conventionné 14
    monkeypatch.setattr(audit_log, "now", lambda: _at(DAY0))
    world = await build_world(api)
    monkeypatch.undo()
    agent, g = world.users["agent"], world.groups
    await User.filter(id=agent.id).update(
        profile_completed_at=_at(DAY0),
        usage_rules_accepted_at=_at(DAY0),
        terms_accepted_at=_at(DAY0),
    )
    admin = await token_of(api, world, "admin")
    earlier = today() - timedelta(days=3)
    monkeypatch.setattr(audit_log, "now", lambda: _at(earlier))
    await api.ok(SET_USER_GROUPS, {"u": str(agent.id), "g": [str(g["c14"].id)]}, admin)
    monkeypatch.undo()
    # when: today, the agent moves to privé 14
    await api.ok(SET_USER_GROUPS, {"u": str(agent.id), "g": [str(g["p14"].id)]}, admin)

    # then
    async def total(day):
        data = await api.ok(
            USER_ACCESS, {"user": str(agent.id), "asOf": day.isoformat()}, world.auditor_token
        )
        return data["userAccess"]["total"]

    seen_today = await visible_ids(api, await api.login(agent.identifier, PASSWORD))
    assert (await total(earlier), await total(today() - timedelta(days=1))) == (3, 3)
    assert await total(today()) == len(seen_today) == 2
    # the trail shows both changes with full states and the administrator's delegation
    data = await api.ok(
        EVENTS,
        {"first": 10, "filter": {"action": "user_groups_set", "targetId": str(agent.id)}},
        world.auditor_token,
    )
    last = data["auditEvents"]["edges"][-1]["node"]
    assert last["before"]["groups"] == [g["c14"].id] and last["after"]["groups"] == [g["p14"].id]
    assert last["actorLabel"] == last["actor"]["identifier"] == "A.ADMIN" and last["delegation"]


async def test_a_closed_account_drops_out_from_its_closing_day(api, world):
    admin = await token_of(api, world, "admin")
    mixed = world.users["mixed"]
    p14 = _tenant(world, "prive", "14")
    await api.ok(CLOSE_USER, {"u": str(mixed.id), "d": today().isoformat()}, admin)
    data = await api.ok(
        WHO, {"tenant": str(p14.id), "asOf": today().isoformat()}, world.auditor_token
    )
    assert "A.MIXED" not in {w["user"]["identifier"] for w in data["whoCanAccess"]}
    explained = await api.ok(
        EXPLAIN,
        {"user": str(mixed.id), "tenant": str(p14.id), "action": "READ", "asOf": None},
        world.auditor_token,
    )
    assert explained["explainAccess"]["reason"] == "ACCOUNT_CLOSED"
