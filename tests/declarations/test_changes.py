"""« Déclarer un changement » and « Signaler un impayé » (thresholds of the domain notes)."""

from models import AuditEvent, Tenant, UnpaidRentReport
from resolvers.shared.french import add_months
from tests.declarations.operations import DECLARE_CHANGE, REPORT_UNPAID
from tests.support.declaration_ops import days_ago, demo_login, month_start, tenant_id


async def change(api, token, last_name: str, **fields) -> dict:
    variables = {"input": {"tenantId": await tenant_id(last_name), **fields}}
    return (await api.ok(DECLARE_CHANGE, variables, token))["declareChange"]


async def change_error(api, token, last_name: str, **fields) -> dict:
    variables = {"input": {"tenantId": await tenant_id(last_name), **fields}}
    return await api.error(DECLARE_CHANGE, variables, token)


async def test_a_departure_within_the_month_is_on_time(api):
    token = await demo_login(api)
    result = await change(api, token, "COUTURE", kind="DEPART", eventDate=days_ago(10))
    assert result["late"] is False and result["kind"] == "DEPART"
    assert result["notices"] == [
        "L'aide du mois de départ reste due si le loyer de ce mois a été payé en entier."
    ]
    event = await AuditEvent.get(action="change_declared")
    assert event.actor_label == "OLIVIERS.ADMIN" and event.target_id == result["id"]
    assert event.after["kind"] == "depart" and event.after["late"] is False


async def test_a_departure_past_the_month_is_accepted_with_a_warning(api):
    token = await demo_login(api)
    result = await change(api, token, "COUTURE", kind="DEPART", eventDate=days_ago(45))
    assert result["late"] is True
    assert "plus d'un mois après (31 jours)" in result["notices"][0]


async def test_end_of_management_needs_its_reason(api):
    token = await demo_login(api)
    error = await change_error(api, token, "COUTURE", kind="FIN_GESTION", eventDate=days_ago(3))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert list(error["extensions"]["fields"]) == ["reason"]
    for reason in ("VENTE", "DECES", "FIN_MANDAT"):
        result = await change(
            api, token, "COUTURE", kind="FIN_GESTION", eventDate=days_ago(3), reason=reason
        )
        assert result["reason"] == reason and "plus le gestionnaire" in result["notices"][0]


async def test_co_tenant_count_change(api):
    token = await demo_login(api)
    result = await change(
        api,
        token,
        "MILOME",
        kind="COLOCATAIRES",
        eventDate=days_ago(1),
        coTenantCount=3,
        comment="Arrivée d'un colocataire.",
    )
    assert result["coTenantCount"] == 3 and result["comment"] == "Arrivée d'un colocataire."
    error = await change_error(api, token, "MILOME", kind="COLOCATAIRES", eventDate=days_ago(1))
    assert list(error["extensions"]["fields"]) == ["coTenantCount"]


async def test_non_decency_explains_the_hold_on_the_benefit(api):
    token = await demo_login(api)
    result = await change(api, token, "MILOME", kind="NON_DECENCE", eventDate=days_ago(1))
    assert "jusqu'à 18 mois" in result["notices"][0]


async def test_answers_that_do_not_fit_the_change_are_refused(api):
    token = await demo_login(api)
    error = await change_error(
        api, token, "MILOME", kind="DEPART", eventDate=days_ago(-3), reason="VENTE", coTenantCount=2
    )
    assert set(error["extensions"]["fields"]) == {"eventDate", "reason", "coTenantCount"}
    error = await change_error(api, token, "MILOME", kind="DEPART", eventDate="2016-01-01")
    assert "01/02/2017" in error["extensions"]["fields"]["eventDate"]


async def report(api, token, last_name: str, **fields) -> dict:
    variables = {"input": {"tenantId": await tenant_id(last_name), **fields}}
    return (await api.ok(REPORT_UNPAID, variables, token))["reportUnpaidRent"]


async def test_unpaid_threshold_with_benefit_paid_to_the_landlord_is_500_euros(api):
    # given: 280 € rent, 20 € charges, 50 € benefit paid to the landlord -> 2 × 250 € = 500 €
    token = await demo_login(api)
    await Tenant.filter(last_name="BRISSON").update(benefit_cents=5000)
    common = {
        "months": 2,
        "unpaidSince": month_start(1).isoformat(),
        "rentCents": 28000,
        "chargesCents": 2000,
    }
    # when
    below = await report(api, token, "BRISSON", amountOwedCents=49999, **common)
    at = await report(api, token, "BRISSON", amountOwedCents=50000, **common)
    # then
    assert below["thresholdCents"] == at["thresholdCents"] == 50000
    assert below["constituted"] is False and below["reportDeadline"] is None
    assert "n'atteint pas le seuil de 500,00 €" in below["message"]
    assert at["constituted"] is True
    assert "500,00 € = 2 × (loyer + charges − aide versée au bailleur)" in at["message"]


async def test_unpaid_threshold_with_benefit_paid_to_the_tenant_is_600_euros(api):
    token = await demo_login(api)
    common = {
        "months": 2,
        "unpaidSince": month_start(1).isoformat(),
        "rentCents": 28000,
        "chargesCents": 2000,
        "benefitPaidToLandlord": False,
    }
    below = await report(api, token, "BRISSON", amountOwedCents=59999, **common)
    at = await report(api, token, "BRISSON", amountOwedCents=60000, **common)
    assert below["thresholdCents"] == at["thresholdCents"] == 60000
    assert (below["constituted"], at["constituted"]) == (False, True)
    assert "600,00 € = 2 × (loyer + charges)" in at["message"]


async def test_the_report_deadline_is_two_months_after_constitution(api):
    # given: 300 € unpaid each month since the first of last month: 600 € after two months
    token = await demo_login(api)
    await Tenant.filter(last_name="BRISSON").update(benefit_cents=5000)
    since = month_start(1)
    # when
    result = await report(
        api,
        token,
        "BRISSON",
        amountOwedCents=60000,
        months=2,
        unpaidSince=since.isoformat(),
        rentCents=28000,
        chargesCents=2000,
    )
    # then: reached 500 € at the second unpaid month
    assert result["constitutedOn"] == add_months(since, 1).isoformat()
    assert result["reportDeadline"] == add_months(since, 3).isoformat()
    assert result["late"] is False
    row = await UnpaidRentReport.get(id=int(result["id"]))
    assert (row.threshold_cents, row.benefit_cents, row.constituted) == (50000, 5000, True)
    event = await AuditEvent.get(action="unpaid_rent_reported")
    assert event.after["constituted"] is True and event.target_id == result["id"]


async def test_a_report_past_the_deadline_warns_of_a_penalty(api):
    token = await demo_login(api)
    await Tenant.filter(last_name="BRISSON").update(benefit_cents=5000)
    result = await report(
        api,
        token,
        "BRISSON",
        amountOwedCents=180000,
        months=6,
        unpaidSince=month_start(6).isoformat(),
        rentCents=28000,
        chargesCents=2000,
    )
    assert result["constituted"] and result["late"]
    assert "vous vous exposez à une pénalité" in result["message"]


async def test_rent_and_charges_default_to_the_last_transmitted_declaration(api):
    # BEAUVOIS transmitted 410 € + 30 € in the demo; benefit 250 €: 2 × 190 € = 380 €
    token = await demo_login(api)
    result = await report(
        api,
        token,
        "BEAUVOIS",
        amountOwedCents=38000,
        months=2,
        unpaidSince=month_start(1).isoformat(),
    )
    assert result["thresholdCents"] == 38000 and result["constituted"]


async def test_unpaid_report_names_what_is_missing_or_wrong(api):
    token = await demo_login(api)
    variables = {
        "input": {
            "tenantId": await tenant_id("BRISSON"),
            "amountOwedCents": 0,
            "months": 5,
            "unpaidSince": month_start(1).isoformat(),
        }
    }
    error = await api.error(REPORT_UNPAID, variables, token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fields"]) == {"amountOwedCents", "months", "chargesCents"}
    assert await UnpaidRentReport.all().count() == 0


async def test_the_trail_says_through_which_rights_the_actor_declared(api):
    token = await demo_login(api, "OLIVIERS.AGENT")
    await change(api, token, "COUTURE", kind="NON_DECENCE", eventDate=days_ago(2))
    event = await AuditEvent.get(action="change_declared")
    assert event.actor_label == "OLIVIERS.AGENT"
    [origin] = event.delegation
    assert origin["user"] == event.actor_id and origin["roles"]
    assert all(role.startswith("grp:") for role in origin["roles"])
