"""A search's statement pages through exactly the scope's matches in the list's order, whichever
way it reads them (PostgreSQL, issue 14): from its first matches sorted (`found`), past them
along the ranges (a lowered `sorted_matches` makes the test's terms pass it), over one pair or
100, the organisation's range or the arms merged — against the full scan a plain filter does."""

from __future__ import annotations

from itertools import product
from typing import Any

from resolvers.declarations.counters import SEARCH_COUNT_CAP
from resolvers.declarations.tenant_pages import SORTED_MATCHES, page_statement
from tests.declarations.test_tenant_list_plans import (  # noqa: F401 (the fixture)
    BIG,
    SCOPES,
    YEAR,
    _key,
    _ways,
    filled,
)

# A last name's group (MARTIN, 15 %), a piece of first names, every row's commune, a number.
TERMS = ("MARTIN", "CELINE", "MAR", "COMMUNE 1", "0012", "MARTIN CELINE", "ZZZ")


async def _expected(conn, arms: list[tuple[str, str | None]], term: str) -> list[int]:
    rows = await conn.fetch(
        "SELECT t.id FROM tenant t JOIN unnest($2::text[], $3::text[]) AS a(ty, zo) "
        "ON t.housing_type = a.ty AND (a.zo IS NULL OR t.departement = a.zo) "
        "WHERE t.organisation_id = $1 AND position($4 IN t.search_text) > 0 "
        "ORDER BY t.last_name, t.first_name, t.id",
        BIG, [t for t, _ in arms], [z for _, z in arms], term)
    return [r["id"] for r in rows]


async def _paged(conn, arms, term: str, dense: bool | None, cap: int,
                 size: int) -> tuple[list[int], set[Any]]:
    ids: list[int] = []
    totals, after = set(), None
    while True:
        sql, values = page_statement(True, BIG, arms, size + 1, after, YEAR, term=term,
                                     dense=dense, sorted_matches=cap)
        rows = await conn.fetch(sql, *values)
        ids += [r["id"] for r in rows[:size]]
        totals |= {r["counted_total"] for r in rows}
        if len(rows) <= size:
            return ids, totals
        after = _key(rows[size - 1])


async def test_every_search_page_holds_the_scopes_matches_in_order(filled):  # noqa: F811
    for (scope_name, arms), term in product(SCOPES.items(), TERMS):
        expected = await _expected(filled, arms, term)
        for cap, (way, dense) in product((SORTED_MATCHES, 300), _ways(arms).items()):
            # when: every page, of 200 rows (fewer statements; the cursor lands in name groups)
            ids, totals = await _paged(filled, arms, term, dense, cap, 200)
            # then: the same rows in the same order, each page with the count up to its cap
            # (the service's SEARCH_COUNT_CAP + 1, or the lowered number of matches sorted)
            assert ids == expected, (scope_name, term, cap, way)
            assert totals <= {min(len(expected), SEARCH_COUNT_CAP + 1, cap)}, (scope_name, term)
    assert len(await _expected(filled, SCOPES["100 pairs"], "MAR")) > 3_000
