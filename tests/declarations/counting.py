"""Full counts to hold the counters against: COUNT(*) over the rows themselves, and what a caller
may read decided by stock Casbin's `enforce` on the stored policies (not by the service's
compiled scopes)."""

from __future__ import annotations

from collections import Counter

from tortoise import Tortoise

from models import Organisation, RentDeclaration, Tenant, TenantCount
from models.enums import DeclarationState
from policies.enforcers import load_enforcer
from policies.vocabulary import Act, Role, org_domain, user_subject
from tests.declarations.operations import CAMPAIGN, SAVE, START, VALIDATE
from tests.support.declaration_ops import BRISSON_ANSWERS
from tests.support.factories import PASSWORD, import_organisations, make_user, organisation_data

Key = tuple[int, str, str, int, str]

FULL_COUNT = """
SELECT organisation_id, housing_type, departement, year, kind, COUNT(*) AS n FROM (
  SELECT h.organisation_id, h.housing_type, h.departement, 0 AS year, 'tenant' AS kind
    FROM tenant t JOIN housing h ON h.id = t.housing_id
  UNION ALL
  SELECT h.organisation_id, h.housing_type, h.departement, d.year, d.state
    FROM rent_declaration d JOIN tenant t ON t.id = d.tenant_id
    JOIN housing h ON h.id = t.housing_id WHERE d.state <> 'non_saisi') AS x
GROUP BY organisation_id, housing_type, departement, year, kind"""


async def full_count() -> dict[Key, int]:
    rows = await Tortoise.get_connection("default").execute_query_dict(FULL_COUNT)
    return {
        (r["organisation_id"], r["housing_type"], r["departement"], r["year"], r["kind"]): r["n"]
        for r in rows
    }


async def counters() -> dict[Key, int]:
    rows = await TenantCount.exclude(total=0).values_list(
        "organisation_id", "housing_type", "departement", "year", "kind", "total"
    )
    return {(o, str(t), d, y, k): n for o, t, d, y, k, n in rows}


async def assert_counters_exact() -> None:
    assert await counters() == await full_count()


async def readable_states(user_id: int, organisation_id: int, year: int) -> Counter[str]:
    """How many tenants the user may read, in all ("*") and per state of their declaration for
    `year` (none: non saisi), counted one by one."""
    domain = org_domain(organisation_id)
    enforcer = await load_enforcer(domain)
    states = dict(await RentDeclaration.filter(year=year).values_list("tenant_id", "state"))
    found: Counter[str] = Counter()
    tenants = await Tenant.filter(housing__organisation_id=organisation_id).select_related(
        "housing")
    for t in tenants:
        h = t.housing
        if enforcer.enforce(user_subject(user_id), domain, h.housing_type.value, h.departement,
                            Act.READ.value):
            found["*"] += 1
            found[str(states.get(t.id, DeclarationState.NON_SAISI.value))] += 1
    return found


# A page of tenants with what these tests look at: its total, whether it is exact, the states.
PAGE = """query($first: Int!, $after: String, $filter: TenantFilter) {
  tenants(first: $first, after: $after, filter: $filter) {
    totalCount totalCountExact pageInfo { hasNextPage endCursor }
    edges { cursor node { id allocataireNumber lastName firstName declarationState
                          housing { postalCode commune departement type } } } } }"""


async def served_states(api, token: str) -> Counter[str]:
    """The same figures as the service gives them: totalCount per state filter, rentCampaign."""
    served: Counter[str] = Counter()
    for state in (None, *DeclarationState):
        variables = {"filter": {"declarationState": state.name if state else None}}
        data = await api.ok(PAGE, {"first": 1, **variables}, token)
        served[state.value if state else "*"] = data["tenants"]["totalCount"]
    campaign = (await api.ok(CAMPAIGN, token=token))["rentCampaign"]
    assert campaign["total"] == served["*"]
    assert campaign["transmitted"] == served[DeclarationState.TRANSMIS.value]
    assert campaign["remaining"] == served["*"] - served[DeclarationState.TRANSMIS.value]
    return served


async def organisation_with_admin(api, name: str, housings) -> tuple[Organisation, str]:
    await import_organisations(api, organisation_data(name, housings))
    organisation = await Organisation.get(name=name)
    admin = await make_user(api, organisation, f"{name}.ADMIN", roles=(Role.ADMINISTRATEUR,))
    return organisation, await api.login(admin.identifier, PASSWORD)


async def declare(api, token: str, tenant: Tenant, transmit: bool) -> str | None:
    """The wizard through HTTP; None when a racing twin already transmitted it."""
    started = (await api.ok(START, {"tenantId": str(tenant.id)}, token))["startRentDeclaration"]
    for step in BRISSON_ANSWERS if transmit else BRISSON_ANSWERS[:1]:
        body = await api.gql(SAVE, {"id": started["id"], "input": step}, token)
        if "errors" in body:
            assert body["errors"][0]["extensions"]["code"] == "CONFLICT", body
            return None
    if not transmit:
        return "brouillon"
    body = await api.gql(VALIDATE, {"id": started["id"]}, token)
    if "errors" in body:
        assert body["errors"][0]["extensions"]["code"] == "CONFLICT", body
        return None
    return body["data"]["validateRentDeclaration"]["state"]
