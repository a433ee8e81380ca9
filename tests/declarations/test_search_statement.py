"""Every way a search's statement reads its matches gives the rows a full scan keeps, in the
list's order, on both databases (issue 14): from its first matches sorted, or past them (a
lowered `sorted_matches`) along the ranges, or by the scope's matching last names' groups
and the other fields' matches (migration 0019) — one pair, a few pairs, more pairs than SQLite's
full-text scope phrases (ARM_PHRASES), the cursor inside a last name's group."""

from __future__ import annotations

from itertools import product
from typing import Any

from tortoise import connections

from resolvers.declarations.counters import SEARCH_COUNT_CAP
from resolvers.declarations.tenant_pages import ARM_PHRASES, SORTED_MATCHES, page_statement

ORG, OTHER, YEAR, TENANTS = 71, 72, 2026, 2_400
NAMES = ("MARTIN", "MARTINEZ", "BERNARD", "DUBOIS", "LEMARTIN", "ROUX", "CELINE")
FIRST = ("JEAN", "CELINE", "MARC", "ANNE", "LUC")


def _cycle(values: tuple[str, ...], expression: str) -> str:
    """A portable CASE picking values[expression % len]."""
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE ({expression}) % {len(values)} {whens} END"


# 2,400 tenants: a third in one pair, the rest over 24 pairs (2 types × 12 départements);
# every tenth row in another organisation. Portable SQL (a recursive CTE), counters and the
# SQLite full-text table kept by the triggers.
FILL = [
    "INSERT INTO organisation (id, name, user_number, convention_name, convention_state, "
    f"initial_identifier, created_at) VALUES ({ORG}, 'A', 'AAAAAAAAAAAAAA', 'c', 's', 'P1', "
    f"CURRENT_TIMESTAMP), ({OTHER}, 'B', 'BBBBBBBBBBBBBB', 'c', 's', 'P2', CURRENT_TIMESTAMP)",
    f"WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {TENANTS}) "
    "INSERT INTO housing (id, organisation_id, ref, housing_type, address, postal_code, "
    f"commune, departement) SELECT x, CASE WHEN x % 10 = 1 THEN {OTHER} ELSE {ORG} END, "
    "'h' || x, CASE WHEN x % 3 = 0 OR x % 2 = 0 THEN 'conventionne' ELSE 'prive' END, "
    "'1 RUE', '75000', 'COMMUNE ' || (x % 7), "
    "CASE WHEN x % 3 = 0 THEN '04' ELSE '1' || ((x / 6) % 12) END FROM g",
    "INSERT INTO tenant (housing_id, allocataire_number, last_name, first_name, colocation, "
    "organisation_id, housing_type, departement, search_text, other_text) SELECT id, n, l, "
    "f, false, organisation_id, housing_type, departement, "
    "l || ' ' || f || ' ' || commune || ' ' || n || ' ' || postal_code, "
    "f || ' ' || commune || ' ' || n || ' ' || postal_code FROM (SELECT h.*, "
    f"'A' || (100000 + h.id) AS n, {_cycle(NAMES, 'h.id * 7919')} AS l, "
    f"{_cycle(FIRST, 'h.id * 104729')} AS f FROM housing h) AS x",
]
ONE = [("conventionne", "04")]
FEW = [("conventionne", "10"), ("prive", "11")]
MANY = [(t, f"1{d}") for t in ("conventionne", "prive") for d in range(12)]
WHOLE = [("conventionne", None), ("prive", None)]
TERMS = ("MARTIN", "MART", "CELINE", "MARC", "COMMUNE 3", "A10012", "MARTIN CELINE", "ZZZ",
         # by name groups (migration 0019): inside names, a commune, a postal code, a name
         # inside another, a term in both names of some rows
         "ARTI", "COMMUNE", "75000", "LEMART", "INEZ")


async def _filled() -> Any:
    db = connections.get("default")
    for sql in FILL:
        await db.execute_script(sql)
    return db


async def _expected(db, arms, term: str) -> list[int]:
    _, rows = await db.execute_query(
        "SELECT id, last_name, first_name, housing_type, departement, search_text FROM tenant "
        f"WHERE organisation_id = {ORG}")
    kept = [r for r in rows if term in r["search_text"] and any(
        r["housing_type"] == t and z in (None, r["departement"]) for t, z in arms)]
    return [r["id"] for r in sorted(kept, key=lambda r: (r["last_name"], r["first_name"],
                                                          r["id"]))]


async def _paged(db, arms, term: str, cap: int, size: int) -> tuple[list[int], set[int]]:
    postgres = db.capabilities.dialect == "postgres"
    ids: list[int] = []
    totals: set[int] = set()
    after = None
    while True:
        sql, values = page_statement(postgres, ORG, arms, size + 1, after, YEAR, term=term,
                                     sorted_matches=cap)
        _, rows = await db.execute_query(sql, values)
        ids += [r["id"] for r in rows[:size]]
        totals |= {r["counted_total"] for r in rows}
        if len(rows) <= size:
            return ids, totals
        after = [rows[size - 1][k] for k in ("last_name", "first_name", "id")]


async def test_a_search_pages_through_the_full_scans_rows_whichever_way_it_reads(api):
    # given: the tenants, and scopes of every shape
    db = await _filled()
    assert len(MANY) > ARM_PHRASES
    for arms, term in product((ONE, FEW, MANY, WHOLE), TERMS):
        expected = await _expected(db, arms, term)
        for cap in (SORTED_MATCHES, 40):
            # when: every page of 30 rows (a cursor lands inside a name's group)
            ids, totals = await _paged(db, arms, term, cap, 30)
            # then: the full scan's rows in its order; the count up to its caps
            assert ids == expected, (arms, term, cap)
            assert totals <= {min(len(expected), SEARCH_COUNT_CAP + 1, cap)}, (arms, term)
    assert len(await _expected(db, MANY, "MART")) > 300
