"""The July rent wizard through the API, on the guide's demo data."""

import asyncio

from models import AuditEvent, RentDeclaration
from models.enums import DeclarationState
from tests.declarations.operations import CAMPAIGN, GET, SAVE, START, TENANTS, VALIDATE
from tests.support.declaration_ops import demo_login, filled, started, tenant_id


async def test_the_guides_scenario_brisson_is_declared_and_the_counter_drops(api):
    # given
    token = await demo_login(api)
    before = (await api.ok(CAMPAIGN, token=token))["rentCampaign"]
    # when
    declaration = await started(api, token, "BRISSON")
    assert declaration["state"] == "NON_SAISI"
    assert declaration["lastKnown"] == {
        "tenantName": "ISABELLE BRISSON",
        "allocataireNumber": "171842",
        "lastRentMonth": "07/2025",
        "lastRentCents": 32875,
        "lastRent": "328,75 €",
        "occupiedSince": "2012-07-10",
        "colocation": False,
        "address": "20 RUE DOYEN MORIERE 14000 CAEN",
    }
    declaration = await filled(api, token)
    assert declaration["state"] == "BROUILLON" and declaration["summary"]["complete"]
    transmitted = (await api.ok(VALIDATE, {"id": declaration["id"]}, token))[
        "validateRentDeclaration"
    ]
    after = (await api.ok(CAMPAIGN, token=token))["rentCampaign"]
    # then
    assert before["message"] == "il reste 4 loyers à saisir sur 6"
    assert after["message"] == "il reste 3 loyers à saisir sur 6"
    assert transmitted["state"] == "TRANSMIS"
    assert transmitted["tenant"]["declarationState"] == "TRANSMIS"
    assert transmitted["reference"] == "DL2026-171842"
    assert transmitted["receiptUrl"] == f"/receipts/{declaration['id']}.pdf"
    assert "Loyer hors charges de 07/2026 : 328,75 €" in transmitted["summary"]["lines"]
    assert "Charges de 07/2026 : 45,00 €" in transmitted["summary"]["lines"]
    events = await AuditEvent.filter(target_type="rent_declaration").values_list(
        "action", flat=True
    )
    assert events.count("declaration_saved") == 4
    assert events.count("declaration_transmitted") == 1


async def test_start_returns_the_same_declaration_each_time(api):
    token = await demo_login(api)
    first = await started(api, token, "COUTURE")
    again = await started(api, token, "COUTURE")
    assert first["id"] == again["id"]
    assert await RentDeclaration.filter(tenant_id=int(first["tenant"]["id"])).count() == 1


async def test_only_the_open_campaign_can_be_started(api):
    token = await demo_login(api)
    error = await api.error(START, {"tenantId": await tenant_id("COUTURE"), "year": 2019}, token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "year" in error["extensions"]["fields"]


async def test_validation_names_every_missing_answer(api):
    token = await demo_login(api)
    declaration = await started(api, token, "BRISSON")
    error = await api.error(VALIDATE, {"id": declaration["id"]}, token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fields"]) == {
        "stillManager",
        "tenantStillPresent",
        "colocation",
        "rentCents",
        "chargesCents",
    }
    assert "Indiquez le montant du loyer de juillet hors charges." in error["message"]


async def test_a_transmitted_declaration_cannot_change(api):
    token = await demo_login(api)
    declaration = await filled(api, token)
    await api.ok(VALIDATE, {"id": declaration["id"]}, token)
    for query, variables in (
        (SAVE, {"id": declaration["id"], "input": {"rentCents": 40000}}),
        (VALIDATE, {"id": declaration["id"]}),
    ):
        error = await api.error(query, variables, token)
        assert error["extensions"]["code"] == "CONFLICT"
        assert "ne peut plus être modifiée en ligne" in error["message"]
    row = await RentDeclaration.get(id=int(declaration["id"]))
    assert row.rent_cents == 32875


async def test_the_guides_transmitted_declarations_are_closed_too(api):
    token = await demo_login(api)
    declaration = await started(api, token, "BEAUVOIS")
    assert declaration["state"] == "TRANSMIS" and declaration["receiptUrl"]
    error = await api.error(SAVE, {"id": declaration["id"], "input": {"colocation": True}}, token)
    assert error["extensions"]["code"] == "CONFLICT"


async def test_concurrent_validations_transmit_once(api):
    # given
    token = await demo_login(api)
    other = await api.login("OLIVIERS.AGENT", "Demo-Agent-2026!")
    declaration = await filled(api, token)
    # when
    bodies = await asyncio.gather(
        *(api.gql(VALIDATE, {"id": declaration["id"]}, t) for t in (token, other, token, other))
    )
    # then
    successes = [b for b in bodies if "errors" not in b]
    conflicts = [b for b in bodies if b.get("errors")]
    assert len(successes) == 1
    assert {b["errors"][0]["extensions"]["code"] for b in conflicts} == {"CONFLICT"}
    transmitted = await AuditEvent.filter(action="declaration_transmitted").count()
    assert transmitted == 1
    row = await RentDeclaration.get(id=int(declaration["id"]))
    assert row.state == DeclarationState.TRANSMIS


async def test_rent_declaration_is_readable_by_id(api):
    token = await demo_login(api)
    declaration = await filled(api, token)
    data = await api.ok(GET, {"id": declaration["id"]}, token)
    assert data["rentDeclaration"]["summary"]["lines"] == declaration["summary"]["lines"]


async def test_a_draft_still_counts_as_remaining(api):
    token = await demo_login(api)
    await filled(api, token, "COUTURE")
    campaign = await api.ok(CAMPAIGN, token=token)
    drafts = await api.ok(
        TENANTS, {"first": 10, "filter": {"declarationState": "BROUILLON"}}, token
    )
    assert campaign["rentCampaign"]["message"] == "il reste 4 loyers à saisir sur 6"
    assert [e["node"]["lastName"] for e in drafts["tenants"]["edges"]] == ["COUTURE"]


async def test_concurrent_starts_open_one_declaration(api):
    token = await demo_login(api)
    variables = {"tenantId": await tenant_id("MUROT")}
    bodies = await asyncio.gather(*(api.ok(START, variables, token) for _ in range(4)))
    assert len({b["startRentDeclaration"]["id"] for b in bodies}) == 1
    assert await AuditEvent.filter(action="declaration_started").count() == 1


async def test_a_save_racing_the_validation_never_alters_what_was_transmitted(api):
    token = await demo_login(api)
    declaration = await filled(api, token)
    save = {"id": declaration["id"], "input": {"rentCents": 99900}}
    validated, saved = await asyncio.gather(
        api.gql(VALIDATE, {"id": declaration["id"]}, token), api.gql(SAVE, save, token)
    )
    row = await RentDeclaration.get(id=int(declaration["id"]))
    assert row.state == DeclarationState.TRANSMIS
    event = await AuditEvent.get(action="declaration_transmitted")
    assert event.after["answers"]["rent_cents"] == row.rent_cents
    if "errors" in saved:
        assert saved["errors"][0]["extensions"]["code"] == "CONFLICT"
        assert row.rent_cents == 32875
