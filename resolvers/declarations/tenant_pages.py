"""One page of tenants in one statement whose cost follows the page, not the caller's scope.

The scope is a set of disjoint (housing type, zone) arms (policies.scope.Scope.arms); the tenant
row carries those columns, and an index in the list's order starts with them. Each arm is one
ordered index range read up to the page's LIMIT; the arms are merged under the same LIMIT
(PostgreSQL: Merge Append; SQLite: a merge of the ordered arms), then the page's rows alone are
joined to their housing. Keyset only: a page starts strictly after its cursor, never at an OFFSET.
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
                state: DeclarationState | None, term: str | None) -> str:
    """What every arm adds to its range: the cursor, the state and the search (bound once)."""
    sql = ""
    if after is not None:
        sql += f" AND ({_ORDER_SQL}) > ({', '.join(p(v) for v in after)})"
    if state is not None:
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
              state: DeclarationState | None, term: str | None) -> str:
    """The list's total as a scalar subquery of the page's statement: a sum of the counter rows
    of the arms, or for a search the matches counted up to SEARCH_COUNT_CAP + 1."""
    def arm(alias: str, housing_type: str, zone: str | None) -> str:
        sql = f"{alias}.housing_type = {p(housing_type)}"
        return f"({sql} AND {alias}.departement = {p(zone)})" if zone is not None else f"({sql})"

    if term is not None:
        where = " OR ".join(arm("t", *a) for a in arms)
        return (f"(SELECT COUNT(*) FROM (SELECT 1 FROM tenant t WHERE t.organisation_id = {org} "
                f"AND ({where}){_conditions(p, None, year, state, term)} "
                f"LIMIT {p(SEARCH_COUNT_CAP + 1)}) AS b)")
    where = " OR ".join(arm("c", *a) for a in arms)
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


def page_statement(postgres: bool, organisation_id: int, arms: list[tuple[str, str | None]],
                   limit: int, after: list[Any] | None, year: int,
                   state: DeclarationState | None = None,
                   term: str | None = None) -> tuple[str, list[Any]]:
    p = _Params(postgres)
    org, n = p(organisation_id), p(limit)
    tail = _conditions(p, after, year, state, term)
    columns = _columns(Tenant, "t")
    selects = []
    for housing_type, zone in arms:
        where = f"t.organisation_id = {org} AND t.housing_type = {p(housing_type)}"
        if zone is not None:
            where += f" AND t.departement = {p(zone)}"
        selects.append(f"SELECT {columns} FROM tenant t WHERE {where}{tail} "
                       f"ORDER BY {_ORDER_SQL} LIMIT {n}")
    if len(selects) == 1:
        merged = selects[0]
    else:
        merged = " UNION ALL ".join(
            f"SELECT * FROM ({s}) AS a{i}" for i, s in enumerate(selects)
        ) + f" ORDER BY {_ORDER_SQL} LIMIT {n}"
    state_of = (f"(SELECT d.state FROM rent_declaration d WHERE d.tenant_id = k.id "
                f"AND d.year = {p(year)}) AS {STATE}")
    total = f"{_total(p, org, arms, year, state, term)} AS {TOTAL}"
    sql = (f"SELECT {_columns(Tenant, 'k')}, {_columns(Housing, 'h', 'h__')}, {state_of}, {total} "
           f"FROM ({merged}) AS k JOIN housing h ON h.id = k.housing_id "
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
    if not rows:
        return []
    # Every row has the statement's columns: split them once, not once per row.
    columns = list(rows[0].keys())
    housing = [(k, k[3:]) for k in columns if k.startswith("h__")]
    tenant = [k for k in columns if not k.startswith("h__") and k not in (STATE, TOTAL)]
    return [_tenant(row, tenant, housing) for row in rows]


def _tenant(row: Any, tenant_columns: list[str], housing_columns: list[tuple[str, str]]) -> Tenant:
    housing = Housing._init_from_db(**{name: row[k] for k, name in housing_columns})
    tenant = Tenant._init_from_db(**{k: row[k] for k in tenant_columns})
    # Where select_related("housing") puts it, so `tenant.housing` reads it without a query.
    object.__setattr__(tenant, "_housing", housing)
    setattr(tenant, STATE, row[STATE])  # read by counters.row_state
    setattr(tenant, TOTAL, row[TOTAL])  # read by counters.Counting.total
    return tenant
