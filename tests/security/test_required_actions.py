"""Finding 9: a restricted session is told what is left to do (REQUIRED_ACTIONS, the list in
`extensions`), not "Vous devez être connecté"; logging out is audited."""

import pytest

from models import AuditEvent
from tests.accounts.operations import LOGIN, LOGOUT, ME
from tests.declarations.operations import TENANTS
from tests.habilitations.operations import USERS
from tests.security.takeover_support import create_user, restricted_login
from tests.support.accounts_support import activated_organisation, new_organisation

FULL_SESSION_FIELDS = [ME, TENANTS, USERS, "query { habilitationGroups { id } }"]


@pytest.mark.parametrize("query", FULL_SESSION_FIELDS)
async def test_a_restricted_session_is_told_its_required_actions(api, query):
    # given: a created user logged in with the provisional password
    _, _, admin = await activated_organisation(api, admin_email="admin@tilleuls.example")
    created, provisional = await create_user(api, admin, "lea@tilleuls.example")
    token, actions = await restricted_login(api, created["identifier"], provisional)
    # when
    error = await api.error(query, token=token)
    # then: its own code, with the same list as the login gave
    assert error["extensions"] == {"code": "REQUIRED_ACTIONS", "requiredActions": actions}
    assert "première connexion" in error["message"]
    # while no session at all is still UNAUTHENTICATED
    assert (await api.error(query))["extensions"]["code"] == "UNAUTHENTICATED"


async def test_logout_is_audited_for_users_and_for_the_letters_session(api):
    # given: an administrator's session and another organisation's letter session
    _, identifier, token = await activated_organisation(api)
    organisation, letters = await new_organisation(api, "LES PINS")
    letter = await api.ok(
        LOGIN, {"identifier": letters["identifier"], "password": letters["initialPassword"]}
    )
    # when
    for session in (token, letter["login"]["token"]):
        assert (await api.ok(LOGOUT, token=session))["logout"] is True
    # then: one event each, naming who left; the sessions are over
    events = await AuditEvent.filter(action="logout").order_by("id")
    assert [(e.actor_label, e.target_type) for e in events] == [
        (identifier, "session"), (letters["identifier"], "session")
    ]
    assert events[1].organisation_id == organisation.id and events[1].actor_id is None
    assert (await api.error(ME, token=token))["extensions"]["code"] == "UNAUTHENTICATED"
