"""The unpaid-rent follow-up: the repayment plan asked for after a report, through GraphQL."""

import asyncio
import hashlib
from datetime import timedelta

import pytest

from bailleurs.demo import DEMO_LOGINS
from models import AuditEvent, Organisation, Receipt, RepaymentPlan
from policies.vocabulary import Role
from resolvers.shared.clock import today
from resolvers.shared.french import add_months
from tests.declarations.operations import FOLLOW_UP, SUBMIT
from tests.declarations.repayment_support import (
    plan_input,
    report,
    reported_on,
)
from tests.support.declaration_ops import demo_login, month_start
from tests.support.factories import PASSWORD, make_reader, make_user
from tests.support.receipts import fetch, pdf_text


async def test_a_constituted_report_awaits_a_plan_within_six_months(api):
    # given / when
    token = await demo_login(api)
    result = await report(api, token, 90000)
    # then
    follow = result["repayment"]
    deadline = add_months(today(), 6)
    assert result["constituted"] is True
    assert follow["state"] == "PLAN_ATTENDU" and follow["stateLabel"] == "Plan attendu"
    assert follow["deadline"] == deadline.isoformat()
    assert follow["daysLeft"] == (deadline - today()).days
    assert follow["agencyProposes"] is False and follow["plan"] is None
    assert follow["reportedOn"] == today().isoformat() and follow["debtCents"] == 90000
    assert f"au plus tard le {deadline:%d/%m/%Y}" in follow["message"]


async def test_a_debt_of_100_euros_or_less_gets_the_agencys_own_plan(api):
    # given: COUTURE's share is 230 € − 190 € of benefit: 80 € constitutes the unpaid rent
    token = await demo_login(api)
    owed = {"rentCents": 23000, "chargesCents": 0, "benefitPaidToLandlord": True}
    small = await report(api, token, 10000, **owed)
    above = await report(api, token, 10001, **owed)
    # then: the agency proposes the plan within a month; the landlord has nothing to submit
    follow = small["repayment"]
    assert small["constituted"] and follow["state"] == "PROPOSE_PAR_CAF"
    assert follow["agencyProposes"] is True and follow["daysLeft"] is None
    assert follow["deadline"] == add_months(today(), 1).isoformat()
    assert "la Caf propose elle-même le plan d'apurement" in follow["message"]
    assert above["repayment"]["state"] == "PLAN_ATTENDU"
    error = await api.error(SUBMIT, plan_input(small["id"], 5000, 2), token)
    assert error["extensions"]["code"] == "CONFLICT"
    assert "Vous n'avez pas de plan à transmettre" in error["message"]
    assert await RepaymentPlan.all().count() == 0


async def test_no_plan_is_asked_for_an_unpaid_rent_not_constituted(api):
    token = await demo_login(api)
    result = await report(api, token, 50000)  # under the 620 € threshold
    assert result["constituted"] is False
    assert result["repayment"]["state"] == "SANS_OBJET"
    assert result["repayment"]["deadline"] is None
    error = await api.error(SUBMIT, plan_input(result["id"], 10000, 5), token)
    assert error["extensions"]["code"] == "CONFLICT"


async def test_the_landlord_submits_the_plan_with_a_receipt_and_an_audit_event(api):
    # given
    token = await demo_login(api)
    reported = await report(api, token, 90000)
    # when: 6 × 155 € cover 900 €, the last instalment being 125 €
    data = await api.ok(SUBMIT, plan_input(reported["id"], 15500, 6), token)
    # then
    follow = data["submitRepaymentPlan"]
    plan = follow["plan"]
    assert follow["state"] == "PLAN_RECU" and follow["daysLeft"] is None
    assert plan["firstMonth"] == month_start(-1).isoformat()
    assert plan["lastMonth"] == month_start(-6).isoformat()
    assert (plan["debtCents"], plan["lastInstalmentCents"]) == (90000, 12500)
    assert plan["reference"].startswith(f"PA{today().year}-")
    assert "155,00 € par mois pendant 6 mois" in follow["message"]
    receipt = await Receipt.get(kind="plan", target_id=int(plan["id"]))
    event = await AuditEvent.get(action="repayment_plan_submitted")
    assert event.actor_label == "OLIVIERS.ADMIN" and event.target_id == plan["id"]
    assert event.after["receiptSha256"] == receipt.sha256
    assert event.after["monthly_amount_cents"] == 15500
    response = await fetch(api, plan["receiptUrl"], token)
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == receipt.sha256
    text = pdf_text(response.content)
    for line in ("Plan d'apurement", "155,00 €", "125,00 €", "900,00 €", plan["reference"]):
        assert line in text, line
    # and the state reads the same later, and a second plan is refused
    again = await api.ok(FOLLOW_UP, {"id": reported["id"]}, token)
    assert again["repaymentFollowUp"] == follow
    error = await api.error(SUBMIT, plan_input(reported["id"], 30000, 3), token)
    assert error["extensions"]["code"] == "CONFLICT"
    assert "déjà été transmis" in error["message"]


@pytest.mark.parametrize(("monthly", "duration", "first_months_ahead", "field", "words"), [
    (0, 6, 1, "monthlyAmountCents", "supérieure à 0 €"),
    (-100, 6, 1, "monthlyAmountCents", "supérieure à 0 €"),
    (90001, 1, 1, "monthlyAmountCents", "ne peut dépasser la dette de 900,00 €"),
    (15000, 0, 1, "durationMonths", "entre 1 et 36 mois"),
    (15000, 37, 1, "durationMonths", "entre 1 et 36 mois"),
    (2000, 36, 1, "monthlyAmountCents", "prévoyez au moins 25,00 € par mois"),
    (15000, 5, 1, "durationMonths", "ne couvre pas la dette de 900,00 € ; il faut 6 mois"),
    (15000, 7, 1, "durationMonths", "soldée en 6 mois : indiquez une durée de 6 mois"),
    (15000, 6, -1, "firstMonth", "doit se situer entre"),
    (15000, 6, 7, "firstMonth", "doit se situer entre"),
])
async def test_a_plan_is_checked_against_the_debt(
    api, monthly, duration, first_months_ahead, field, words
):
    # given
    token = await demo_login(api)
    reported = await report(api, token, 90000)
    events = await AuditEvent.all().count()
    # when
    variables = plan_input(reported["id"], monthly, duration, month_start(-first_months_ahead))
    error = await api.error(SUBMIT, variables, token)
    # then
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert list(error["extensions"]["fields"]) == [field]
    assert words in error["extensions"]["fields"][field]
    assert await RepaymentPlan.all().count() == 0 and await AuditEvent.all().count() == events


async def test_the_first_month_may_be_the_report_month_or_the_deadline_month(api):
    token = await demo_login(api)
    for months_ahead in (0, 6):
        reported = await report(api, token, 90000)
        first = month_start(-months_ahead) + timedelta(days=9)  # the day is ignored
        data = await api.ok(SUBMIT, plan_input(reported["id"], 30000, 3, first), token)
        assert data["submitRepaymentPlan"]["plan"]["firstMonth"] == first.replace(day=1).isoformat()


async def test_once_the_deadline_has_passed_the_plan_is_late(api):
    # given: a report made six months and a day ago
    token = await demo_login(api)
    reported = await report(api, token, 90000)
    await reported_on(reported["id"], add_months(today(), -6) - timedelta(days=1))
    # when
    follow = (await api.ok(FOLLOW_UP, {"id": reported["id"]}, token))["repaymentFollowUp"]
    # then
    assert follow["state"] == "DELAI_DEPASSE" and follow["stateLabel"] == "Délai dépassé"
    assert follow["deadline"] == (today() - timedelta(days=1)).isoformat()
    assert "fonds de solidarité pour le logement" in follow["message"]
    assert "1/36 de la dette" in follow["message"]
    error = await api.error(SUBMIT, plan_input(reported["id"], 30000, 3, month_start(0)), token)
    assert error["extensions"]["code"] == "CONFLICT" and "a expiré le" in error["message"]


async def test_the_deadline_day_itself_is_still_in_time(api):
    token = await demo_login(api)
    reported = await report(api, token, 90000)
    await reported_on(reported["id"], add_months(today(), -6))
    follow = (await api.ok(FOLLOW_UP, {"id": reported["id"]}, token))["repaymentFollowUp"]
    assert (follow["state"], follow["daysLeft"]) == ("PLAN_ATTENDU", 0)
    assert f"au plus tard le {today():%d/%m/%Y} (aujourd'hui)" in follow["message"]
    data = await api.ok(SUBMIT, plan_input(reported["id"], 30000, 3, month_start(0)), token)
    assert data["submitRepaymentPlan"]["state"] == "PLAN_RECU"


async def test_twenty_submissions_at_once_record_one_plan(api):
    # given
    token = await demo_login(api)
    reported = await report(api, token, 90000)
    # when
    bodies = await asyncio.gather(*(
        api.gql(SUBMIT, plan_input(reported["id"], 15000, 6), token) for _ in range(20)
    ))
    # then
    codes = sorted(b["errors"][0]["extensions"]["code"] if "errors" in b else "OK"
                   for b in bodies)
    assert codes == ["CONFLICT"] * 19 + ["OK"]
    assert await RepaymentPlan.all().count() == 1
    assert await Receipt.filter(kind="plan").count() == 1
    assert await AuditEvent.filter(action="repayment_plan_submitted").count() == 1


async def test_reading_the_follow_up_is_not_submitting_a_plan(api):
    # given
    admin = await demo_login(api)
    reported = await report(api, admin, 90000)
    await make_reader(api, await Organisation.get(user_number="OLIVIERS140001"), "OLIVIERS.LECTEUR")
    token = await api.login("OLIVIERS.LECTEUR", PASSWORD)
    # when / then
    follow = (await api.ok(FOLLOW_UP, {"id": reported["id"]}, token))["repaymentFollowUp"]
    assert follow["state"] == "PLAN_ATTENDU"
    error = await api.error(SUBMIT, plan_input(reported["id"]), token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert await RepaymentPlan.all().count() == 0


@pytest.mark.parametrize("who", ["group outside privé", "other organisation", "missing"])
async def test_outside_callers_get_not_found_alike(api, who):
    # given: DUPONT is privé, outside OLIVIERS.AGENT's conventionné 14 group
    admin = await demo_login(api)
    reported = await report(api, admin, 90000, last_name="DUPONT")
    report_id = reported["id"]
    if who == "group outside privé":
        token = await api.login("OLIVIERS.AGENT", DEMO_LOGINS["OLIVIERS.AGENT"])
    elif who == "other organisation":
        sud = await Organisation.get(user_number="HABSUD00000971")
        await make_user(api, sud, "SUD.ADMIN", roles=(Role.ADMINISTRATEUR,))
        token = await api.login("SUD.ADMIN", PASSWORD)
    else:
        token, report_id = admin, "999999"
    # when / then
    for query, variables in ((FOLLOW_UP, {"id": report_id}), (SUBMIT, plan_input(report_id))):
        error = await api.error(query, variables, token)
        assert error["extensions"]["code"] == "NOT_FOUND", (query, error)
        assert error["message"] == "Signalement d'impayé introuvable."
    assert await RepaymentPlan.all().count() == 0
    if who != "missing":
        url = f"/receipts/plans/{reported['id']}.pdf"
        assert (await fetch(api, url, token)).status_code == 404
