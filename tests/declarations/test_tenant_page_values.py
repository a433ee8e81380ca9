"""The tenant page's rows are plain values (resolvers.declarations.tenant_pages.Values), not
Tortoise models: every value of every row — nulls, dates, enums, booleans, the housing, the
declaration state, the total — is the one the models give, on the list as on the single
tenant (which still reads models)."""

from __future__ import annotations

import json

from models import Organisation, RentDeclaration, Tenant
from models.enums import DeclarationState
from policies.vocabulary import Role
from resolvers.declarations.tenant_pages import read_page
from tests.declarations.operations import START, TENANT_VALUES, TENANTS_VALUES
from tests.support.factories import PASSWORD, import_organisations, make_user, organisation_data

PAIRS = [("CONVENTIONNE", "14", 4), ("PRIVE", "2A", 3), ("PRIVE", "971", 2)]


async def _world(api) -> tuple[Organisation, str, list[Tenant]]:
    await import_organisations(api, organisation_data("VALEURS", PAIRS),
                               organisation_data("AUTRE", PAIRS[:1]))
    org = await Organisation.get(name="VALEURS")
    await make_user(api, org, "VALEURS.ADMIN", roles=(Role.ADMINISTRATEUR,))
    token = await api.login("VALEURS.ADMIN", PASSWORD)
    tenants = await Tenant.filter(organisation_id=org.id).order_by("id")
    # nulls where the type allows them, a colocation, a brouillon and a transmis
    await Tenant.filter(id=tenants[0].id).update(occupied_since=None, last_rent_cents=None)
    await Tenant.filter(id=tenants[1].id).update(colocation=True, last_rent_cents=0)
    for tenant in tenants[2:4]:
        await api.ok(START, {"tenantId": str(tenant.id)}, token)
    # (the states as saving and transmitting leave them; the counters follow by trigger)
    await RentDeclaration.filter(tenant_id=tenants[2].id).update(
        state=DeclarationState.BROUILLON)
    await RentDeclaration.filter(tenant_id=tenants[3].id).update(
        state=DeclarationState.TRANSMIS)
    return org, token, tenants


async def test_every_value_on_the_list_is_the_single_tenants_value(api):
    org, token, tenants = await _world(api)
    nodes, after = [], None
    while True:  # pages of 4: the keyset resumes across the types and zones
        page = (await api.ok(TENANTS_VALUES, {"first": 4, "after": after}, token))["tenants"]
        assert (page["totalCount"], page["totalCountExact"]) == (len(tenants), True)
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(int(n["id"]) for n in nodes) == [t.id for t in tenants]
    for node in nodes:
        single = (await api.ok(TENANT_VALUES, {"id": node["id"]}, token))["tenant"]
        assert json.dumps(node) == json.dumps(single)
    by_id = {int(n["id"]): n for n in nodes}
    assert (by_id[tenants[0].id]["occupiedSince"], by_id[tenants[0].id]["lastRentCents"]) == (
        None, None)
    assert by_id[tenants[1].id]["colocation"] is True
    assert [by_id[t.id]["declarationState"] for t in tenants[:4]] == [
        "NON_SAISI", "NON_SAISI", "BROUILLON", "TRANSMIS"]


async def test_each_row_holds_the_models_values_with_their_types(api):
    org, _, tenants = await _world(api)
    year = api.services.settings.campaign_year
    arms = [(kind.lower(), None) for kind in {k for k, _, _ in PAIRS}]
    rows = await read_page(org.id, arms, 100, None, year)
    assert [r.id for r in rows] == [t.id for t in sorted(
        tenants, key=lambda t: (t.last_name, t.first_name, t.id))]
    states = dict(await RentDeclaration.filter(year=year).values_list("tenant_id", "state"))
    for row in rows:
        model = await Tenant.get(id=row.id).select_related("housing")
        for name in model._meta.fields_db_projection:
            value, expected = getattr(row, name), getattr(model, name)
            assert (value, type(value)) == (expected, type(expected)), name
        for name in model.housing._meta.fields_db_projection:
            value, expected = getattr(row.housing, name), getattr(model.housing, name)
            assert (value, type(value)) == (expected, type(expected)), f"housing.{name}"
        assert row.counted_state == states.get(row.id)
        assert row.counted_total == len(tenants)
