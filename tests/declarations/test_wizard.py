"""Every branch of the wizard: what each answer asks next, and what it makes inconsistent."""

from models import AuditEvent
from tests.declarations.operations import SAVE, VALIDATE
from tests.support.declaration_ops import demo_login, filled, started


async def save(api, token, declaration, answers: dict) -> dict:
    data = await api.ok(SAVE, {"id": declaration["id"], "input": answers}, token)
    return data["saveRentDeclaration"]


async def save_error(api, token, declaration, answers: dict) -> dict:
    return await api.error(SAVE, {"id": declaration["id"], "input": answers}, token)


def section(declaration: dict, number: int) -> list[tuple[str, str]]:
    sections = declaration["summary"]["sections"]
    return [(a["label"], a["value"]) for a in sections[number - 1]["answers"]]


async def test_no_longer_manager_before_july_needs_only_the_end_date(api):
    # given
    token = await demo_login(api)
    declaration = await started(api, token, "COUTURE")
    # when
    declaration = await save(api, token, declaration, {"stillManager": False})
    problems = {p["field"] for p in declaration["summary"]["problems"]}
    declaration = await save(api, token, declaration, {"managementEndDate": "2026-05-31"})
    # then
    assert "managementEndDate" in problems
    assert declaration["summary"]["complete"]
    assert any("contactez la Caf" in n for n in declaration["summary"]["notices"])
    assert section(declaration, 1) == [
        ("Toujours gestionnaire du logement", "Non"),
        ("Fin de gestion le", "31/05/2026"),
    ]
    assert section(declaration, 2) == [("Sans objet", "logement non géré en juillet")]
    transmitted = await api.ok(VALIDATE, {"id": declaration["id"]}, token)
    assert transmitted["validateRentDeclaration"]["state"] == "TRANSMIS"


async def test_management_ended_after_july_still_needs_the_july_rent(api):
    token = await demo_login(api)
    declaration = await started(api, token, "COUTURE")
    await save(api, token, declaration, {"stillManager": False, "managementEndDate": "2026-09-30"})
    error = await api.error(VALIDATE, {"id": declaration["id"]}, token)
    assert set(error["extensions"]["fields"]) == {
        "tenantStillPresent",
        "colocation",
        "rentCents",
        "chargesCents",
    }


async def test_becoming_manager_again_drops_the_end_date(api):
    token = await demo_login(api)
    declaration = await started(api, token, "COUTURE")
    await save(api, token, declaration, {"stillManager": False, "managementEndDate": "2026-05-31"})
    declaration = await save(api, token, declaration, {"stillManager": True})
    assert section(declaration, 1) == [("Toujours gestionnaire du logement", "Oui")]
    assert declaration["summary"]["notices"] == []


async def test_an_end_date_while_still_manager_is_inconsistent(api):
    token = await demo_login(api)
    declaration = await started(api, token, "COUTURE")
    error = await save_error(
        api, token, declaration, {"stillManager": True, "managementEndDate": "2026-05-31"}
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert list(error["extensions"]["fields"]) == ["managementEndDate"]


async def test_future_dates_are_refused(api):
    token = await demo_login(api)
    declaration = await started(api, token, "COUTURE")
    error = await save_error(
        api,
        token,
        declaration,
        {
            "stillManager": False,
            "managementEndDate": "2099-01-01",
            "tenantStillPresent": False,
            "departureDate": "2099-01-01",
            "unpaidSince": "2099-01-01",
            "unpaidAmountCents": 1000,
        },
    )
    assert set(error["extensions"]["fields"]) == {
        "managementEndDate",
        "departureDate",
        "unpaidSince",
    }


async def test_tenant_who_left_before_july_needs_no_rent(api):
    token = await demo_login(api)
    declaration = await started(api, token, "COUTURE")
    declaration = await save(
        api,
        token,
        declaration,
        {
            "stillManager": True,
            "tenantStillPresent": False,
            "departureDate": "2026-06-15",
            "newAddress": "3 RUE DE LA PAIX 14000 CAEN",
        },
    )
    assert declaration["summary"]["complete"]
    assert section(declaration, 2) == [
        ("Locataire toujours présent", "Non"),
        ("Date de départ", "15/06/2026"),
        ("Nouvelle adresse du locataire", "3 RUE DE LA PAIX 14000 CAEN"),
    ]
    assert section(declaration, 4) == [("Sans objet", "pas de loyer de juillet à déclarer")]


async def test_tenant_who_left_after_july_still_needs_the_rent(api):
    token = await demo_login(api)
    declaration = await started(api, token, "COUTURE")
    declaration = await save(
        api,
        token,
        declaration,
        {
            "stillManager": True,
            "tenantStillPresent": False,
            "departureDate": "2026-08-31",
        },
    )
    assert {p["field"] for p in declaration["summary"]["problems"]} == {
        "colocation",
        "rentCents",
        "chargesCents",
    }
    assert section(declaration, 2)[2] == ("Nouvelle adresse du locataire", "Inconnue")


async def test_departure_before_moving_in_is_inconsistent(api):
    token = await demo_login(api)
    declaration = await started(api, token, "COUTURE")  # occupied since 15/09/2016
    error = await save_error(
        api, token, declaration, {"tenantStillPresent": False, "departureDate": "2016-01-01"}
    )
    assert error["extensions"]["fields"] == {
        "departureDate": "La date de départ précède l'entrée dans le logement (15/09/2016)."
    }


async def test_tenant_back_as_present_drops_the_departure(api):
    token = await demo_login(api)
    declaration = await started(api, token, "COUTURE")
    await save(
        api,
        token,
        declaration,
        {"tenantStillPresent": False, "departureDate": "2026-06-15", "newAddress": "ailleurs"},
    )
    declaration = await save(api, token, declaration, {"tenantStillPresent": True})
    assert section(declaration, 2) == [("Locataire toujours présent", "Oui")]


async def test_colocation_asks_for_the_number_of_co_tenants(api):
    token = await demo_login(api)
    declaration = await started(api, token, "MILOME")
    declaration = await save(api, token, declaration, {"colocation": True})
    assert "coTenantCount" in {p["field"] for p in declaration["summary"]["problems"]}
    for count in (0, 21):
        error = await save_error(api, token, declaration, {"coTenantCount": count})
        assert "coTenantCount" in error["extensions"]["fields"]
    declaration = await save(api, token, declaration, {"coTenantCount": 2})
    assert section(declaration, 3) == [("Colocation", "Oui"), ("Nombre de colocataires", "2")]
    declaration = await save(api, token, declaration, {"colocation": False})
    assert section(declaration, 3) == [("Colocation", "Non")]


async def test_amounts_must_be_positive(api):
    token = await demo_login(api)
    declaration = await started(api, token, "MILOME")
    error = await save_error(api, token, declaration, {"rentCents": 0, "chargesCents": -1})
    assert set(error["extensions"]["fields"]) == {"rentCents", "chargesCents"}


async def test_an_unusual_rent_asks_for_confirmation(api):
    # given: a rent of 12,00 € is below the usual range (50,00 € to 3 000,00 €)
    token = await demo_login(api)
    steps = [
        {
            "stillManager": True,
            "tenantStillPresent": True,
            "colocation": False,
            "rentCents": 1200,
            "chargesCents": 0,
        }
    ]
    declaration = await filled(api, token, "MILOME", steps)
    assert declaration["summary"]["amountNeedsConfirmation"]
    assert any("50,00 € à 3 000,00 €" in n for n in declaration["summary"]["notices"])
    # when
    error = await api.error(VALIDATE, {"id": declaration["id"]}, token)
    # then
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["confirmationRequired"] is True
    assert "12,00 €" in error["extensions"]["fields"]["rentCents"]
    data = await api.ok(VALIDATE, {"id": declaration["id"], "confirm": True}, token)
    assert data["validateRentDeclaration"]["state"] == "TRANSMIS"
    assert not data["validateRentDeclaration"]["summary"]["amountNeedsConfirmation"]


async def test_the_unpaid_section_needs_both_answers(api):
    token = await demo_login(api)
    declaration = await filled(api, token, "MILOME")
    declaration = await save(api, token, declaration, {"unpaidAmountCents": 65000})
    assert {p["field"] for p in declaration["summary"]["problems"]} == {"unpaidSince"}
    declaration = await save(api, token, declaration, {"unpaidSince": "2026-08-05"})
    assert section(declaration, 5) == [
        ("Montant de l'impayé", "650,00 €"),
        ("Impayé depuis le", "05/08/2026"),
    ]
    declaration = await save(
        api, token, declaration, {"unpaidAmountCents": None, "unpaidSince": None}
    )
    assert section(declaration, 5) == [("Impayé signalé", "Non")]


async def test_unpaid_before_moving_in_is_inconsistent(api):
    token = await demo_login(api)
    declaration = await started(api, token, "MILOME")  # occupied since 01/02/2017
    error = await save_error(
        api, token, declaration, {"unpaidAmountCents": 100, "unpaidSince": "2016-12-01"}
    )
    assert list(error["extensions"]["fields"]) == ["unpaidSince"]


async def test_saving_the_same_answers_again_writes_nothing(api):
    token = await demo_login(api)
    declaration = await started(api, token, "MILOME")
    await save(api, token, declaration, {"stillManager": True})
    events = await AuditEvent.filter(action="declaration_saved").count()
    await save(api, token, declaration, {"stillManager": True})
    assert await AuditEvent.filter(action="declaration_saved").count() == events == 1


async def test_null_clears_an_answer(api):
    token = await demo_login(api)
    declaration = await filled(api, token, "MILOME")
    declaration = await save(api, token, declaration, {"rentCents": None})
    assert section(declaration, 4)[0] == ("Loyer hors charges de 07/2026", "Non renseigné")
    assert not declaration["summary"]["complete"]
