"""PostgreSQL's plan of every tenant list statement reads the page, not the scope: no sequential
scan of the tenant table, no sort of the whole scope, no node reading most of the scope's rows
(issue 14). Data: one generate_series INSERT per table, 27,000 tenants of one organisation over
100 (housing type, département) pairs, a third of them in one pair, beside a second
organisation."""

from __future__ import annotations

import json
import re
from itertools import product
from typing import Any

import asyncpg
import pytest

from models.enums import DeclarationState
from models.validators import DEPARTEMENTS as DEPARTEMENTS_OF_FRANCE
from policies.scope import Scope
from resolvers.declarations.tenant_pages import page_statement

TENANTS = 30_000
YEAR = 2025
DEPARTEMENTS = 50  # × 2 housing types = 100 pairs
BIG, OTHER = 1001, 1002
NAMES = ("MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND",
         "LEROY", "MOREAU", "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID",
         "BERTRAND", "ROUX", "VINCENT", "FOURNIER")
FIRST = ("JEAN", "MARIE", "PIERRE", "CELINE", "LUC", "ANNE", "PAUL", "JULIE", "LOUIS", "EMMA")


def _array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


# Every row spread over the 100 pairs; one housing per tenant; 60 % of tenants have a declaration.
FILL = [
    "INSERT INTO organisation (id, name, user_number, convention_name, convention_state, "
    "initial_identifier, created_at) VALUES "
    f"({BIG}, 'GRAND', 'GRAND000000001', 'c', 's', 'PGRAND', now()), "
    f"({OTHER}, 'AUTRE', 'AUTRE000000001', 'c', 's', 'PAUTRE', now())",
    "INSERT INTO housing (organisation_id, ref, housing_type, address, postal_code, commune, "
    f"departement) SELECT CASE WHEN g % 10 = 1 THEN {OTHER} ELSE {BIG} END, 'h' || g, t, "
    "'1 RUE', d || '000', 'COMMUNE ' || (g % 37), d FROM (SELECT g, "
    "CASE WHEN g % 3 = 0 OR g % 2 = 0 THEN 'conventionne' ELSE 'prive' END AS t, "
    f"CASE WHEN g % 3 = 0 THEN '04' ELSE lpad(((g / 6) % {DEPARTEMENTS} + 1)::text, 2, '0') END "
    f"AS d FROM generate_series(1, {TENANTS}) g) s",
    "INSERT INTO tenant (housing_id, allocataire_number, last_name, first_name, colocation, "
    "organisation_id, housing_type, departement, search_text, other_text) "
    "SELECT id, n, l, f, false, organisation_id, housing_type, departement, "
    "l || ' ' || f || ' ' || commune || ' ' || n || ' ' || postal_code, "
    "f || ' ' || commune || ' ' || n || ' ' || postal_code FROM ("
    f"SELECT h.*, lpad(h.id::text, 7, '0') AS n, "
    f"({_array(NAMES)})[1 + (h.id::bigint * 7919) % 20] AS l, "
    f"({_array(FIRST)})[1 + (h.id::bigint * 104729) % 10] AS f FROM housing h) x",
    "INSERT INTO rent_declaration (tenant_id, year, state, amount_confirmed, created_at, "
    f"updated_at) SELECT id, {YEAR}, "
    "CASE WHEN (id / 100) % 5 < 2 THEN 'transmis' ELSE 'brouillon' END, "
    "true, now(), now() FROM tenant WHERE (id / 100) % 5 < 3",
    "ANALYZE",
]

TENANT_INDEX = re.compile(r"^(idx_tenant_|uid_tenant_|tenant_)")


def _walk(plan: dict[str, Any]):
    yield plan
    for child in plan.get("Plans", []):
        yield from _walk(child)


def _rows(node: dict[str, Any]) -> float:
    """Rows a node read: those it returned and those its filters threw away."""
    read = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
    return (read + node.get("Rows Removed by Index Recheck", 0)) * node.get("Actual Loops", 1)


def faults(plan: dict[str, Any], scope: int) -> list[str]:
    """What makes a plan cost the scope rather than the page."""
    found = []
    for node in _walk(plan):
        kind = node["Node Type"]
        index = node.get("Index Name", "")
        table = node.get("Relation Name") or ("tenant" if TENANT_INDEX.match(index) else None)
        if kind == "Seq Scan" and table == "tenant":
            found.append("Seq Scan on tenant")
        if table == "tenant" and _rows(node) > scope / 4:
            found.append(f"{kind} on tenant reads {_rows(node):.0f} rows of {scope}")
        if kind in ("Sort", "Incremental Sort") and any(
                _rows(c) > scope / 4 for c in node.get("Plans", [])):
            found.append(f"{kind} over {max(_rows(c) for c in node['Plans']):.0f} rows")
    return found


@pytest.fixture
async def filled(database_url):
    if not database_url.startswith("postgres"):
        pytest.skip("plans are checked on PostgreSQL")
    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        for sql in FILL:
            await conn.execute(sql)
        yield conn
    finally:
        await conn.close()


async def _explain(conn, sql: str, values: list[Any]) -> dict[str, Any]:
    rows = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *values)
    return json.loads(rows)[0]["Plan"]


async def _scope_size(conn, arms) -> int:
    total = 0
    for housing_type, zone in arms:
        total += await conn.fetchval(
            "SELECT count(*) FROM tenant WHERE organisation_id = $1 AND housing_type = $2 "
            "AND ($3::text IS NULL OR departement = $3)", BIG, housing_type, zone)
    return total


def _key(row) -> list[Any]:
    return [row["last_name"], row["first_name"], row["id"]]


ONE_PAIR = [("conventionne", "04")]
ALL_PAIRS = [(t, f"{d:02d}") for t in ("conventionne", "prive") for d in range(1, 51)]
EVERY_ZONE = [("conventionne", None), ("prive", None)]
SCOPES = {"1 pair": ONE_PAIR, "100 pairs": ALL_PAIRS, "every zone": EVERY_ZONE}
# Several arms: the counters choose between the arms merged and the organisation's range with
# the arms as a filter (None); each way is also forced, so that both stay page-bounded. Forced
# on arms covering the whole organisation, the arms merged read a page per arm: a quarter of
# this scope for the page itself, more under a state filter (a page ÷ the state's share per
# arm), which is why the counters choose the organisation's range there.
WAYS = {"chosen": None, "arms merged": False, "organisation's range": True}
CASES = {
    "page": {},
    "transmitted": {"state": DeclarationState.TRANSMIS},
    "not entered": {"state": DeclarationState.NON_SAISI},
}
# A rare term is read from the trigram index (which holds the scope columns too), a term common
# enough to reach the count's cap from the arms' ordered ranges; "MAR" is in 15 % of the rows.
SEARCHES = {
    "search": {"term": "MARTIN CELINE"},
    "search of 3": {"term": "MAR"},
    "search of a number": {"term": "0012"},
    "search and state": {"term": "MAR", "state": DeclarationState.TRANSMIS},
}


async def _middle(conn, arms, scope: int) -> list[Any]:
    """The key halfway through the scope: a deep page's cursor (OFFSET: the test's own SQL)."""
    sql, values = page_statement(True, BIG, arms, scope, None, YEAR)
    row = await conn.fetchrow(f"SELECT * FROM ({sql}) s OFFSET {scope // 2} LIMIT 1", *values)
    return _key(row)


async def test_every_list_statement_reads_the_page_not_the_scope(filled):
    found = await _faults_of(filled, CASES)
    assert found == [], "\n".join(map(str, found))


async def test_every_search_statement_reads_the_page_not_the_scope(filled):
    # Only the way the counters choose: a search over arms merged walks each arm for its
    # matches, up to the scope, which they choose only for a small share of the organisation.
    assert await _faults_of(filled, SEARCHES, forced=False) == []


def _ways(arms) -> dict[str, bool | None]:
    return WAYS if len(arms) > 1 else {"chosen": None}


async def _faults_of(conn, cases: dict[str, dict],
                     forced: bool = True) -> list[tuple[str, str, str, str]]:
    found = []
    for scope_name, arms in SCOPES.items():
        # given: the scope's size and a cursor halfway through it
        scope = await _scope_size(conn, arms)
        assert scope >= 8_000
        deep = await _middle(conn, arms, scope)
        ways = _ways(arms) if forced else {"chosen": None}
        for (case, options), (way, dense) in product(cases.items(), ways.items()):
            if dense is False and "state" in options:
                continue
            sql, values = page_statement(True, BIG, arms, 51, None, YEAR, **options,
                                         dense=dense)
            first = await conn.fetch(sql, *values)
            assert len(first) == 51 or case.startswith("search"), (scope_name, case)
            # when: page 1, a deep keyset page and the page after page 1 are planned and run
            for page, after in (("1", None), ("deep", deep),
                                ("2", _key(first[-1]) if first else None)):
                sql, values = page_statement(True, BIG, arms, 51, after, YEAR, **options,
                                             dense=dense)
                plan = await _explain(conn, sql, values)
                found += [(scope_name, f"{case} ({way})", page, f)
                          for f in faults(plan, scope)]
    return found


def _read(plan: dict[str, Any]) -> set[str]:
    """The tenant indexes a plan's executed nodes read."""
    return {node["Index Name"] for node in _walk(plan)
            if node.get("Actual Loops", 0) and node.get("Index Name", "").startswith(
                ("idx_tenant_", "tenant_"))}


async def test_many_arms_over_most_of_the_organisation_read_its_range_in_order(filled):
    # given: 100 pairs holding every tenant of the organisation, and a tenth of them
    few = ALL_PAIRS[60:70]
    ordered = await filled.fetchval(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'tenant' "
        "AND indexdef LIKE '%(organisation_id, last_name, first_name, id)'")
    for arms, ranged in ((ALL_PAIRS, True), (few, False)):
        # when: page 1 is planned and run with the choice left to the counters
        sql, values = page_statement(True, BIG, arms, 51, None, YEAR)
        read = _read(await _explain(filled, sql, values))
        # then: the organisation's ordered index when the arms cover most of it, else the
        # per-pair ranges
        assert (ordered in read) is ranged, (len(arms), ordered, read)


async def test_every_way_of_reading_the_arms_gives_the_same_rows_in_the_same_order(filled):
    for (scope_name, arms), (case, options) in product(SCOPES.items(),
                                                       {**CASES, **SEARCHES}.items()):
        after = None
        for _ in range(3):  # page 1 and two keyset pages
            pages = []
            for dense in _ways(arms).values():
                sql, values = page_statement(True, BIG, arms, 51, after, YEAR, **options,
                                             dense=dense)
                pages.append([(r["id"], r["counted_total"]) for r in await filled.fetch(
                    sql, *values)])
            if not pages[0]:  # a search with fewer matches than three pages
                break
            assert len(pages[0]) == 51 or case in SEARCHES, (scope_name, case)
            assert all(p == pages[0] for p in pages), (scope_name, case)
            after = _key(await filled.fetchrow(
                "SELECT last_name, first_name, id FROM tenant WHERE id = $1", pages[0][-1][0]))


def test_every_departement_of_a_type_is_one_range_of_the_type():
    # given: grants on every département of prive one by one, and on all but one of conventionne
    every = {("prive", d) for d in DEPARTEMENTS_OF_FRANCE}
    all_but_one = {("conventionne", d) for d in sorted(DEPARTEMENTS_OF_FRANCE)[1:]}
    # when: the scope becomes arms
    arms = Scope(BIG, frozenset(every | all_but_one)).arms()
    # then: prive is one range; conventionne keeps its pairs (one zone is missing)
    assert ("prive", None) in arms and not any(t == "prive" and z for t, z in arms)
    assert len([a for a in arms if a[0] == "conventionne"]) == len(DEPARTEMENTS_OF_FRANCE) - 1
