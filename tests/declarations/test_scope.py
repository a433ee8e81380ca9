"""Out-of-scope callers get NOT_FOUND on every declaration service, exactly as for missing ids."""

import pytest

from bailleurs.demo import DEMO_LOGINS
from models import (
    AuditEvent,
    ChangeDeclaration,
    Organisation,
    RentDeclaration,
    UnpaidRentReport,
)
from policies.enforcers import load_enforcer
from policies.vocabulary import Role, org_domain, user_subject
from tests.declarations.operations import DECLARE_CHANGE, GET, REPORT_UNPAID, SAVE, START, VALIDATE
from tests.support.declaration_ops import demo_login, started, tenant_id
from tests.support.factories import PASSWORD, make_user

UNPAID = {
    "amountOwedCents": 60000,
    "months": 1,
    "unpaidSince": "2026-10-01",
    "rentCents": 30000,
    "chargesCents": 1000,
}


async def attempts(tenant: str, declaration: str) -> list[tuple[str, dict]]:
    """Every declaration operation aimed at one tenant and its declaration."""
    tid = await tenant_id(tenant)
    return [
        (START, {"tenantId": tid}),
        (SAVE, {"id": declaration, "input": {"stillManager": True}}),
        (VALIDATE, {"id": declaration}),
        (DECLARE_CHANGE, {"input": {"tenantId": tid, "kind": "DEPART", "eventDate": "2026-11-01"}}),
        (REPORT_UNPAID, {"input": {"tenantId": tid, **UNPAID}}),
    ]


async def assert_nothing_written(events_before: int, declarations_before: int) -> None:
    assert await AuditEvent.filter(action__not_in=["login_succeeded"]).count() == events_before
    assert await RentDeclaration.all().count() == declarations_before
    assert await ChangeDeclaration.all().count() == 0
    assert await UnpaidRentReport.all().count() == 0


@pytest.mark.parametrize("tenant", ["DUPONT", "MUROT"])  # privé: outside conventionné 14
async def test_a_group_member_cannot_touch_tenants_outside_its_habilitation(api, tenant):
    # given
    admin = await demo_login(api)
    declaration = (await started(api, admin, tenant))["id"]
    agent = await api.login("OLIVIERS.AGENT", DEMO_LOGINS["OLIVIERS.AGENT"])
    events = await AuditEvent.filter(action__not_in=["login_succeeded"]).count()
    declarations = await RentDeclaration.all().count()
    # when / then
    for query, variables in [*await attempts(tenant, declaration), (GET, {"id": declaration})]:
        error = await api.error(query, variables, agent)
        assert error["extensions"]["code"] == "NOT_FOUND", (query, error)
    await assert_nothing_written(events, declarations)


async def test_missing_ids_answer_the_same_not_found(api):
    admin = await demo_login(api)
    for query, variables in (
        (SAVE, {"id": "999999", "input": {"stillManager": True}}),
        (VALIDATE, {"id": "nonsense"}),
        (GET, {"id": "999999"}),
        (START, {"tenantId": "999999"}),
    ):
        error = await api.error(query, variables, admin)
        assert error["extensions"]["code"] == "NOT_FOUND"


async def test_another_organisations_administrator_sees_nothing(api):
    # given
    admin = await demo_login(api)
    declaration = (await started(api, admin, "BRISSON"))["id"]
    sud = await Organisation.get(user_number="HABSUD00000971")
    await make_user(api, sud, "SUD.ADMIN", roles=(Role.ADMINISTRATEUR,))
    other = await api.login("SUD.ADMIN", PASSWORD)
    events = await AuditEvent.filter(action__not_in=["login_succeeded"]).count()
    declarations = await RentDeclaration.all().count()
    # when / then
    for query, variables in [*await attempts("BRISSON", declaration), (GET, {"id": declaration})]:
        error = await api.error(query, variables, other)
        assert error["extensions"]["code"] == "NOT_FOUND", (query, error)
    await assert_nothing_written(events, declarations)


async def test_reading_is_not_declaring(api):
    # given: a role that may read every tenant of LES OLIVIERS but declare nothing
    admin = await demo_login(api)
    declaration = (await started(api, admin, "BRISSON"))["id"]
    olivier = await Organisation.get(user_number="OLIVIERS140001")
    domain = org_domain(olivier.id)
    reader = await make_user(api, olivier, "OLIVIERS.LECTEUR")
    enforcer = await load_enforcer(domain)
    await enforcer.add_policy("lecteur", domain, "*", "*", "read")
    await enforcer.add_role_for_user_in_domain(user_subject(reader.id), "lecteur", domain)
    api.services.registry.invalidate(domain)
    token = await api.login("OLIVIERS.LECTEUR", PASSWORD)
    # when / then
    assert (await api.ok(GET, {"id": declaration}, token))["rentDeclaration"]["id"] == declaration
    for query, variables in await attempts("BRISSON", declaration):
        error = await api.error(query, variables, token)
        assert error["extensions"]["code"] == "NOT_FOUND", (query, error)
