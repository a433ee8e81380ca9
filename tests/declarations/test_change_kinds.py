"""« Déclarer un changement », one typed mutation per change: its rules, its answer, its receipt
and audit event, the DECLARE right and the zone, and a departure declared once even in a burst."""

import asyncio

import pytest

from bailleurs.demo import DEMO_LOGINS
from models import AuditEvent, ChangeDeclaration, Organisation, Receipt
from policies.enforcers import load_enforcer
from policies.vocabulary import org_domain, user_subject
from resolvers.shared.clock import today
from resolvers.shared.french import add_months
from tests.declarations.operations import (
    CO_TENANTS,
    DECLARE_CHANGE,
    DEPARTURE,
    END_OF_MANAGEMENT,
    NON_DECENT,
)
from tests.support.declaration_ops import days_ago, demo_login, tenant_id
from tests.support.factories import PASSWORD, make_user


async def declare(api, token, query: str, name: str, last_name: str, **fields) -> dict:
    variables = {"input": {"tenantId": await tenant_id(last_name), **fields}}
    return (await api.ok(query, variables, token))[name]


async def refused(api, token, query: str, last_name: str, **fields) -> dict:
    variables = {"input": {"tenantId": await tenant_id(last_name), **fields}}
    return await api.error(query, variables, token)


async def test_a_departure_with_the_new_address_and_the_month_paid_keeps_that_months_benefit(api):
    # given
    token = await demo_login(api)
    # when
    result = await declare(
        api, token, DEPARTURE, "declareTenantDeparture", "COUTURE", departureDate=days_ago(5),
        departureMonthRentPaidInFull=True, newAddress="  3 RUE DES LILAS 14000 CAEN ")
    # then
    assert result["kind"] == "DEPART" and result["late"] is False
    assert result["newAddress"] == "3 RUE DES LILAS 14000 CAEN"
    assert result["departureMonthRentPaidInFull"] is True
    assert result["departureMonthBenefitDue"] is True and result["benefitHeldUntil"] is None
    assert "vous reste due" in result["notices"][0]
    assert result["reference"].startswith("DC") and result["receiptUrl"].endswith(".pdf")
    event = await AuditEvent.get(action="change_declared", target_id=result["id"])
    assert event.after["departure_month_paid"] is True
    assert event.after["new_address_known"] is True
    assert event.after["reference"] == result["reference"]
    receipt = await Receipt.get(reference=result["reference"])
    assert receipt.sha256 == event.after["receiptSha256"] and receipt.pdf.startswith(b"%PDF")


async def test_a_departure_whose_month_was_not_paid_loses_that_months_benefit(api):
    token = await demo_login(api)
    result = await declare(
        api, token, DEPARTURE, "declareTenantDeparture", "MILOME", departureDate=days_ago(40),
        departureMonthRentPaidInFull=False)
    assert result["departureMonthBenefitDue"] is False and result["newAddress"] is None
    assert result["late"] is True
    assert "plus d'un mois après" in result["notices"][0]
    assert "n'est pas due" in result["notices"][1]


async def test_a_tenant_leaves_once_a_second_departure_is_a_conflict(api):
    token = await demo_login(api)
    first = await declare(api, token, DEPARTURE, "declareTenantDeparture", "COUTURE",
                          departureDate=days_ago(3), departureMonthRentPaidInFull=True)
    again = await refused(api, token, DEPARTURE, "COUTURE", departureDate=days_ago(2),
                          departureMonthRentPaidInFull=True)
    legacy = await refused(api, token, DECLARE_CHANGE, "COUTURE", kind="DEPART",
                           eventDate=days_ago(2))
    for error in (again, legacy):
        assert error["extensions"]["code"] == "CONFLICT"
        assert first["reference"] in error["message"] and "contactez la Caf" in error["message"]
    assert await ChangeDeclaration.filter(kind="depart").count() == 1


async def test_twenty_simultaneous_departures_of_one_tenant_record_exactly_one(api):
    # given
    token = await demo_login(api)
    variables = {"input": {"tenantId": await tenant_id("BRISSON"), "departureDate": days_ago(1),
                           "departureMonthRentPaidInFull": True}}
    # when
    bodies = await asyncio.gather(*(api.gql(DEPARTURE, variables, token) for _ in range(20)))
    # then: one answer, nineteen clean conflicts, one row, one receipt, one audit event
    ok = [b for b in bodies if not b.get("errors")]
    codes = [b["errors"][0]["extensions"]["code"] for b in bodies if b.get("errors")]
    assert len(ok) == 1 and codes == ["CONFLICT"] * 19, codes
    assert await ChangeDeclaration.filter(kind="depart").count() == 1
    assert await Receipt.filter(kind="change").count() == 1
    assert await AuditEvent.filter(action="change_declared").count() == 1


async def test_end_of_management_takes_its_reason_from_a_closed_list(api):
    token = await demo_login(api)
    result = await declare(api, token, END_OF_MANAGEMENT, "declareEndOfManagement", "COUTURE",
                           endDate=days_ago(3), reason="DECES", comment="Succession en cours.")
    assert (result["kind"], result["reason"]) == ("FIN_GESTION", "DECES")
    assert "plus le gestionnaire" in result["notices"][0] and result["reference"]
    missing = await api.gql(END_OF_MANAGEMENT, {"input": {
        "tenantId": await tenant_id("COUTURE"), "endDate": days_ago(3)}}, token)
    assert missing["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "required field 'reason'" in str(missing["errors"][0]["extensions"])
    future = await refused(api, token, END_OF_MANAGEMENT, "COUTURE", endDate=days_ago(-2),
                           reason="VENTE")
    assert list(future["extensions"]["fields"]) == ["endDate"]


async def test_a_co_tenant_change_must_change_the_number(api):
    token = await demo_login(api)
    first = await declare(api, token, CO_TENANTS, "declareCoTenantChange", "MILOME",
                          changeDate=days_ago(2), coTenantCount=3)
    assert first["coTenantCount"] == 3 and first["reference"]
    same = await refused(api, token, CO_TENANTS, "MILOME", changeDate=days_ago(1),
                         coTenantCount=3)
    assert same["extensions"]["code"] == "BAD_USER_INPUT"
    assert "connaît déjà 3" in same["extensions"]["fields"]["coTenantCount"]
    too_many = await refused(api, token, CO_TENANTS, "MILOME", changeDate=days_ago(1),
                             coTenantCount=21)
    assert "de 0 à 20" in too_many["extensions"]["fields"]["coTenantCount"]
    ended = await declare(api, token, CO_TENANTS, "declareCoTenantChange", "MILOME",
                          changeDate=days_ago(1), coTenantCount=0)
    assert ended["coTenantCount"] == 0


async def test_a_non_decent_dwelling_holds_the_benefit_back_up_to_eighteen_months(api):
    token = await demo_login(api)
    noticed = today().replace(day=1)
    result = await declare(api, token, NON_DECENT, "declareNonDecentHousing", "BRISSON",
                           noticedOn=noticed.isoformat(), comment="Humidité, chauffage absent.")
    assert result["kind"] == "NON_DECENCE"
    assert result["benefitHeldUntil"] == add_months(noticed, 18).isoformat()
    assert "jusqu'à 18 mois" in result["notices"][0] and "perdue sinon" in result["notices"][0]
    before_entry = await refused(api, token, NON_DECENT, "BRISSON", noticedOn="2001-01-01")
    assert list(before_entry["extensions"]["fields"]) == ["noticedOn"]


def every_change(date: str) -> list[tuple[str, dict]]:
    return [
        (DEPARTURE, {"departureDate": date, "departureMonthRentPaidInFull": True}),
        (END_OF_MANAGEMENT, {"endDate": date, "reason": "VENTE"}),
        (CO_TENANTS, {"changeDate": date, "coTenantCount": 2}),
        (NON_DECENT, {"noticedOn": date}),
    ]


async def assert_all_not_found(api, token, last_name: str) -> None:
    for query, fields in every_change(days_ago(1)):
        error = await refused(api, token, query, last_name, **fields)
        assert error["extensions"]["code"] == "NOT_FOUND", (query, error)
    assert await ChangeDeclaration.all().count() == 0
    assert await AuditEvent.filter(action="change_declared").count() == 0


@pytest.mark.parametrize("tenant", ["DUPONT", "MUROT"])  # privé: outside conventionné 14
async def test_a_group_member_declares_nothing_outside_its_zone(api, tenant):
    await demo_login(api)
    agent = await api.login("OLIVIERS.AGENT", DEMO_LOGINS["OLIVIERS.AGENT"])
    await assert_all_not_found(api, agent, tenant)


async def test_reading_a_tenant_is_not_declaring_a_change(api):
    # given: a role that may read every tenant of LES OLIVIERS but declare nothing
    await demo_login(api)
    olivier = await Organisation.get(user_number="OLIVIERS140001")
    domain = org_domain(olivier.id)
    reader = await make_user(api, olivier, "OLIVIERS.LECTEUR")
    enforcer = await load_enforcer(domain)
    await enforcer.add_policy("lecteur", domain, "*", "*", "read")
    await enforcer.add_role_for_user_in_domain(user_subject(reader.id), "lecteur", domain)
    api.services.registry.invalidate(domain)
    token = await api.login("OLIVIERS.LECTEUR", PASSWORD)
    # when / then
    await assert_all_not_found(api, token, "BRISSON")
