"""The tenant list through GraphQL over HTTP, read from the tenant row's own scope columns and
merged per (housing type, zone) (issue 14): the same rows in the same order as the one-object
rule, every row once when paging through, and a search that ignores case, accents and ligatures."""

from __future__ import annotations

import copy
import random

from models import Organisation, Tenant
from policies.vocabulary import Act, Role
from tests.declarations.operations import SAVE, START, TENANTS
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
)
from tests.support.oracle import Oracle

PAIRS = [("CONVENTIONNE", "14", 5), ("CONVENTIONNE", "2A", 4), ("PRIVE", "14", 4),
         ("PRIVE", "971", 3), ("CONVENTIONNE", "971", 3)]
# Names people write with accents and ligatures, and names that sort next to each other.
NAMES = [("CÉLINE", "Dupré"), ("LÆTITIA", "Cœur"), ("BŒUF", "Zoé"), ("MARTIN", "Anne"),
         ("MARTIN", "Anne"), ("MARTIN", "Émile"), ("ÉTIENNE", "Jean-Luc"), ("O'NEIL", "Ana")]


def _organisation() -> dict:
    data = organisation_data("LISTE", PAIRS)
    tenants = [t for h in data["housings"] for t in h["tenants"]]
    for tenant, (last, first) in zip(tenants, NAMES, strict=False):
        tenant["lastName"], tenant["firstName"] = last, first
    data["housings"][1]["commune"] = "ÉVREUX-LÈS-BAINS"
    return data


async def _world(api, data: dict | None = None) -> tuple[Organisation, dict[str, str]]:
    await import_organisations(api, data or _organisation(),
                               organisation_data("AUTRE", PAIRS[:2]))
    org = await Organisation.get(name="LISTE")
    await make_user(api, org, "LISTE.ADMIN", roles=(Role.ADMINISTRATEUR,))
    await make_user(api, org, "LISTE.C14", groups=(await group(org, "conventionne", "14"),))
    rng = random.Random(14)
    groups = [await group(org, kind.lower(), dept) for kind, dept, _ in PAIRS]
    for i in range(4):
        chosen = tuple(rng.sample(groups, rng.randint(1, 4)))
        await make_user(api, org, f"LISTE.R{i}", groups=chosen)
    tokens = {}
    for name in ("LISTE.ADMIN", "LISTE.C14", *(f"LISTE.R{i}" for i in range(4))):
        tokens[name] = await api.login(name, PASSWORD)
    return org, tokens


async def _expected(identifier: str, org: Organisation) -> list[str]:
    """The one-object rule (Casbin's own enforce on each housing) over the organisation's
    tenants in the database's order."""
    oracle = Oracle(identifier)
    user, enforcer, domain = await oracle._caller()
    rows = await Tenant.filter(housing__organisation=org).select_related("housing") \
        .order_by("last_name", "first_name", "id")
    return [str(t.id) for t in rows if oracle._may(
        user, enforcer, domain, Act.READ, org.id, t.housing.housing_type.value,
        t.housing.departement)]


async def _all_pages(api, token: str, first: int, filter_: dict | None = None) -> list[str]:
    ids, after, total = [], None, None
    while True:
        variables = {"first": first, "filter": filter_}
        query = TENANTS.replace("$filter: TenantFilter)", "$filter: TenantFilter, $after: String)"
                                ).replace("filter: $filter)", "filter: $filter, after: $after)")
        data = (await api.ok(query, {**variables, "after": after}, token))["tenants"]
        total = data["totalCount"] if total is None else total
        assert data["totalCount"] == total
        ids += [e["node"]["id"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            assert len(ids) == total
            return ids
        after = data["pageInfo"]["endCursor"]


async def test_paging_through_returns_the_one_object_rule_each_row_once_in_order(api):
    # given: callers over 1, several and every (type, zone) pair
    org, tokens = await _world(api)
    for identifier, token in tokens.items():
        expected = await _expected(identifier, org)
        assert expected, identifier
        for first in (1, 2, 5, 100):
            # when
            ids = await _all_pages(api, token, first)
            # then
            assert ids == expected, (identifier, first)


SEARCH = """query($s: String, $st: DeclarationState) {
  tenants(first: 50, filter: {search: $s, declarationState: $st}) {
    totalCount edges { node { lastName firstName } } } }"""


async def _found(api, token: str, text: str, state: str | None = None) -> list[tuple[str, str]]:
    data = (await api.ok(SEARCH, {"s": text, "st": state}, token))["tenants"]
    rows = [(e["node"]["lastName"], e["node"]["firstName"]) for e in data["edges"]]
    assert data["totalCount"] == len(rows)
    return rows


async def test_search_ignores_case_accents_and_ligatures(api):
    # given
    _, tokens = await _world(api)
    admin = tokens["LISTE.ADMIN"]
    # when / then
    for text in ("celine", "Céline", "CELINE", "cÉlInE"):
        assert await _found(api, admin, text) == [("CÉLINE", "Dupré")], text
    assert await _found(api, admin, "laetitia") == [("LÆTITIA", "Cœur")]
    assert await _found(api, admin, "coeur") == [("LÆTITIA", "Cœur")]
    assert await _found(api, admin, "bœuf") == await _found(api, admin, "BOEUF") == [
        ("BŒUF", "Zoé")]
    assert await _found(api, admin, "jean luc") == [("ÉTIENNE", "Jean-Luc")]
    assert await _found(api, admin, "o'neil") == await _found(api, admin, "o neil")
    assert len(await _found(api, admin, "evreux les")) == 4  # the commune of housing 1
    martins = await _found(api, admin, "martin")
    assert martins == [("MARTIN", "Anne"), ("MARTIN", "Anne"), ("MARTIN", "Émile")]


async def test_search_finds_allocataire_number_and_postal_code_within_the_scope(api):
    # given
    org, tokens = await _world(api)
    tenant = await Tenant.filter(organisation_id=org.id, housing_type="prive",
                                 departement="971").first()
    # when / then: the admin finds it; the conventionné 14 member does not
    number = tenant.allocataire_number
    assert len(await _found(api, tokens["LISTE.ADMIN"], number)) == 1
    assert await _found(api, tokens["LISTE.C14"], number) == []
    assert len(await _found(api, tokens["LISTE.ADMIN"], "97110")) == 6
    assert len(await _found(api, tokens["LISTE.C14"], "14000")) == 5


async def test_a_search_too_short_or_too_long_is_refused_in_french(api):
    _, tokens = await _world(api)
    for text in ("ab", " é ", "--!"):
        body = await api.gql(SEARCH, {"s": text}, tokens["LISTE.ADMIN"])
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", text
        assert "au moins 3 lettres ou chiffres" in body["errors"][0]["message"]
    body = await api.gql(SEARCH, {"s": "a" * 101}, tokens["LISTE.ADMIN"])
    assert "100 caractères au plus" in body["errors"][0]["message"]
    assert (await api.ok(SEARCH, {"s": "   "}, tokens["LISTE.ADMIN"]))["tenants"]["totalCount"] \
        == 19


async def test_the_state_filter_and_search_page_like_the_rule(api):
    # given: two drafts in the conventionné 14 pair
    org, tokens = await _world(api)
    admin = tokens["LISTE.ADMIN"]
    drafted = await Tenant.filter(organisation_id=org.id, housing_type="conventionne",
                                  departement="14").order_by("id").limit(2)
    for tenant in drafted:  # started (non saisi), then a first answer saved (brouillon)
        started = (await api.ok(START, {"tenantId": str(tenant.id)}, admin))
        await api.ok(SAVE, {"id": started["startRentDeclaration"]["id"],
                            "input": {"stillManager": True}}, admin)
    # when
    drafts = await _all_pages(api, tokens["LISTE.C14"], 1, {"declarationState": "BROUILLON"})
    others = await _all_pages(api, tokens["LISTE.C14"], 2, {"declarationState": "NON_SAISI"})
    # then
    every = await _expected("LISTE.C14", org)
    assert sorted(drafts) == sorted(str(t.id) for t in drafted)
    assert others == [i for i in every if i not in drafts]
    assert await _all_pages(api, admin, 1, {"search": "martin"}) == [
        i for i in await _expected("LISTE.ADMIN", org)
        if (await Tenant.get(id=int(i))).last_name == "MARTIN"]


async def test_an_import_that_moves_a_housing_moves_its_tenants_in_every_list(api):
    # given: the member of conventionné 14 sees 5 tenants
    data = _organisation()
    org, tokens = await _world(api, copy.deepcopy(data))
    member = tokens["LISTE.C14"]
    assert len(await _all_pages(api, member, 50)) == 5
    # when: the import says housing 0 is now privé, in Évreux
    data["housings"][0].update({"type": "PRIVE", "commune": "ÉVREUX"})
    data["housings"][0]["tenants"] = data["housings"][0]["tenants"][:2]  # the others not named
    await import_organisations(api, data)
    # then: all five left the member's list, and the search reads the new commune
    assert await _all_pages(api, member, 50) == []
    assert len(await _found(api, tokens["LISTE.ADMIN"], "evreux")) == 5 + 4
    assert await _all_pages(api, tokens["LISTE.ADMIN"], 3) == await _expected("LISTE.ADMIN", org)


async def test_a_cursor_of_another_shape_is_refused_and_the_former_format_still_works(api):
    import base64
    import json

    _, tokens = await _world(api)
    admin = tokens["LISTE.ADMIN"]
    query = "query($a: String) { tenants(first: 2, after: $a) { edges { node { id } } } }"
    every = await _all_pages(api, admin, 100)
    tenant = await Tenant.get(id=int(every[1]))
    # The cursor format before issue 14: base64 of [last name, first name, id].
    former = base64.urlsafe_b64encode(json.dumps(
        [tenant.last_name, tenant.first_name, tenant.id]).encode()).decode()
    data = await api.ok(query, {"a": former}, admin)
    assert [e["node"]["id"] for e in data["tenants"]["edges"]] == every[2:4]
    for bad in (base64.urlsafe_b64encode(b'["A", 3]').decode(), "pas-un-curseur",
                base64.urlsafe_b64encode(b'["A", "B", "C"]').decode()):
        body = await api.gql(query, {"a": bad}, admin)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", bad
        assert body["errors"][0]["message"] == "Curseur de pagination invalide."
