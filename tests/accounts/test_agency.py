"""The agency replaces an organisation's administrator (« contactez la Caf »)."""

from models import AuditEvent, Organisation
from models.enums import UserStatus
from policies.vocabulary import Role
from tests.accounts.operations import ME, REPLACE
from tests.support.accounts_support import activated_organisation, agency_token
from tests.support.factories import make_user

_agent = agency_token


async def test_agent_caf_moves_the_administrateur_role(api, smtp):
    # given
    organisation, admin_identifier, admin_token = await activated_organisation(api)
    successor = await make_user(api, organisation, "SUCCESSEUR", roles=(Role.RESPONSABLE,))
    former_id = organisation.administrator_id
    token = await _agent(api)
    # when
    data = await api.ok(REPLACE, {"org": str(organisation.id), "user": str(successor.id)}, token)
    # then
    assert data["replaceAdministrator"]["roles"] == ["administrateur", "responsable_habilitation"]
    await organisation.refresh_from_db()
    assert organisation.administrator_id == successor.id
    assert (await api.ok(ME, token=admin_token))["me"]["roles"] == []
    events = {e.target_id: e for e in await AuditEvent.filter(action="administrator_replaced")}
    assert events[str(successor.id)].before == {
        "roles": ["responsable_habilitation"],
        "groups": [],
        "status": "active",
        "closing_date": None,
    }
    assert events[str(successor.id)].after["roles"] == [
        "administrateur",
        "responsable_habilitation",
    ]
    assert events[str(former_id)].before["roles"] == ["administrateur"]
    assert events[str(former_id)].after == {
        "roles": [],
        "groups": [],
        "status": "active",
        "closing_date": None,
    }
    assert events[str(former_id)].actor_label == "CAF.AGENT_CAF"
    [message] = await smtp.mailbox.wait_for(1)
    assert "successeur@example.test" in message["To"]
    assert admin_identifier


async def test_only_agents_caf_replace_and_only_with_a_user_of_that_organisation(api):
    organisation, _, admin_token = await activated_organisation(api)
    other, _, _ = await activated_organisation(api, "LES PINS", admin_email="a@pins.example")
    stranger = await make_user(api, other, "ETRANGER")
    closed = await make_user(api, organisation, "CLOS")
    await closed.filter(id=closed.id).update(status=UserStatus.CLOSED)
    agent, auditor = await _agent(api), await _agent(api, "auditeur")
    ids = {"org": str(organisation.id), "user": str(stranger.id)}
    assert (await api.error(REPLACE, ids, agent))["extensions"]["code"] == "NOT_FOUND"
    missing = {"org": "424242", "user": str(stranger.id)}
    assert (await api.error(REPLACE, missing, agent))["extensions"]["code"] == "NOT_FOUND"
    own = {"org": str(organisation.id), "user": str(closed.id)}
    assert (await api.error(REPLACE, own, agent))["extensions"]["code"] == "CONFLICT"
    for token in (auditor, admin_token):
        assert (await api.error(REPLACE, own, token))["extensions"]["code"] == "FORBIDDEN"
    assert (await Organisation.get(id=organisation.id)).administrator_id != closed.id
    assert await AuditEvent.filter(action="administrator_replaced").count() == 0
