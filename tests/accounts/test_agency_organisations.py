"""The agency's list of partners: found by name (accents and case ignored), number, activation or
département, page by page, with administrator and numbers at a constant cost per page."""

from __future__ import annotations

from models import Organisation
from tests.accounts.operations import ORGANISATION as ONE
from tests.accounts.operations import ORGANISATIONS as LIST
from tests.support.accounts_support import activated_organisation, agency_tokens
from tests.support.factories import import_organisations, make_user, organisation_data
from tests.support.statements import statements


async def partners(api) -> None:
    await import_organisations(
        api,
        organisation_data("SOCIÉTÉ HLM DU CALVADOS",
                          [("CONVENTIONNE", "14", 3), ("PRIVE", "50", 2)], "SOC00000000001"),
        organisation_data("Habitat Éole", [("PRIVE", "14", 1)], "EOL00000000001"),
        organisation_data("LES OLIVIERS", [("PRIVE", "2A", 1)], "OLI00000000001"),
    )


async def names(api, token: str, filter_: dict, first: int = 50) -> list[str]:
    found, after = [], None
    while True:
        page = (await api.ok(LIST, {"first": first, "after": after, "filter": filter_},
                             token))["organisations"]
        found += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(found)
            return found
        after = page["pageInfo"]["endCursor"]


async def test_both_agency_roles_find_partners_by_name_number_state_and_zone(api):
    # given
    organisation, admin_identifier, _ = await activated_organisation(api)
    await make_user(api, organisation, "TILLEUL.2")
    await partners(api)
    agent, auditor = await agency_tokens(api)
    # then
    for token in (agent, auditor):
        assert await names(api, token, {}, first=1) == [
            "Habitat Éole", "LES OLIVIERS", "LES TILLEULS", "SOCIÉTÉ HLM DU CALVADOS"]
        assert await names(api, token, {"search": "societe hlm"}) == ["SOCIÉTÉ HLM DU CALVADOS"]
        assert await names(api, token, {"search": " ÉOLE"}) == ["Habitat Éole"]
        assert await names(api, token, {"search": "oli00000000001"}) == ["LES OLIVIERS"]
        assert await names(api, token, {"activated": True}) == ["LES TILLEULS"]
        assert await names(api, token, {"activated": False, "departement": "14"}) == [
            "Habitat Éole", "SOCIÉTÉ HLM DU CALVADOS"]
    page = (await api.ok(LIST, {"first": 10, "filter": {"search": "a"}}, auditor))
    nodes = {e["node"]["name"]: e["node"] for e in page["organisations"]["edges"]}
    calvados = nodes["SOCIÉTÉ HLM DU CALVADOS"]
    assert (calvados["activated"], calvados["administrator"], calvados["userCount"],
            calvados["tenantCount"]) == (False, None, 0, 5)
    assert calvados["tenantsByZone"] == [
        {"housingType": "CONVENTIONNE", "departement": "14", "tenants": 3},
        {"housingType": "PRIVE", "departement": "50", "tenants": 2}]
    tilleuls = (await api.ok(ONE, {"id": str(organisation.id)}, agent))["organisation"]
    assert tilleuls == {"name": "LES TILLEULS", "activated": True, "userCount": 2,
                        "tenantCount": 2, "administrator": {
                            "identifier": admin_identifier, "email": "admin@tilleuls.example"}}


async def test_landlords_and_strangers_are_refused_bad_filters_are_explained(api):
    organisation, _, admin = await activated_organisation(api)
    agent, _ = await agency_tokens(api)
    for query, variables in ((LIST, {"first": 5}), (ONE, {"id": str(organisation.id)})):
        assert (await api.error(query, variables, admin))["extensions"]["code"] == "FORBIDDEN"
        assert (await api.error(query, variables))["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await api.error(ONE, {"id": "999999"}, agent))["extensions"]["code"] == "NOT_FOUND"
    for bad in ({"departement": "99"}, {"search": "x" * 101}):
        error = await api.error(LIST, {"first": 5, "filter": bad}, agent)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", bad
    for bad in ({"first": 0}, {"first": 5, "after": "bm9u"}):
        assert (await api.error(LIST, bad, agent))["extensions"]["code"] == "BAD_USER_INPUT"


async def _statements(api, token: str, first: int) -> tuple[int, int]:
    count, data = await statements(api, LIST, {"first": first}, token)
    return count, len(data["organisations"]["edges"])


async def test_a_page_costs_the_same_number_of_queries_whatever_its_size(api):
    for i in range(3):
        await activated_organisation(api, f"ACTIF {i}", admin_email=f"admin{i}@x.example")
    await partners(api)
    _, auditor = await agency_tokens(api)
    await _statements(api, auditor, 1)  # warm the caches
    small, rows_small = await _statements(api, auditor, 1)
    large, rows_large = await _statements(api, auditor, 6)
    assert (rows_small, rows_large) == (1, 6)
    # session, count, page, users per organisation, tenants per zone, administrators
    assert small == large == 6, (small, large)
    assert await Organisation.filter(search_name__contains="actif").count() == 3
