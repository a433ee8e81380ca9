"""A complete trail: auditors' reads recorded, group names beside ids, `delegate` askable, the
access CSV with `manage` and French labels, users known from their creation."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from models import AuditEvent, User
from resolvers.audit import chain as audit_log
from resolvers.shared.clock import now
from tests.audit.operations import POLICIES, USER_ACCESS, WHO
from tests.habilitations.operations import SET_USER_GROUPS
from tests.support.factories import make_user, today
from tests.support.world import build_world, token_of

EXPLAIN_DELEGATE = """query($user: ID!, $tenant: ID!) {
  explainAccess(userId: $user, tenantId: $tenant, action: DELEGATE) { allowed } }"""


async def _reads(action: str) -> list[AuditEvent]:
    return await AuditEvent.filter(action=action).order_by("id")


async def test_an_auditors_reads_are_in_the_trail_once_per_request(api, world):
    # when: policies asked twice in one request (aliases), then who can access a tenant
    tenant = world.tenants[0]
    twice = """query($org: ID!) { a: policies(organisationId: $org) { organisationName }
                                  b: policies(organisationId: $org) { organisationName } }"""
    await api.ok(twice, {"org": str(world.org.id)}, world.auditor_token)
    await api.ok(WHO, {"tenant": str(tenant.id)}, world.auditor_token)
    await api.ok(USER_ACCESS, {"user": str(world.users["agent"].id)}, world.auditor_token)
    # then: who looked at which organisation's policies, at whose access, and when
    [policies] = await _reads("policies_read")
    assert (policies.actor_label, policies.organisation_id) == ("CAF.AUDIT", world.org.id)
    assert (policies.target_type, policies.target_id) == ("organisation", str(world.org.id))
    tenant_read, user_read = await _reads("access_read")
    assert (tenant_read.target_type, tenant_read.target_id) == ("tenant", str(tenant.id))
    assert tenant_read.organisation_id == world.org.id
    assert tenant_read.after == {"question": "whoCanAccess", "action": "read"}
    assert (user_read.target_type, user_read.target_id) == ("user", str(world.users["agent"].id))
    assert abs(now() - tenant_read.at) < timedelta(minutes=1)


async def test_a_refused_read_records_nothing(api, world):
    admin = await token_of(api, world, "admin")
    await api.error(POLICIES, {"org": str(world.org.id)}, admin)
    assert not await _reads("policies_read")


async def test_before_and_after_name_the_groups_beside_their_ids(api, world):
    admin = await token_of(api, world, "admin")
    agent, c14, p14 = world.users["agent"], world.groups["c14"], world.groups["p14"]
    await api.ok(SET_USER_GROUPS, {"u": str(agent.id), "g": [str(p14.id)]}, admin)
    [event] = await _reads("user_groups_set")
    assert event.before["groups"] == [c14.id]
    assert event.before["named_groups"] == [{"id": c14.id, "name": c14.name}]
    assert event.after["named_groups"] == [{"id": p14.id, "name": p14.name}]


async def test_delegate_is_an_action_an_auditor_can_ask_about(api, world):
    tenant = world.tenants[0]
    for key, allowed in (("admin", True), ("agent", False)):
        data = await api.ok(EXPLAIN_DELEGATE, {"user": str(world.users[key].id),
                                               "tenant": str(tenant.id)}, world.auditor_token)
        assert data["explainAccess"]["allowed"] is allowed, key


async def test_the_access_csv_reports_manage_with_labels_and_codes_beside(api, world):
    response = await api.client.get(f"/exports/access/{world.org.id}.csv",
                                    headers={"Authorization": f"Bearer {world.auditor_token}"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    admin = [r for r in rows if r["identifiant"] == "A.ADMIN"]
    assert {r["action_code"] for r in admin} == {"read", "declare", "manage"}
    manage = [r for r in admin if r["action_code"] == "manage"]
    assert {r["action"] for r in manage} == {"Gérer les utilisateurs"}
    assert {(r["etat"], r["etat_code"]) for r in admin} == {("Actif", "active")}
    typed = [r for r in admin if r["type_logement_code"] == "conventionne"]
    assert typed and {r["type_logement"] for r in typed} == {"Logement conventionné"}
    [export] = await _reads("access_exported")
    assert export.organisation_id == world.org.id


@pytest.fixture
async def past_world(api, monkeypatch):
    """The world imported twelve days ago: its groups exist in the trail from then."""
    monkeypatch.setattr(audit_log, "now", lambda: now() - timedelta(days=12))
    world = await build_world(api)
    monkeypatch.undo()
    return world


async def test_users_are_known_from_their_creation_before_their_first_event(api, past_world):
    # given: two users made ten days ago outside any audited change (an import, or before the
    # trail), first login done; one of them has its groups changed today
    world = past_world
    c14, p14 = world.groups["c14"], world.groups["p14"]
    kept = await make_user(api, world.org, "A.ANCIEN", groups=(c14,))
    moved = await make_user(api, world.org, "A.DEPLACE", groups=(c14,))
    past = now() - timedelta(days=10)
    await User.filter(id__in=[kept.id, moved.id]).update(
        created_at=past, profile_completed_at=past, usage_rules_accepted_at=past,
        terms_accepted_at=past,
    )
    admin = await token_of(api, world, "admin")
    await api.ok(SET_USER_GROUPS, {"u": str(moved.id), "g": [str(p14.id)]}, admin)
    # when: their access five days ago
    day = (today() - timedelta(days=5)).isoformat()
    answers = {}
    for user in (kept, moved):
        data = await api.ok(USER_ACCESS, {"user": str(user.id), "asOf": day}, world.auditor_token)
        answers[user.identifier] = data["userAccess"]
    # then: both held conventionné 14 (3 tenants): today's groups for the one never changed,
    # the `before` of its first change for the other
    for identifier in ("A.ANCIEN", "A.DEPLACE"):
        assert answers[identifier]["total"] == 3, identifier
        assert answers[identifier]["byHousing"] == [
            {"housingType": "CONVENTIONNE", "zone": "14", "count": 3}
        ], identifier
    # and before they were created, they had nothing
    long_ago = (today() - timedelta(days=20)).isoformat()
    data = await api.ok(USER_ACCESS, {"user": str(kept.id), "asOf": long_ago},
                        world.auditor_token)
    assert data["userAccess"]["total"] == 0
