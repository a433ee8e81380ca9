"""One page of tenants in one statement whose cost follows the page, not the caller's scope.

The scope is a set of disjoint (housing type, zone) arms (policies.scope.Scope.arms); the tenant
row carries those columns, and an index in the list's order starts with them. Each arm is one
ordered index range read up to the page's LIMIT; the arms are merged under the same LIMIT
(PostgreSQL: Merge Append; SQLite: a merge of the ordered arms), then the page's rows alone are
joined to their housing. Keyset only: a page starts strictly after its cursor, never at an OFFSET.

A search starts from the term's matches in the scope, read from a trigram index (`_searched`): a
rare term never walks the ranges, a common one does, where a page of matches is a few pages of
rows.
"""

from __future__ import annotations

from typing import Any

from tortoise import connections

from models import Housing, Tenant
from models.counters import EVERY_YEAR
from models.enums import DeclarationState
from resolvers.declarations.counters import SEARCH_COUNT_CAP, STATE, TENANTS, TOTAL

ORDER = ("last_name", "first_name", "id")
_ORDER_SQL = ", ".join(ORDER)


class _Params:
    """Numbered placeholders in the connection's style; a value bound once may be used often."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        n = len(self.values)
        return f"${n}" if self.postgres else f"?{n}"


def _columns(model: Any, alias: str, prefix: str = "") -> str:
    return ", ".join(f"{alias}.{column} AS {prefix}{column}"
                     for column in model._meta.fields_db_projection.values())


def _conditions(p: _Params, after: list[Any] | None, year: int,
                state: DeclarationState | None, term: str | None, per_row: bool = False) -> str:
    """What every arm adds to its range: the cursor, the state and the search (bound once).
    `per_row`: the state read for each row kept so far (a scalar subquery, which PostgreSQL
    never turns into a join reading every declaration of the year)."""
    sql = ""
    if after is not None:
        sql += f" AND ({_ORDER_SQL}) > ({', '.join(p(v) for v in after)})"
    if state is not None and per_row:
        stored = (f"(SELECT d.state FROM rent_declaration d WHERE d.tenant_id = t.id "
                  f"AND d.year = {p(year)})")
        if state == DeclarationState.NON_SAISI:
            value = p(state.value)
            sql += f" AND COALESCE({stored}, {value}) = {value}"
        else:
            sql += f" AND {stored} = {p(state.value)}"
    elif state is not None:
        declared = (f"SELECT 1 FROM rent_declaration d WHERE d.tenant_id = t.id "
                    f"AND d.year = {p(year)}")
        if state == DeclarationState.NON_SAISI:
            sql += f" AND NOT EXISTS ({declared} AND d.state <> {p(state.value)})"
        else:
            sql += f" AND EXISTS ({declared} AND d.state = {p(state.value)})"
    if term is not None:
        # The term is normalised (letters, digits, spaces): nothing in it is a LIKE wildcard.
        sql += f" AND t.search_text LIKE {p(f'%{term}%')}"
    return sql


def _total(p: _Params, org: str, arms: list[tuple[str, str | None]], year: int,
           state: DeclarationState | None) -> str:
    """The list's total as a scalar subquery of the page's statement: a sum of the counter rows
    of the arms (a search's total is its capped count, `_searched`)."""
    where = _arms_where(p, "c", arms)
    # Every value bound is used: PostgreSQL cannot type a parameter the text never mentions.
    every = f"(c.year = {int(EVERY_YEAR)} AND c.kind = '{TENANTS}')"
    if state is None:
        kinds, amount = every, "c.total"
    elif state == DeclarationState.NON_SAISI:
        declared = [DeclarationState.BROUILLON.value, DeclarationState.TRANSMIS.value]
        kinds = (f"({every} OR (c.year = {p(year)} AND c.kind IN "
                 f"({', '.join(p(k) for k in declared)})))")
        amount = f"CASE WHEN c.kind = '{TENANTS}' THEN c.total ELSE -c.total END"
    else:
        kinds, amount = f"(c.year = {p(year)} AND c.kind = {p(state.value)})", "c.total"
    return (f"(SELECT COALESCE(SUM({amount}), 0) FROM tenant_count c "
            f"WHERE c.organisation_id = {org} AND ({where}) AND {kinds})")


def _ranges(p: _Params, org: str, n: str, arms: list[tuple[str, str | None]], tail: str) -> str:
    """The arms' ordered index ranges, each read up to the page's LIMIT, merged under it."""
    columns = _columns(Tenant, "t")
    selects = []
    for housing_type, zone in arms:
        where = f"t.organisation_id = {org} AND t.housing_type = {p(housing_type)}"
        if zone is not None:
            where += f" AND t.departement = {p(zone)}"
        selects.append(f"SELECT {columns} FROM tenant t WHERE {where}{tail} "
                       f"ORDER BY {_ORDER_SQL} LIMIT {n}")
    if len(selects) == 1:
        return selects[0]
    return " UNION ALL ".join(
        f"SELECT * FROM ({s}) AS a{i}" for i, s in enumerate(selects)
    ) + f" ORDER BY {_ORDER_SQL} LIMIT {n}"


def _arms_where(p: _Params, alias: str, arms: list[tuple[str, str | None]]) -> str:
    def arm(housing_type: str, zone: str | None) -> str:
        sql = f"{alias}.housing_type = {p(housing_type)}"
        return f"({sql} AND {alias}.departement = {p(zone)})" if zone is not None else f"({sql})"

    return " OR ".join(arm(*a) for a in arms)


# Beyond this many arms, a search's index scan narrows to the organisation alone and the arms are
# checked on each match: an OR of many arms (PostgreSQL: a bitmap scan each; SQLite: a phrase
# each) costs more than it saves.
ARM_PHRASES = 8


def _full_text(organisation_id: int, arms: list[tuple[str, str | None]], term: str) -> str:
    """SQLite's MATCH: the term's trigrams and the caller's scope text (migration 0015)."""
    if len(arms) > ARM_PHRASES:
        scope = f'"/{organisation_id}/"'
    else:
        scope = " OR ".join(f'"/{organisation_id}/{t}/{z}/"' if z is not None
                            else f'"/{organisation_id}/{t}/"' for t, z in arms)
    # The term is normalised (letters, digits, spaces): nothing in it ends a quoted phrase.
    return f'scope : ({scope}) AND words : "{term}"'


def _searched(p: _Params, organisation_id: int, org: str, n: str,
              arms: list[tuple[str, str | None]], after: list[Any] | None, year: int,
              state: DeclarationState | None, term: str) -> tuple[str, str]:
    """(the CTEs, the page's rows) of a search, from the term's matches in the scope first.

    `found` holds the scope's matches, from the trigram index (PostgreSQL: the GIN index that
    also holds the scope columns, planned whole and read lazily; SQLite: the FTS5 table, read
    up to the cap); `counted` reads at most SEARCH_COUNT_CAP + 1 of them and is the total.
    Fewer than that and `found` is complete: the page is its rows sorted after the cursor. As
    many and the term is common in the scope: the arms' ordered ranges find a page of matches
    within a few pages' rows. The branch not taken does not run: its scan is behind a condition
    on the count alone, tested once."""
    cap = p(SEARCH_COUNT_CAP + 1)
    arms_sql = f"({_arms_where(p, 't', arms)})"
    state_sql = _conditions(p, None, year, state, None, per_row=True)
    like = _conditions(p, None, year, None, term)
    keys = "t.id, t.last_name, t.first_name"
    if not p.postgres:
        # CROSS JOIN: SQLite keeps the full-text table as the outer loop.
        found = (f"SELECT {keys} FROM tenant_search CROSS JOIN tenant t "
                 f"ON t.id = tenant_search.rowid WHERE tenant_search MATCH "
                 f"{p(_full_text(organisation_id, arms, term))} AND t.organisation_id = {org} "
                 f"AND {arms_sql}{state_sql}{like} LIMIT {cap}")
        counted = "SELECT COUNT(*) AS n FROM found"
    elif len(arms) > ARM_PHRASES:
        # As many arms, as many index scans: the index narrows to the organisation and the
        # term, each match is checked against the arms (OFFSET 0 keeps them out of the scan).
        found = (f"SELECT {keys} FROM (SELECT {keys}, t.housing_type, t.departement "
                 f"FROM tenant t WHERE t.organisation_id = {org}{like} OFFSET 0) AS t "
                 f"WHERE {arms_sql}{state_sql}")
    else:
        found = f"SELECT {keys} FROM tenant t WHERE t.organisation_id = {org} AND {arms_sql}" \
                f"{state_sql}{like}"
    if p.postgres:
        counted = f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM found LIMIT {cap}) AS c"
    kept = [] if after is None else [f"({_ORDER_SQL}) > ({', '.join(p(v) for v in after)})"]
    tail = _conditions(p, after, year, state, term)
    if p.postgres:  # a condition on the count alone: a one-time filter above the scan
        few_limit, many_limit = n, n
        kept.insert(0, f"(SELECT n FROM counted) < {cap}")
        tail += f" AND (SELECT n FROM counted) >= {cap}"
    else:  # SQLite tests a WHERE term on every row, a LIMIT of 0 once before the scan
        few_limit = f"(CASE WHEN (SELECT n FROM counted) < {cap} THEN {n} ELSE 0 END)"
        many_limit = f"(CASE WHEN (SELECT n FROM counted) >= {cap} THEN {n} ELSE 0 END)"
    cursor = f" WHERE {' AND '.join(kept)}" if kept else ""
    few = (f"SELECT {_columns(Tenant, 't')} FROM (SELECT id FROM found{cursor} "
           f"ORDER BY {_ORDER_SQL} LIMIT {few_limit}) AS f JOIN tenant t ON t.id = f.id")
    many = _ranges(p, org, many_limit, arms, tail)
    ctes = f"WITH found AS MATERIALIZED ({found}), counted AS MATERIALIZED ({counted}) "
    return ctes, f"SELECT * FROM ({few}) AS few UNION ALL SELECT * FROM ({many}) AS many"


def page_statement(postgres: bool, organisation_id: int, arms: list[tuple[str, str | None]],
                   limit: int, after: list[Any] | None, year: int,
                   state: DeclarationState | None = None,
                   term: str | None = None) -> tuple[str, list[Any]]:
    p = _Params(postgres)
    org, n = p(organisation_id), p(limit)
    if term is not None:
        ctes, merged = _searched(p, organisation_id, org, n, arms, after, year, state, term)
        total = "(SELECT n FROM counted)"
    else:
        ctes, merged = "", _ranges(p, org, n, arms, _conditions(p, after, year, state, None))
        total = _total(p, org, arms, year, state)
    state_of = (f"(SELECT d.state FROM rent_declaration d WHERE d.tenant_id = k.id "
                f"AND d.year = {p(year)}) AS {STATE}")
    sql = (f"{ctes}SELECT {_columns(Tenant, 'k')}, {_columns(Housing, 'h', 'h__')}, {state_of}, "
           f"{total} AS {TOTAL} FROM ({merged}) AS k JOIN housing h ON h.id = k.housing_id "
           f"ORDER BY k.last_name, k.first_name, k.id")
    return sql, p.values


async def read_page(organisation_id: int, arms: list[tuple[str, str | None]], limit: int,
                    after: list[Any] | None, year: int, state: DeclarationState | None = None,
                    term: str | None = None) -> list[Tenant]:
    """Up to `limit` tenants of the arms after `after`, in ORDER, each with its housing, its
    declaration state and the list's total (counters.Counting.total reads them)."""
    if not arms:
        return []
    db = connections.get("default")
    sql, values = page_statement(db.capabilities.dialect == "postgres", organisation_id, arms,
                                 limit, after, year, state, term)
    _, rows = await db.execute_query(sql, values)
    return [_tenant(dict(row)) for row in rows]


def _tenant(row: dict[str, Any]) -> Tenant:
    state, total = row.pop(STATE), row.pop(TOTAL)
    housing = Housing._init_from_db(**{
        k[3:]: row.pop(k) for k in [k for k in row if k.startswith("h__")]})
    tenant = Tenant._init_from_db(**row)
    # Where select_related("housing") puts it, so `tenant.housing` reads it without a query.
    object.__setattr__(tenant, "_housing", housing)
    setattr(tenant, STATE, state)  # read by counters.row_state
    setattr(tenant, TOTAL, total)  # read by counters.Counting.total
    return tenant
