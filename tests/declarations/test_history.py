"""The history of what was declared: per organisation and per tenant, newest first, paged by
cursor, filtered, and scoped like the tenants list; the « dernières informations connues » from
the previous transmitted declaration; payments newest first with a checked period."""

from datetime import timedelta

from models import RentDeclaration, Tenant, User
from models.enums import DeclarationState
from models.organisations import Organisation
from policies.vocabulary import Role
from resolvers.shared.clock import now, today
from resolvers.shared.french import add_months
from tests.declarations.operations import (
    CHANGES,
    CO_TENANTS,
    DEPARTURE,
    END_OF_MANAGEMENT,
    LAST_KNOWN,
    NON_DECENT,
    PAYMENTS_ORDERED,
    RENT_DECLARATIONS,
    REPORT_UNPAID,
    TENANT_HISTORY,
    UNPAID_REPORTS,
)
from tests.support.declaration_ops import days_ago, demo_login, month_start, started, tenant_id
from tests.support.factories import PASSWORD, make_user


async def some_changes(api, token) -> list[str]:
    """Four changes on four tenants, oldest first; DUPONT is privé (outside the agent's zone)."""
    done = []
    for query, name, fields in (
        (DEPARTURE, "COUTURE", {"departureDate": days_ago(5),
                                "departureMonthRentPaidInFull": True}),
        (CO_TENANTS, "MILOME", {"changeDate": days_ago(4), "coTenantCount": 2}),
        (NON_DECENT, "BRISSON", {"noticedOn": days_ago(3)}),
        (END_OF_MANAGEMENT, "DUPONT", {"endDate": days_ago(2), "reason": "VENTE"}),
    ):
        data = await api.ok(query, {"input": {"tenantId": await tenant_id(name), **fields}}, token)
        done.append(next(iter(data.values()))["id"])
    return done


async def pages(api, token, query: str, field: str, filter_=None, first: int = 2) -> list[dict]:
    nodes, after = [], None
    while True:
        data = await api.ok(query, {"first": first, "after": after, "filter": filter_}, token)
        page = data[field]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(nodes)
            return nodes
        after = page["pageInfo"]["endCursor"]


async def test_the_organisations_changes_are_listed_newest_first_page_by_page(api):
    # given
    token = await demo_login(api)
    ids = await some_changes(api, token)
    # when
    nodes = await pages(api, token, CHANGES, "changeDeclarations")
    # then
    assert [n["id"] for n in nodes] == ids[::-1]
    assert nodes[-1]["reference"] and nodes[-1]["newAddress"] is None
    departures = await pages(api, token, CHANGES, "changeDeclarations", {"kinds": ["DEPART"]})
    assert [n["tenant"]["lastName"] for n in departures] == ["COUTURE"]
    two_kinds = {"kinds": ["COLOCATAIRES", "NON_DECENCE"]}
    assert len(await pages(api, token, CHANGES, "changeDeclarations", two_kinds)) == 2
    mine = {"tenantId": await tenant_id("MILOME")}
    assert [n["kind"] for n in await pages(api, token, CHANGES, "changeDeclarations", mine)] == [
        "COLOCATAIRES"]
    later = {"from": (today() + timedelta(days=1)).isoformat()}
    assert await pages(api, token, CHANGES, "changeDeclarations", later) == []
    today_only = {"from": today().isoformat(), "to": today().isoformat()}
    assert len(await pages(api, token, CHANGES, "changeDeclarations", today_only)) == 4


async def test_a_period_that_ends_before_it_starts_is_refused_in_french(api):
    token = await demo_login(api)
    for query in (CHANGES, UNPAID_REPORTS):
        error = await api.error(query, {"first": 5, "filter": {"from": "2026-06-01",
                                                              "to": "2026-05-31"}}, token)
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["fields"] == {
            "from": "La date de début (01/06/2026) est postérieure à la date de fin "
                    "(31/05/2026) : inversez-les."}


async def test_a_group_member_reads_only_the_history_of_its_zone(api):
    # given: OLIVIERS.AGENT holds conventionné 14 only; DUPONT is privé
    admin = await demo_login(api)
    await some_changes(api, admin)
    agent = await api.login("OLIVIERS.AGENT", "Demo-Agent-2026!")
    # when
    changes = await pages(api, agent, CHANGES, "changeDeclarations")
    declarations = await pages(api, agent, RENT_DECLARATIONS, "rentDeclarations")
    # then
    assert {n["tenant"]["lastName"] for n in changes} == {"COUTURE", "MILOME", "BRISSON"}
    assert {n["tenant"]["lastName"] for n in declarations} == {"BEAUVOIS"}
    for query in (CHANGES, UNPAID_REPORTS, RENT_DECLARATIONS):
        error = await api.error(query, {"first": 5, "filter": {
            "tenantId": await tenant_id("DUPONT")}}, agent)
        assert error["extensions"]["code"] == "NOT_FOUND"
    error = await api.error(TENANT_HISTORY, {"id": await tenant_id("DUPONT")}, agent)
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_another_organisation_reads_none_of_this_history(api):
    admin = await demo_login(api)
    await some_changes(api, admin)
    sud = await Organisation.get(user_number="HABSUD00000971")
    await make_user(api, sud, "SUD.ADMIN", roles=(Role.ADMINISTRATEUR,))
    other = await api.login("SUD.ADMIN", PASSWORD)
    for query, field in ((CHANGES, "changeDeclarations"), (UNPAID_REPORTS, "unpaidRentReports"),
                         (RENT_DECLARATIONS, "rentDeclarations")):
        assert await pages(api, other, query, field) == []


async def report(api, token, last_name: str, amount: int) -> dict:
    variables = {"input": {"tenantId": await tenant_id(last_name), "amountOwedCents": amount,
                           "months": 2, "unpaidSince": month_start(1).isoformat(),
                           "rentCents": 28000, "chargesCents": 2000,
                           "benefitPaidToLandlord": False}}
    return (await api.ok(REPORT_UNPAID, variables, token))["reportUnpaidRent"]


async def test_unpaid_reports_are_listed_newest_first_and_by_constitution(api):
    token = await demo_login(api)
    small = await report(api, token, "BRISSON", 10000)
    large = await report(api, token, "COUTURE", 60000)
    nodes = await pages(api, token, UNPAID_REPORTS, "unpaidRentReports", first=1)
    assert [n["id"] for n in nodes] == [large["id"], small["id"]]
    assert nodes[0]["message"] == large["message"] and nodes[0]["reference"] == large["reference"]
    constituted = await pages(api, token, UNPAID_REPORTS, "unpaidRentReports",
                              {"constituted": True})
    assert [n["tenant"]["lastName"] for n in constituted] == ["COUTURE"]


async def test_a_tenant_shows_its_own_history(api):
    token = await demo_login(api)
    await some_changes(api, token)
    await report(api, token, "BRISSON", 60000)
    await api.ok(CO_TENANTS, {"input": {"tenantId": await tenant_id("BRISSON"),
                                        "changeDate": days_ago(1), "coTenantCount": 1}}, token)
    data = await api.ok(TENANT_HISTORY, {"id": await tenant_id("BRISSON")}, token)
    tenant = data["tenant"]
    assert [e["node"]["kind"] for e in tenant["changeDeclarations"]["edges"]] == [
        "COLOCATAIRES", "NON_DECENCE"]
    assert tenant["unpaidRentReports"]["totalCount"] == 1
    assert tenant["rentDeclarations"]["totalCount"] == 0
    only = await api.ok(TENANT_HISTORY, {"id": await tenant_id("BRISSON"),
                                         "kinds": ["NON_DECENCE"]}, token)
    assert only["tenant"]["changeDeclarations"]["totalCount"] == 1
    dupont = await api.ok(TENANT_HISTORY, {"id": await tenant_id("DUPONT")}, token)
    assert [e["node"]["state"] for e in dupont["tenant"]["rentDeclarations"]["edges"]] == [
        "TRANSMIS"]


async def transmitted_last_year(api, last_name: str, rent: int, charges: int) -> str:
    """The agency's record of last campaign's declaration (transmitted before this service)."""
    tenant = await Tenant.get(last_name=last_name)
    year = api.services.settings.campaign_year - 1
    reference = f"DL{year}-{tenant.allocataire_number}"
    await RentDeclaration.create(
        tenant=tenant, year=year, state=DeclarationState.TRANSMIS, still_manager=True,
        tenant_still_present=True, colocation=True, co_tenant_count=2, rent_cents=rent,
        charges_cents=charges, reference=reference, transmitted_at=now(),
        validated_by=await User.get(identifier="OLIVIERS.ADMIN"))
    return reference


async def test_last_known_information_comes_from_the_previous_transmitted_declaration(api):
    # given: BRISSON transmitted 350 € + 40 € last campaign; COUTURE never declared
    token = await demo_login(api)
    reference = await transmitted_last_year(api, "BRISSON", 35000, 4000)
    year = api.services.settings.campaign_year
    # when
    brisson = await api.ok(LAST_KNOWN, {"tenantId": await tenant_id("BRISSON")}, token)
    couture = await api.ok(LAST_KNOWN, {"tenantId": await tenant_id("COUTURE")}, token)
    # then
    known = brisson["startRentDeclaration"]["lastKnown"]
    assert known == {"lastRentMonth": f"07/{year - 1}", "lastRentCents": 35000,
                     "lastRent": "350,00 €", "lastChargesCents": 4000, "colocation": True,
                     "coTenantCount": 2, "source": f"Déclaration transmise {reference}",
                     "sourceReference": reference}
    imported = couture["startRentDeclaration"]["lastKnown"]
    couture_row = await Tenant.get(last_name="COUTURE")
    assert imported["source"] == "Données connues de la Caf"
    assert imported["sourceReference"] is None and imported["lastChargesCents"] is None
    assert imported["lastRentCents"] == couture_row.last_rent_cents
    listed = await pages(api, token, RENT_DECLARATIONS, "rentDeclarations",
                         {"tenantId": await tenant_id("BRISSON")})
    assert [n["year"] for n in listed] == [year, year - 1]
    assert listed[0]["lastKnown"]["sourceReference"] == reference
    assert listed[1]["lastKnown"]["source"] == "Données connues de la Caf"


async def test_rent_declarations_are_listed_by_campaign_year_and_state(api):
    token = await demo_login(api)
    await started(api, token, "BRISSON")
    await transmitted_last_year(api, "COUTURE", 30000, 0)
    year = api.services.settings.campaign_year
    this_year = await pages(api, token, RENT_DECLARATIONS, "rentDeclarations", {"year": year})
    assert {n["tenant"]["lastName"] for n in this_year} == {"BEAUVOIS", "DUPONT", "BRISSON"}
    sent = await pages(api, token, RENT_DECLARATIONS, "rentDeclarations",
                       {"year": year, "state": "TRANSMIS"})
    assert {n["tenant"]["lastName"] for n in sent} == {"BEAUVOIS", "DUPONT"}
    every = await pages(api, token, RENT_DECLARATIONS, "rentDeclarations")
    assert [n["year"] for n in every] == [year, year, year, year - 1]


async def test_payments_are_newest_first_and_a_reversed_period_is_refused(api):
    token = await demo_login(api)
    newest = await api.ok(PAYMENTS_ORDERED, {"first": 50}, token)
    months = [e["node"]["month"] for e in newest["payments"]["edges"]]
    assert months == sorted(months, reverse=True) and len(months) == 36
    oldest = await api.ok(PAYMENTS_ORDERED, {"first": 50, "order": "OLDEST_FIRST"}, token)
    assert [e["node"]["month"] for e in oldest["payments"]["edges"]] == sorted(months)
    start = month_start(3)
    error = await api.error(PAYMENTS_ORDERED, {"first": 5, "filter": {
        "fromMonth": add_months(start, 1).isoformat(), "toMonth": start.isoformat()}}, token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert list(error["extensions"]["fields"]) == ["fromMonth"]
    assert "est postérieur au mois de fin" in error["message"]
    same_month = {"fromMonth": start.replace(day=20).isoformat(),
                  "toMonth": start.replace(day=2).isoformat()}
    within = await api.ok(PAYMENTS_ORDERED, {"first": 50, "filter": same_month}, token)
    assert {e["node"]["month"] for e in within["payments"]["edges"]} == {start.isoformat()}
