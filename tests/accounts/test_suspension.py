"""An agent of the Caf suspends and reinstates a partner's account: sessions end at once, the
right password is then answered as a wrong one (no hint that it is right), all audited."""

from __future__ import annotations

import asyncio

from models import AuditEvent, Session, Tenant, User
from policies.vocabulary import Role
from resolvers.accounts.login import BAD_CREDENTIALS
from tests.accounts.operations import LOGIN, ME
from tests.accounts.operations import REINSTATE_USER as REINSTATE
from tests.accounts.operations import SUSPEND_USER as SUSPEND
from tests.audit.operations import EXPLAIN
from tests.habilitations.operations import FILTERED_USERS as USERS
from tests.support.accounts_support import activated_organisation, agency_token, agency_tokens
from tests.support.factories import PASSWORD, group, make_user


async def _login_error(api, identifier: str, password: str) -> dict:
    return await api.error(LOGIN, {"identifier": identifier, "password": password})


async def test_a_suspended_user_loses_its_sessions_and_cannot_log_in(api):
    # given: a working user with an open session
    organisation, _, admin = await activated_organisation(api)
    user = await make_user(api, organisation, "SUSPECT",
                           groups=(await group(organisation, "conventionne", "14"),))
    session = await api.login("SUSPECT", PASSWORD)
    agent, auditor = await agency_tokens(api)
    # when
    data = await api.ok(SUSPEND, {"u": str(user.id)}, agent)
    # then: the session is dead, and the right password answers like a wrong one
    assert data["suspendUser"] == {"id": str(user.id), "suspended": True, "status": "active"}
    assert (await api.error(ME, token=session))["extensions"]["code"] == "UNAUTHENTICATED"
    assert not await Session.filter(user_id=user.id, revoked_at=None).exists()
    right, wrong = await _login_error(api, "SUSPECT", PASSWORD), await _login_error(
        api, "SUSPECT", "Mauvais-Secret-1")
    assert right["message"] == wrong["message"] == BAD_CREDENTIALS
    assert right["extensions"]["code"] == wrong["extensions"]["code"] == "UNAUTHENTICATED"
    event = await AuditEvent.get(action="user_suspended")
    assert (event.target_id, event.before, event.after) == (
        str(user.id), {"suspended": False}, {"suspended": True})
    # the administrateur sees it, in its list and under its filter
    suspended = await api.ok(USERS, {"first": 10, "filter": {"status": "SUSPENDED"}}, admin)
    assert suspended["users"]["edges"] == [{"node": {"identifier": "SUSPECT", "suspended": True}}]
    # the auditor's explanation says why it has no access any more
    tenant = await Tenant.filter(housing__organisation_id=organisation.id).first()
    explained = (await api.ok(EXPLAIN, {"user": str(user.id), "tenant": str(tenant.id),
                                        "action": "READ"}, auditor))["explainAccess"]
    assert (explained["allowed"], explained["reason"]) == (False, "ACCOUNT_SUSPENDED")
    assert explained["message"] == "Le compte est suspendu par la Caf."
    # when reinstated, the account is what it was
    await User.filter(id=user.id).update(failed_logins=0)
    back = await api.ok(REINSTATE, {"u": str(user.id)}, agent)
    assert back["reinstateUser"] == {"id": str(user.id), "suspended": False, "status": "active"}
    assert await api.login("SUSPECT", PASSWORD)
    assert await AuditEvent.filter(action="user_reinstated").count() == 1


async def test_only_an_agent_suspends_and_only_a_partner_account(api):
    organisation, _, admin = await activated_organisation(api)
    user = await make_user(api, organisation, "CIBLE")
    manager = await make_user(api, organisation, "RESP", roles=(Role.RESPONSABLE,))
    agent, auditor = await agency_tokens(api)
    for token in (admin, auditor, await api.login(manager.identifier, PASSWORD)):
        for query in (SUSPEND, REINSTATE):
            error = await api.error(query, {"u": str(user.id)}, token)
            assert error["extensions"]["code"] == "FORBIDDEN"
    assert (await api.error(SUSPEND, {"u": str(user.id)}))["extensions"]["code"] == (
        "UNAUTHENTICATED")
    agent_row = await User.get(identifier="CAF.AGENT_CAF")
    for target in (str(agent_row.id), "999999", "abc"):
        error = await api.error(SUSPEND, {"u": target}, agent)
        assert error["extensions"]["code"] == "NOT_FOUND", (target, error)
    error = await api.error(REINSTATE, {"u": str(user.id)}, agent)
    assert error["extensions"]["code"] == "CONFLICT"
    assert (await User.get(id=user.id)).suspended_at is None


async def test_twenty_parallel_suspensions_are_recorded_once(api):
    organisation, _, _ = await activated_organisation(api)
    user = await make_user(api, organisation, "CIBLE")
    agent = await agency_token(api)
    bodies = await asyncio.gather(*(api.gql(SUSPEND, {"u": str(user.id)}, agent)
                                    for _ in range(20)))
    assert sum("errors" not in b for b in bodies) == 1
    assert {b["errors"][0]["extensions"]["code"] for b in bodies if "errors" in b} == {"CONFLICT"}
    assert await AuditEvent.filter(action="user_suspended").count() == 1
