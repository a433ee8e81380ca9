"""PostgreSQL's plan of every tenant list statement reads the page, not the scope: no sequential
scan of the tenant table, no sort of the whole scope, no node reading most of the scope's rows
(issue 14). Data: one generate_series INSERT per table, 27,000 tenants of one organisation over
100 (housing type, département) pairs, a third of them in one pair, beside a second
organisation."""

from __future__ import annotations

import json
import re
from typing import Any

import asyncpg
import pytest

from models.enums import DeclarationState
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
    "organisation_id, housing_type, departement, search_text) "
    "SELECT id, n, l, f, false, organisation_id, housing_type, departement, "
    "l || ' ' || f || ' ' || commune || ' ' || n || ' ' || postal_code FROM ("
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
    assert await _faults_of(filled, CASES) == []


async def test_every_search_statement_reads_the_page_not_the_scope(filled):
    assert await _faults_of(filled, SEARCHES) == []


async def _faults_of(conn, cases: dict[str, dict]) -> list[tuple[str, str, str, str]]:
    found = []
    for scope_name, arms in SCOPES.items():
        # given: the scope's size and a cursor halfway through it
        scope = await _scope_size(conn, arms)
        assert scope >= 8_000
        deep = await _middle(conn, arms, scope)
        for case, options in cases.items():
            sql, values = page_statement(True, BIG, arms, 51, None, YEAR, **options)
            first = await conn.fetch(sql, *values)
            assert len(first) == 51 or case.startswith("search"), (scope_name, case)
            # when: page 1, a deep keyset page and the page after page 1 are planned and run
            for page, after in (("1", None), ("deep", deep),
                                ("2", _key(first[-1]) if first else None)):
                sql, values = page_statement(True, BIG, arms, 51, after, YEAR, **options)
                plan = await _explain(conn, sql, values)
                found += [(scope_name, case, page, f) for f in faults(plan, scope)]
    return found
