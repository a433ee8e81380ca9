"""A warm page of tenants costs two SQL statements whatever it asks: the session with its user,
then the page with its total and its rows' states. Rights stay read from the per-process cache
that a policy change invalidates at once, and the session from the database on every request,
so a revoked session or right takes effect on the next request."""

from __future__ import annotations

from models import Organisation, Tenant
from policies.vocabulary import Role
from tests.accounts.operations import LOGOUT
from tests.declarations.counting import PAGE
from tests.declarations.operations import CAMPAIGN, START
from tests.habilitations.operations import SET_USER_GROUPS
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
)
from tests.support.statements import statements


async def test_every_kind_of_warm_page_costs_two_statements(api):
    # given: a user in two of three groups, one declaration opened
    await import_organisations(api, organisation_data(
        "DEUX", [("CONVENTIONNE", "14", 30), ("PRIVE", "2A", 30), ("PRIVE", "14", 30)]))
    organisation = await Organisation.get(name="DEUX")
    groups = (await group(organisation, "conventionne", "14"), await group(organisation, "prive",
                                                                           "2A"))
    user = await make_user(api, organisation, "DEUX.USER", groups=groups)
    token = await api.login(user.identifier, PASSWORD)
    tenant = await Tenant.filter(housing__organisation=organisation).first()
    await api.ok(START, {"tenantId": str(tenant.id)}, token)
    # Warm the per-process policy cache. On PostgreSQL the set-up's policy NOTIFYs reach the
    # watcher asynchronously and make the next request reload its domain (as they must): warm
    # until one page costs its two statements, so that a late notification is not counted below.
    for _ in range(5):
        if (await statements(api, PAGE, {"first": 5}, token))[0] == 2:
            break
    first = (await api.ok(PAGE, {"first": 50}, token))["tenants"]
    requests = [
        (PAGE, {"first": 50}),
        (PAGE, {"first": 50, "after": first["pageInfo"]["endCursor"]}),
        (PAGE, {"first": 20, "filter": {"declarationState": "NON_SAISI"}}),
        (PAGE, {"first": 20, "filter": {"declarationState": "TRANSMIS"}}),
        (PAGE, {"first": 20, "filter": {"search": "nom"}}),
        (PAGE, {"first": 20, "filter": {"search": "nom", "declarationState": "BROUILLON"}}),
        (CAMPAIGN, None),
    ]
    for query, variables in requests:
        # when
        count, data = await statements(api, query, variables, token)
        # then
        assert count == 2, (variables, count)
        assert data
    assert first["totalCount"] == 60 and first["pageInfo"]["hasNextPage"]


async def test_a_removed_right_and_a_closed_session_take_effect_on_the_next_page(api):
    # given: a user reading two groups' tenants, pages warm
    await import_organisations(api, organisation_data(
        "REVOQUEE", [("CONVENTIONNE", "14", 3), ("PRIVE", "2A", 4)]))
    organisation = await Organisation.get(name="REVOQUEE")
    kept, removed = await group(organisation, "conventionne", "14"), await group(
        organisation, "prive", "2A")
    user = await make_user(api, organisation, "REVOQUEE.USER", groups=(kept, removed))
    admin = await make_user(api, organisation, "REVOQUEE.ADMIN", roles=(Role.ADMINISTRATEUR,))
    token = await api.login(user.identifier, PASSWORD)
    admin_token = await api.login(admin.identifier, PASSWORD)
    for _ in range(2):
        assert (await api.ok(PAGE, {"first": 5}, token))["tenants"]["totalCount"] == 7
    # when: one group is taken away
    await api.ok(SET_USER_GROUPS, {"u": str(user.id), "g": [str(kept.id)]}, admin_token)
    # then: the very next page counts only what is left
    assert (await api.ok(PAGE, {"first": 5}, token))["tenants"]["totalCount"] == 3
    assert (await api.ok(CAMPAIGN, token=token))["rentCampaign"]["total"] == 3
    # when: the session ends
    await api.ok(LOGOUT, token=token)
    # then
    refused = await api.gql(PAGE, {"first": 5}, token)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
