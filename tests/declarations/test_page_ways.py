"""Both ways of reading a page of many (housing type, zone) arms — one range of the
organisation's order with the arms as a filter, and the arms' ordered ranges merged — return
exactly the page a full sort of the scope gives: the same rows in the same order, the same
total and states, page after page through the keyset cursors; and the counters' choice between
them, made inside the statement, returns one way's rows only. On SQLite and PostgreSQL, for one
arm and many, for scopes dense and sparse in their organisation (issue 14)."""

from __future__ import annotations

from itertools import product
from typing import Any

from tortoise import connections

from models import Organisation
from models.enums import DeclarationState
from resolvers.declarations.counters import STATE, TOTAL
from resolvers.declarations.tenant_pages import _dense, _Params, page_statement
from tests.declarations.counting import PAGE
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
)

TYPES = ("CONVENTIONNE", "PRIVE")
# One big pair outside the many-pair scopes; 12 pairs holding most of the rest (dense in the
# organisation) and 12 pairs of 2 tenants (sparse in it).
BULK = [("CONVENTIONNE", "01", 120)]
DENSE = [(t, f"{d:02d}", 15) for t, d in product(TYPES, range(2, 8))]
SPARSE = [(t, f"{d:02d}", 2) for t, d in product(TYPES, range(8, 14))]
# Names that tie, so that the first name and the id break them.
LAST = ("DURAND", "MARTIN", "PETIT", "BERNARD", "DUPONT")
FIRST = ("ANNE", "JEAN", "LUC", "MARIE")
LIMIT = 7  # rows a statement asks for (a page and its look-ahead)


def _arms(pairs: list[tuple[str, str, int]]) -> list[tuple[str, str | None]]:
    return [(t.lower(), d) for t, d, _ in pairs]


SCOPES = {
    "one big arm": _arms(BULK),
    "one small arm": _arms(SPARSE[:1]),
    "many arms, dense": _arms(DENSE),
    "many arms, sparse": _arms(SPARSE),
    "every zone of both types": [("conventionne", None), ("prive", None)],
}
STATES = (None, DeclarationState.TRANSMIS, DeclarationState.BROUILLON, DeclarationState.NON_SAISI)
# Several arms: the counters' choice (None), and each way forced.
WAYS = {"chosen": None, "organisation's range": True, "arms merged": False}


async def _world(api) -> Organisation:
    data = organisation_data("GRANDE", BULK + DENSE + SPARSE)
    tenants = [t for h in data["housings"] for t in h["tenants"]]
    for i, tenant in enumerate(tenants):
        tenant["lastName"], tenant["firstName"] = LAST[i * 7 % 5], FIRST[i * 3 % 4]
    await import_organisations(api, data, organisation_data("AUTRE", [("CONVENTIONNE", "02", 9)]))
    year = api.services.settings.campaign_year
    # Declarations of every stored state (the counters' triggers count them), some tenants none.
    await connections.get("default").execute_script(
        "INSERT INTO rent_declaration (tenant_id, year, state, amount_confirmed, created_at, "
        f"updated_at) SELECT id, {year}, CASE WHEN id % 5 < 2 THEN 'transmis' "
        "WHEN id % 5 = 2 THEN 'brouillon' ELSE 'non_saisi' END, true, CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP FROM tenant WHERE id % 5 < 4")
    return await Organisation.get(name="GRANDE")


def _postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


async def _rows(sql: str, values: list[Any]) -> list[dict]:
    return [dict(r) for r in await connections.get("default").execute_query_dict(sql, values)]


async def _full_sort(org: int, arms: list[tuple[str, str | None]], year: int,
                     state: DeclarationState | None) -> list[tuple[int, str]]:
    """(id, state) of the scope's tenants sorted whole by the database, in the list's order."""
    rows = await _rows(
        "SELECT t.id, t.housing_type, t.departement, d.state FROM tenant t LEFT JOIN "
        f"rent_declaration d ON d.tenant_id = t.id AND d.year = {year} "
        f"WHERE t.organisation_id = {org} ORDER BY t.last_name, t.first_name, t.id", [])
    out = []
    for r in rows:
        stored = r["state"] or DeclarationState.NON_SAISI.value
        if ((r["housing_type"], r["departement"]) in arms or (r["housing_type"], None) in arms) \
                and (state is None or stored == state.value):
            out.append((r["id"], stored))
    return out


async def _key(tenant_id: int) -> list[Any]:
    row = (await _rows(f"SELECT last_name, first_name, id FROM tenant WHERE id = {tenant_id}",
                       []))[0]
    return [row["last_name"], row["first_name"], row["id"]]


async def _pages(org: int, arms, year: int, state, dense: bool | None) -> list[list[tuple]]:
    """Every page of the statement, each after the last row of the one before."""
    pages, after = [], None
    while True:
        sql, values = page_statement(_postgres(), org, arms, LIMIT, after, year, state,
                                     dense=dense)
        rows = await _rows(sql, values)
        assert len(rows) <= LIMIT, (len(rows), "both ways returned rows")
        pages.append([(r["id"], r[STATE] or DeclarationState.NON_SAISI.value, r[TOTAL])
                      for r in rows])
        if len(rows) < LIMIT:
            return pages
        after = await _key(rows[-1]["id"])


async def test_every_way_pages_through_the_scope_as_a_full_sort_does(api):
    # given: an organisation with a big pair, dense and sparse many-pair scopes, and states
    org = (await _world(api)).id
    year = api.services.settings.campaign_year
    for (name, arms), state in product(SCOPES.items(), STATES):
        expected = await _full_sort(org, arms, year, state)
        # several pages, at least one row under a state filter
        assert len(expected) > (0 if state else LIMIT) or name == "one small arm", (name, state)
        chunks = [expected[i:i + LIMIT] for i in range(0, len(expected) + 1, LIMIT)]
        for way, dense in (WAYS if len(arms) > 1 else {"chosen": None}).items():
            # when: every page is read after the one before, this way
            pages = await _pages(org, arms, year, state, dense)
            # then: the full sort's rows, in its order, each page with the scope's total
            assert [[(i, s) for i, s, _ in p] for p in pages] == chunks, (name, state, way)
            totals = {t for p in pages for _, _, t in p}
            assert totals == ({len(expected)} if expected else set()), (name, state, way)


async def test_the_counters_choose_the_organisation_range_for_a_dense_scope_only(api):
    # given
    org = (await _world(api)).id
    for name, dense in (("many arms, dense", True), ("many arms, sparse", False),
                        ("every zone of both types", True)):
        p = _Params(_postgres())
        # when: the counters' choice is read alone
        sql = _dense(p, p.fixed(org), p.fixed(LIMIT), SCOPES[name])
        # then: both ways are what the statement chooses for one of the scopes above
        assert bool((await _rows(sql, p.values))[0]["dense"]) is dense, name


async def test_the_chosen_way_alone_returns_rows(api):
    # given: scopes the counters read one way and the other, each holding several pages
    org = (await _world(api)).id
    year = api.services.settings.campaign_year
    for name in ("many arms, dense", "many arms, sparse", "every zone of both types"):
        # when: page 1 is read with the choice left to the statement
        sql, values = page_statement(_postgres(), org, SCOPES[name], LIMIT, None, year)
        ids = [r["id"] for r in await _rows(sql, values)]
        # then: one page, each row once (both ways returning rows would give each row twice)
        assert len(ids) == LIMIT and len(set(ids)) == LIMIT, (name, ids)


async def _walk(api, token: str, first: int, filter_: dict | None) -> tuple[list[int], int]:
    ids, after, totals = [], None, set()
    while True:
        data = (await api.ok(PAGE, {"first": first, "after": after, "filter": filter_},
                             token))["tenants"]
        totals.add(data["totalCount"])
        ids += [int(e["node"]["id"]) for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            assert len(totals) == 1, totals
            return ids, totals.pop()
        after = data["pageInfo"]["endCursor"]


async def test_callers_of_dense_and_sparse_scopes_page_through_http_as_a_full_sort_does(api):
    # given: a caller of each shape of scope
    organisation = await _world(api)
    year = api.services.settings.campaign_year
    callers = {"one big arm": BULK, "many arms, dense": DENSE, "many arms, sparse": SPARSE}
    tokens = {}
    for i, (name, pairs) in enumerate(callers.items()):
        groups = tuple([await group(organisation, t.lower(), d) for t, d, _ in pairs])
        await make_user(api, organisation, f"GRANDE.U{i}", groups=groups)
        tokens[name] = await api.login(f"GRANDE.U{i}", PASSWORD)
    for (name, token), state in product(tokens.items(), STATES):
        expected = await _full_sort(organisation.id, SCOPES[name], year, state)
        filter_ = {"declarationState": state.name} if state else None
        # when: every page is read through the cursors, 4 rows a page
        ids, total = await _walk(api, token, 4, filter_)
        # then
        assert ids == [i for i, _ in expected] and total == len(expected), (name, state)
        # and: a cursor taken inside a page starts right after its row
        page = (await api.ok(PAGE, {"first": 3, "filter": filter_}, token))["tenants"]
        after = page["edges"][1]["cursor"]
        rest = (await api.ok(PAGE, {"first": 5, "after": after, "filter": filter_},
                             token))["tenants"]
        assert [int(e["node"]["id"]) for e in rest["edges"]] == ids[2:7], (name, state)
